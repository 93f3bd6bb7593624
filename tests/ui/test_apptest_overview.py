from __future__ import annotations

from streamlit.testing.v1 import AppTest

from hardware_db.catalog import default_catalog
from tests.conftest import REPO

APP = str(REPO / "app.py")


def _overview():
    from ui import overview_page

    overview_page.render()


def test_overview_shows_catalog_version(monkeypatch, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    at = AppTest.from_function(_overview, default_timeout=60).run()
    assert not at.exception
    assert any(default_catalog().version in md.value for md in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Accelerators"] == str(len(default_catalog().skus))
    assert metrics["Stored measurements"] == "0"


def test_unreachable_database_is_a_clear_page_not_a_traceback(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("database is not available" in e.value for e in at.error)
