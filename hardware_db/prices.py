"""Default list prices per device-hour (``data/prices.toml``), validated at load.

A price is a fact like any other catalog number: one provider's public on-demand list price for one SKU, with
the provider's page, the date it was read and the date we checked it. SKUs without an entry have no default
(the UI leaves the field blank; a price is never guessed).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PRICES_PATH = Path(__file__).resolve().parent / "data" / "prices.toml"
SCHEMA_VERSION = 1
_FIELDS = {"sku", "usd_per_device_hour", "provider", "offer", "url", "as_of", "via", "checked"}


class PriceError(ValueError):
    """prices.toml is not valid; the message names the entry and the field."""


@dataclass(frozen=True)
class Price:
    sku: str
    usd_per_device_hour: float
    provider: str
    offer: str
    url: str  # the provider's pricing page
    as_of: str  # ISO date the provider page was read
    via: str  # the published file the number was read from
    checked: str  # ISO date we checked it

    @property
    def source_text(self) -> str:
        return f"{self.provider} list price ({self.offer}), {self.url}, as of {self.as_of}"


def _date(value: object, where: str, name: str) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise PriceError(f"{where}: {name} {value!r} is not a date (YYYY-MM-DD)") from None
    return text


def parse_prices(raw: dict, known_skus: set[str] | None = None, origin: str = "prices.toml") -> dict[str, Price]:
    """Check every entry (fields, types, a positive price, http(s) URLs, dates, known and unique SKUs)."""
    if raw.get("schema_version") != SCHEMA_VERSION:
        raise PriceError(f"{origin}: schema_version {raw.get('schema_version')!r}, this code reads {SCHEMA_VERSION}")
    out: dict[str, Price] = {}
    for i, entry in enumerate(raw.get("price", [])):
        where = f"{origin}: price[{i}]"
        if not isinstance(entry, dict):
            raise PriceError(f"{where} is not a table")
        missing, extra = _FIELDS - set(entry), set(entry) - _FIELDS
        if missing or extra:
            raise PriceError(
                f"{where}: missing {sorted(missing)}, unknown {sorted(extra)}; fields are {sorted(_FIELDS)}"
            )
        sku = str(entry["sku"])
        where = f"{origin}: price[{i}] ({sku})"
        price = entry["usd_per_device_hour"]
        if isinstance(price, bool) or not isinstance(price, int | float) or not 0 < price < 10_000:
            raise PriceError(f"{where}: usd_per_device_hour {price!r} must be a number above 0 and below 10000")
        for name in ("url", "via"):
            if not str(entry[name]).startswith(("https://", "http://")):
                raise PriceError(f"{where}: {name} {entry[name]!r} must be an http(s) URL")
        if known_skus is not None and sku not in known_skus:
            raise PriceError(f"{where}: sku {sku!r} is not in the catalog")
        if sku in out:
            raise PriceError(f"{where}: a second price for {sku!r}; keep one default per SKU")
        out[sku] = Price(
            sku=sku,
            usd_per_device_hour=float(price),
            provider=str(entry["provider"]),
            offer=str(entry["offer"]),
            url=str(entry["url"]),
            as_of=_date(entry["as_of"], where, "as_of"),
            via=str(entry["via"]),
            checked=_date(entry["checked"], where, "checked"),
        )
    return out


def load_prices(path: Path = PRICES_PATH, known_skus: set[str] | None = None) -> dict[str, Price]:
    with path.open("rb") as fh:
        try:
            raw = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise PriceError(f"{path.name}: not valid TOML: {exc}") from exc
    return parse_prices(raw, known_skus, origin=path.name)


@lru_cache(maxsize=1)
def default_prices() -> dict[str, Price]:
    """The shipped defaults, keyed by SKU id."""
    return load_prices()


def cost_per_million_tokens(
    usd_per_device_hour: float | None, devices: int, tokens_per_s: float | None
) -> float | None:
    """USD per million generated tokens: (price x devices per hour) / (tokens per hour) x 1e6; None when unknown."""
    if not usd_per_device_hour or not tokens_per_s or tokens_per_s <= 0 or devices < 1:
        return None
    return usd_per_device_hour * devices / (tokens_per_s * 3600.0) * 1e6
