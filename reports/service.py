"""Store and read immutable report snapshots.

A snapshot is plain JSON (inputs, catalog version, ranking, evidence, time). It is stored once
under an id of 192 random bits (``secrets.token_urlsafe(24)``); there is no update path, and the
stored SHA-256 of its canonical JSON is checked on every read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from store.db import DatabaseUnavailable, get_engine, session_factory, transaction
from store.models import SharedReport

ID_BYTES = 24  # 192 bits of randomness; the issue asks for at least 128
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")
MAX_SNAPSHOT_BYTES = 2_000_000


class ReportError(ValueError):
    """A report id or snapshot is not acceptable; the message says what was wrong."""


class ReportNotFound(ReportError):
    pass


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def new_report_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def validate_report_id(report_id: str) -> str:
    if not isinstance(report_id, str) or not ID_PATTERN.fullmatch(report_id):
        shown = repr(report_id[:40]) if isinstance(report_id, str) else type(report_id).__name__
        raise ReportError(
            f"{shown} is not a report id: a report link ends in ?report= followed by 32 letters, digits, '-' or '_'"
        )
    return report_id


def create_report(snapshot: dict[str, Any], *, title: str, catalog_version: str, engine: Engine | None = None) -> str:
    """Store ``snapshot`` and return its new id. The stored copy is never changed afterwards."""
    try:
        body = canonical_json(snapshot)
    except (TypeError, ValueError) as exc:
        raise ReportError(f"report snapshot is not plain JSON: {exc}") from exc
    if len(body.encode()) > MAX_SNAPSHOT_BYTES:
        raise ReportError(f"report snapshot is {len(body.encode()):,} bytes; the limit is {MAX_SNAPSHOT_BYTES:,}")
    payload = {"snapshot": json.loads(body), "sha256": hashlib.sha256(body.encode()).hexdigest()}
    report_id = new_report_id()
    with transaction(engine or get_engine()) as s:
        s.add(
            SharedReport(
                id=report_id,
                title=title[:255],
                catalog_version=catalog_version,
                payload=payload,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    return report_id


def get_report(report_id: str, engine: Engine | None = None) -> dict[str, Any]:
    """The stored snapshot plus its metadata; ReportError for a malformed id, ReportNotFound if absent."""
    validate_report_id(report_id)
    try:
        with session_factory(engine or get_engine())() as s:
            row = s.get(SharedReport, report_id)
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"could not read the report: {exc.__class__.__name__}") from exc
    if row is None:
        raise ReportNotFound(f"no report with id {report_id!r}: the link may be mistyped or incomplete")
    snapshot = row.payload.get("snapshot")
    if hashlib.sha256(canonical_json(snapshot).encode()).hexdigest() != row.payload.get("sha256"):
        raise ReportError(f"report {report_id!r} failed its integrity check and is not shown")
    return {
        "id": row.id,
        "title": row.title,
        "created_at": row.created_at.isoformat(),
        "catalog_version": row.catalog_version,
        "snapshot": snapshot,
    }


def list_reports(limit: int = 200, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Newest first: id, title, time and catalog version (no payloads)."""
    with session_factory(engine or get_engine())() as s:
        rows = s.execute(
            select(SharedReport.id, SharedReport.title, SharedReport.created_at, SharedReport.catalog_version)
            .order_by(SharedReport.created_at.desc())
            .limit(limit)
        ).all()
    return [
        {"id": r.id, "title": r.title, "created_at": r.created_at.isoformat(), "catalog_version": r.catalog_version}
        for r in rows
    ]
