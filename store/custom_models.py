"""Stored custom models: a config.json (from the Hub or uploaded) saved once, loaded by id, listed.

``save_custom_model`` validates the config (it must give a model shape, ``advisor.model_config``), dedupes
by the SHA-256 of its canonical JSON (per Hub repo; uploads share one namespace) and returns the stored
entry. A shared report for a custom model carries ``report_model_ref(entry)`` in its inputs: the id,
the hash and the config itself, so ``model_from_report`` rebuilds the model from the database row or,
should the row be gone, from the report alone; neither path contacts the Hub.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from store.db import DatabaseUnavailable, get_engine, session_factory, transaction
from store.models import CustomModel

if TYPE_CHECKING:
    from advisor.model_config import QuantizationInfo
    from advisor.models import ModelSpec

SOURCES = ("hf", "upload")
MAX_CONFIG_BYTES = 1024 * 1024  # the Hub fetch's limit too (advisor.hub.DEFAULT_MAX_BYTES)
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16}$")
MODEL_ID_PREFIX = "cm-"  # ModelSpec.id of a stored custom model: "cm-<id>"
REF_KEY = "custom_model"  # the key of report_model_ref() in a snapshot's inputs


class CustomModelError(ValueError):
    """A custom model that cannot be stored or read; the message says what was wrong."""


class CustomModelNotFound(CustomModelError):
    pass


@dataclass(frozen=True)
class CustomModelEntry:
    id: str
    name: str
    source: str
    hf_repo: str
    revision: str
    commit_hash: str
    config: dict[str, Any]
    quant_config: dict[str, Any] | None
    sha256: str
    created_at: str  # ISO 8601, UTC
    created: bool = False  # True when this call stored it, False when it was already there

    @property
    def model_id(self) -> str:
        return MODEL_ID_PREFIX + self.id


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def config_sha256(config: Mapping[str, Any], quant_config: Mapping[str, Any] | None = None) -> str:
    """SHA-256 of the canonical JSON of the config (and of hf_quant_config.json when given)."""
    text = (
        _canonical(config) if quant_config is None else _canonical({"config": config, "hf_quant_config": quant_config})
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _entry(row: CustomModel, created: bool = False) -> CustomModelEntry:
    return CustomModelEntry(
        id=row.id,
        name=row.name,
        source=row.source,
        hf_repo=row.hf_repo,
        revision=row.revision,
        commit_hash=row.commit_hash,
        config=json.loads(row.config_json),
        quant_config=json.loads(row.quant_config_json) if row.quant_config_json else None,
        sha256=row.sha256,
        created_at=row.created_at.isoformat(),
        created=created,
    )


def _validate(config: object, quant_config: object, name: object, source: object, hf_repo: object) -> str:
    from advisor.model_config import spec_from_hf_config

    if source not in SOURCES:
        raise CustomModelError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    if not isinstance(config, Mapping):
        raise CustomModelError(f"config.json must be a JSON object, got {type(config).__name__}")
    if quant_config is not None and not isinstance(quant_config, Mapping):
        raise CustomModelError(f"hf_quant_config.json must be a JSON object, got {type(quant_config).__name__}")
    if not isinstance(name, str) or not name.strip():
        raise CustomModelError("a custom model needs a name (the repo id, or the name you give an upload)")
    if source == "hf" and (not isinstance(hf_repo, str) or "/" not in hf_repo):
        raise CustomModelError(f"a model from the Hub needs its repo id (owner/name), got {hf_repo!r}")
    try:
        text = _canonical(config)
    except (TypeError, ValueError) as exc:
        raise CustomModelError(f"config.json is not plain JSON: {exc}") from exc
    if len(text.encode()) > MAX_CONFIG_BYTES:
        raise CustomModelError(f"config.json is {len(text.encode()):,} bytes; the limit is {MAX_CONFIG_BYTES:,}")
    spec_from_hf_config(config, quant_config=quant_config)  # ModelConfigError names the missing fields
    return text


def save_custom_model(
    config: Mapping[str, Any],
    *,
    name: str,
    source: str,
    hf_repo: str = "",
    revision: str = "",
    commit_hash: str = "",
    quant_config: Mapping[str, Any] | None = None,
    engine: Engine | None = None,
) -> CustomModelEntry:
    """Store a config (one transaction) or return the stored one with the same hash; ``created`` says which.

    Raises CustomModelError (bad input) or advisor.model_config.ModelConfigError (no readable shape);
    both are ValueErrors. Nothing is written when either is raised.
    """
    text = _validate(config, quant_config, name, source, hf_repo)
    repo = hf_repo if source == "hf" else ""
    sha = config_sha256(config, quant_config)
    engine = engine or get_engine()
    existing = _find(engine, sha, repo)
    if existing is not None:
        return _entry(existing)
    row = CustomModel(
        id=secrets.token_urlsafe(12),
        name=name.strip()[:255],
        source=source,
        hf_repo=repo,
        revision=(revision or "")[:255] if source == "hf" else "",
        commit_hash=(commit_hash or "")[:40] if source == "hf" else "",
        config_json=text,
        quant_config_json=_canonical(quant_config) if quant_config is not None else None,
        sha256=sha,
        created_at=dt.datetime.now(dt.UTC),
    )
    try:
        with transaction(engine) as s:
            s.add(row)
    except IntegrityError:  # the same config stored by a concurrent request: theirs is the one
        existing = _find(engine, sha, repo)
        if existing is None:
            raise
        return _entry(existing)
    return _entry(row, created=True)


def save_fetched(fetched, *, quant_config: Mapping[str, Any] | None = None, engine: Engine | None = None):
    """``save_custom_model`` for an ``advisor.hub.FetchedConfig``."""
    return save_custom_model(
        fetched.config,
        name=fetched.repo_id,
        source="hf",
        hf_repo=fetched.repo_id,
        revision=fetched.revision,
        commit_hash=fetched.commit_hash or "",
        quant_config=quant_config,
        engine=engine,
    )


def _find(engine: Engine, sha: str, repo: str) -> CustomModel | None:
    with session_factory(engine)() as s:
        return s.scalars(select(CustomModel).where(CustomModel.sha256 == sha, CustomModel.hf_repo == repo)).first()


def parse_custom_id(value: str) -> str:
    """The stored id of ``value`` (an id or a ``cm-<id>`` model id); CustomModelError when it is neither."""
    raw = value[len(MODEL_ID_PREFIX) :] if isinstance(value, str) and value.startswith(MODEL_ID_PREFIX) else value
    if not isinstance(raw, str) or not ID_PATTERN.fullmatch(raw):
        shown = repr(value[:40]) if isinstance(value, str) else type(value).__name__
        raise CustomModelError(f"{shown} is not a custom model id (cm- followed by 16 letters, digits, '-' or '_')")
    return raw


def load_custom_model(custom_id: str, engine: Engine | None = None) -> CustomModelEntry:
    """The stored entry for an id (or ``cm-<id>``); CustomModelNotFound when there is none."""
    raw = parse_custom_id(custom_id)
    try:
        with session_factory(engine or get_engine())() as s:
            row = s.get(CustomModel, raw)
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"could not read the custom model: {exc.__class__.__name__}") from exc
    if row is None:
        raise CustomModelNotFound(f"no stored custom model {custom_id!r}: fetch or upload its config.json again")
    return _entry(row)


def list_custom_models(limit: int = 200, engine: Engine | None = None) -> list[CustomModelEntry]:
    """Newest first."""
    with session_factory(engine or get_engine())() as s:
        rows = s.scalars(select(CustomModel).order_by(CustomModel.created_at.desc(), CustomModel.id).limit(limit))
        return [_entry(r) for r in rows]


# --------------------------------------------------------------------------------------------- engine objects


def model_of(entry: CustomModelEntry) -> tuple[ModelSpec, QuantizationInfo]:
    """The ModelSpec (id ``cm-<id>``) and checkpoint quantization of a stored entry; no network."""
    from advisor.hub import model_from_config

    if entry.source == "hf":
        rev = entry.commit_hash or entry.revision or "main"
        source = f"https://huggingface.co/{entry.hf_repo}/blob/{rev}/config.json"
    else:
        source = f"uploaded config.json (sha256 {entry.sha256[:12]})"
    spec, quant = model_from_config(
        entry.config, hf_repo=entry.hf_repo, source=source, name=entry.name, quant_config=entry.quant_config
    )
    return replace(spec, id=entry.model_id), quant


def report_model_ref(entry: CustomModelEntry) -> dict[str, Any]:
    """What a report snapshot keeps of a custom model (``inputs[REF_KEY]``): enough to rebuild it alone."""
    return {
        "id": entry.id,
        "name": entry.name,
        "source": entry.source,
        "hf_repo": entry.hf_repo,
        "revision": entry.revision,
        "commit_hash": entry.commit_hash,
        "sha256": entry.sha256,
        "config": entry.config,
        "quant_config": entry.quant_config,
    }


def model_from_report(
    snapshot: Mapping[str, Any], engine: Engine | None = None
) -> tuple[ModelSpec, QuantizationInfo] | None:
    """The custom model a report snapshot was made for (None for a catalog model), never fetching it.

    The stored row is used when it is there and its hash matches; otherwise the config kept in the report.
    """
    ref = (snapshot.get("inputs") or {}).get(REF_KEY) if isinstance(snapshot, Mapping) else None
    if not ref:
        return None
    if not isinstance(ref, Mapping) or not isinstance(ref.get("config"), Mapping):
        raise CustomModelError("the report's custom model has no config.json: it cannot be rebuilt")
    try:
        entry = load_custom_model(str(ref.get("id", "")), engine)
        if entry.sha256 == ref.get("sha256"):
            return model_of(entry)
    except (CustomModelError, DatabaseUnavailable):
        pass
    quant = ref.get("quant_config") if isinstance(ref.get("quant_config"), Mapping) else None
    if config_sha256(ref["config"], quant) != ref.get("sha256"):
        raise CustomModelError("the report's custom model config does not match its sha256; it is not used")
    entry = CustomModelEntry(
        id=str(ref.get("id")),
        name=str(ref.get("name") or "custom model"),
        source=str(ref.get("source") or "upload"),
        hf_repo=str(ref.get("hf_repo") or ""),
        revision=str(ref.get("revision") or ""),
        commit_hash=str(ref.get("commit_hash") or ""),
        config=dict(ref["config"]),
        quant_config=dict(quant) if quant else None,
        sha256=str(ref["sha256"]),
        created_at="",
    )
    return model_of(entry)
