"""Bring a database up to date: user-data migrations (Alembic), then the catalog copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import InstrumentedAttribute

from store.db import session_factory
from store.models import BenchmarkUpload, MeasurementSeries, ProbeReportRecord, SharedReport

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_user_schema(engine: Engine) -> list[str]:
    """Apply pending migrations; returns the revisions applied (empty when up to date)."""
    before = current_revision(engine)
    if before == head_revision():
        return []
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    script = ScriptDirectory.from_config(cfg)
    after = current_revision(engine)
    applied = [rev.revision for rev in script.iterate_revisions(after, before)] if after else []
    return list(reversed(applied))


@dataclass(frozen=True)
class DatabaseState:
    revision: str | None
    catalog_version: str | None
    uploads: int
    measurements: int
    probe_reports: int
    shared_reports: int


def prepare_database(engine: Engine) -> tuple[list[str], bool]:
    """Migrate user data and refresh the catalog copy. Safe to call at every start."""
    from store.catalog_copy import sync_catalog

    applied = upgrade_user_schema(engine)
    rebuilt = sync_catalog(engine)
    return applied, rebuilt


def database_state(engine: Engine) -> DatabaseState:
    from store.catalog_copy import stored_catalog_version

    with session_factory(engine)() as s:
        counts = [
            s.scalar(select(func.count()).select_from(m)) or 0
            for m in (BenchmarkUpload, ProbeReportRecord, SharedReport)
        ]
        points = s.scalar(select(func.coalesce(func.sum(MeasurementSeries.n_points), 0))) or 0
        counts.insert(1, int(points))
    return DatabaseState(current_revision(engine), stored_catalog_version(engine), *counts)


def change_token(engine: Engine, counted: InstrumentedAttribute, newest: InstrumentedAttribute) -> tuple[int, str]:
    """A cache key for stored rows, in one query: the number of ``counted`` values and the largest ``newest``.

    With ``newest`` a creation time, any insert changes the key (a newer time) and any delete does
    too (a smaller count), even a delete and an insert of the same number of rows.
    """
    with engine.connect() as conn:
        count, latest = conn.execute(
            select(select(func.count(counted)).scalar_subquery(), select(func.max(newest)).scalar_subquery())
        ).one()
    return int(count), str(latest)


def results_token(engine: Engine) -> tuple[int, str]:
    """``change_token`` of the stored benchmark results (series are only added or deleted by upload)."""
    return change_token(engine, MeasurementSeries.id, BenchmarkUpload.uploaded_at)


def probe_reports_token(engine: Engine) -> tuple[int, str]:
    """``change_token`` of the stored probe reports."""
    return change_token(engine, ProbeReportRecord.id, ProbeReportRecord.created_at)
