"""Shared fixtures: a database engine per backend, paths to the shared recorded fixtures.

``db_engine`` runs each test on a fresh embedded SQLite database and, when
``TEST_POSTGRES_URL`` is set (CI starts a real cluster, see .ci/run), on PostgreSQL too.
With ``REQUIRE_POSTGRES=1`` (CI) a missing PostgreSQL fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SHARED_FIXTURES = SHARED / "fixtures"


def postgres_url() -> str | None:
    return os.environ.get("TEST_POSTGRES_URL") or None


def _require(flag: str) -> bool:
    return os.environ.get(flag, "") not in ("", "0", "false")


def pytest_report_header(config) -> list[str]:
    pg = postgres_url()
    return [
        f"postgres tests: {'ON at ' + pg.split('@')[-1] if pg else 'skipped (TEST_POSTGRES_URL not set)'}",
        f"shared fixtures: {SHARED_FIXTURES if SHARED_FIXTURES.exists() else 'MISSING'}",
    ]


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets its own database (``<name>_gw0`` ...), created on first use, so parallel
    tests never drop each other's schema."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(
        url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    )
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _fresh_postgres_engine(url: str):
    from store.db import create_db_engine

    engine = create_db_engine(_worker_database(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return engine


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    """One migrated, catalog-synced SQLite file per test session; each test gets a copy (migrating and syncing
    the catalog per test cost ~0.4 s, most of the fast suite's setup time)."""
    from store.db import create_db_engine
    from store.migrate import prepare_database

    path = tmp_path_factory.mktemp("db-template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    prepare_database(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def db_engine(request, tmp_path):
    """A migrated, catalog-synced, empty database on each backend."""
    from store.db import create_db_engine
    from store.migrate import prepare_database

    if request.param == "sqlite":
        target = tmp_path / "test.db"
        template = request.getfixturevalue("_sqlite_template")
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{template}{suffix}").exists():
                shutil.copyfile(f"{template}{suffix}", f"{target}{suffix}")
        engine = create_db_engine(f"sqlite:///{target}")
    else:
        url = postgres_url()
        if url is None:
            if _require("REQUIRE_POSTGRES"):
                pytest.fail("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")
            pytest.skip("PostgreSQL not configured: set TEST_POSTGRES_URL (CI starts one via .ci/run)")
        engine = _fresh_postgres_engine(url)
    prepare_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"
