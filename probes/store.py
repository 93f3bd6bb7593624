"""Probe reports in the user-data database (table ``probe_report``, ``store.models.ProbeReportRecord``).

Every database problem is raised as :class:`ProbeStoreError` with one readable line, so callers
(the CLI's ``--submit``, the app's upload page) can show it and go on.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from probes.report import ProbeReport, ProbeReportError, load_report
from store.db import DatabaseUnavailable, get_engine, transaction
from store.migrate import prepare_database
from store.models import ProbeReportRecord

Origin = Literal["cli", "server", "upload"]
ORIGINS: tuple[str, ...] = ("cli", "server", "upload")

_prepared: set[str] = set()


class ProbeStoreError(RuntimeError):
    """The report could not be stored or read; the message is one line, without secrets."""


@dataclass(frozen=True)
class StoredReportSummary:
    id: str
    created_at: dt.datetime
    label: str
    origin: str
    hostname: str
    schema_version: int
    devices: tuple[str, ...]  # "cpu: AMD EPYC [epyc_9654]" ...


def _engine(engine: Engine | None) -> Engine:
    try:
        engine = engine or get_engine()
        key = engine.url.render_as_string(hide_password=False)
        if key not in _prepared:
            prepare_database(engine)
            _prepared.add(key)
    except DatabaseUnavailable as exc:
        raise ProbeStoreError(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise ProbeStoreError(f"database not ready: {_one_line(exc)}") from exc
    return engine


def _one_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _device_labels(report: ProbeReport) -> tuple[str, ...]:
    out = []
    for d in report.devices:
        sku = d.match.sku_id or d.match.architecture_id if d.match else None
        out.append(f"{d.id}: {d.name or '?'}" + (f" [{sku}]" if sku else ""))
    return tuple(out)


def save_report(report: ProbeReport, origin: Origin | str, label: str = "", engine: Engine | None = None) -> str:
    """Store one report in its own transaction; returns its new id (128 random bits, hex)."""
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}, got {origin!r}")
    engine = _engine(engine)
    report_id = secrets.token_hex(16)
    record = ProbeReportRecord(
        id=report_id,
        label=label[:255],
        origin=origin,
        hostname=report.host.hostname[:255],
        schema_version=report.schema_version,
        report=report.model_dump(mode="json"),
    )
    try:
        with transaction(engine) as session:
            session.add(record)
    except SQLAlchemyError as exc:
        raise ProbeStoreError(f"could not write the probe report: {_one_line(exc)}") from exc
    return report_id


def list_reports(engine: Engine | None = None) -> list[StoredReportSummary]:
    """Stored reports, newest first (reports that no longer parse are listed with no devices)."""
    engine = _engine(engine)
    try:
        with transaction(engine) as session:
            rows = session.scalars(select(ProbeReportRecord).order_by(ProbeReportRecord.created_at.desc())).all()
            out = []
            for row in rows:
                try:
                    devices = _device_labels(load_report(row.report))
                except ProbeReportError:
                    devices = ()
                out.append(
                    StoredReportSummary(
                        row.id, row.created_at, row.label, row.origin, row.hostname, row.schema_version, devices
                    )
                )
            return out
    except SQLAlchemyError as exc:
        raise ProbeStoreError(f"could not list probe reports: {_one_line(exc)}") from exc


def get_report(report_id: str, engine: Engine | None = None) -> ProbeReport | None:
    """The stored report, parsed; None when no report has that id."""
    engine = _engine(engine)
    try:
        with transaction(engine) as session:
            row = session.get(ProbeReportRecord, report_id)
            data = dict(row.report) if row is not None else None
    except SQLAlchemyError as exc:
        raise ProbeStoreError(f"could not read probe report {report_id!r}: {_one_line(exc)}") from exc
    return load_report(data) if data is not None else None
