"""Faults: PostgreSQL restarted under a running app, database down at start."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from reports.service import create_report, get_report
from store.db import create_db_engine
from store.migrate import database_state, prepare_database
from tests.conftest import REPO
from tests.pg_cluster import pg_cluster  # noqa: F401 - fixture

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_store_recovers_after_postgres_restart(pg_cluster):  # noqa: F811
    engine = create_db_engine(pg_cluster.url)
    prepare_database(engine)
    first = create_report({"n": 1}, title="before", catalog_version="v", engine=engine)
    pg_cluster.restart()  # every pooled connection is now dead
    second = create_report({"n": 2}, title="after", catalog_version="v", engine=engine)
    assert get_report(first, engine=engine)["snapshot"] == {"n": 1}
    assert get_report(second, engine=engine)["snapshot"] == {"n": 2}
    assert database_state(engine).shared_reports == 2
    engine.dispose()


def test_app_page_recovers_after_postgres_restart_and_outage(pg_cluster, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", pg_cluster.url)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception and not at.error
    pg_cluster.stop()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any("database is not available" in e.value for e in at.error)
    pg_cluster.start()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception and not at.error
