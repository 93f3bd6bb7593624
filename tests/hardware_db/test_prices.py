"""prices.toml: every default price is sourced, dated, positive and names a catalog SKU."""

from __future__ import annotations

import pytest

from hardware_db.catalog import default_catalog
from hardware_db.prices import PRICES_PATH, PriceError, cost_per_million_tokens, load_prices, parse_prices

GOOD = {
    "sku": "h100_sxm5_80gb",
    "usd_per_device_hour": 4.29,
    "provider": "Lambda",
    "offer": "1x H100 SXM",
    "url": "https://lambda.ai/pricing",
    "as_of": "2026-09-25",
    "via": "https://github.com/x/y/blob/0/f.csv",
    "checked": "2026-12-06",
}


def test_shipped_prices_load_against_the_catalog():
    prices = load_prices(PRICES_PATH, known_skus=set(default_catalog().skus))
    assert prices["h100_sxm5_80gb"].usd_per_device_hour == 4.29
    assert prices["h100_sxm5_80gb"].url == "https://lambda.ai/pricing"
    assert all(p.checked == "2026-12-06" for p in prices.values())
    assert "rtx_3060" not in prices  # no public list price: no default


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"usd_per_device_hour": 0}, "above 0"),
        ({"usd_per_device_hour": "4"}, "must be a number"),
        ({"url": "lambda.ai"}, "http(s) URL"),
        ({"as_of": "Sept 2026"}, "is not a date"),
        ({"sku": "h100"}, "not in the catalog"),
    ],
)
def test_bad_entries_are_named(change, message):
    with pytest.raises(PriceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_prices({"schema_version": 1, "price": [GOOD | change]}, known_skus={"h100_sxm5_80gb"})


def test_missing_field_and_duplicate():
    partial = {k: v for k, v in GOOD.items() if k != "url"}
    with pytest.raises(PriceError, match=r"missing \['url'\]"):
        parse_prices({"schema_version": 1, "price": [partial]})
    with pytest.raises(PriceError, match="a second price"):
        parse_prices({"schema_version": 1, "price": [GOOD, GOOD]})


def test_cost_per_million_tokens():
    # 2 devices at $3/h = $6/h; 1000 tok/s = 3.6M tokens/h -> $1.6667 per million
    assert cost_per_million_tokens(3.0, 2, 1000.0) == pytest.approx(6 / 3.6)
    assert cost_per_million_tokens(None, 2, 1000.0) is None
    assert cost_per_million_tokens(3.0, 2, None) is None
