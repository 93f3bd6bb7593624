"""User text is shown as text, never rendered as markdown/HTML: file names, labels, hardware and model
names from files, probe report host and device names, report titles, query parameters and report ids.

Each page is run with AppTest; every element Streamlit renders as markdown (markdown, caption, alerts,
titles, expander and status labels) is checked for live markup built from the hostile text, and the
text itself must still be visible (escaped, not dropped).
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from probes.store import save_report
from reports.display import md_code, md_text
from reports.service import create_report
from store.db import create_db_engine
from store.migrate import prepare_database
from tests.conftest import REPO
from tests.hardening.helpers import (
    HOSTILE,
    IMG,
    JS_LINK,
    PAYLOADS,
    assert_shown_as_text,
    live_markup,
    page_texts,
    unescape,
)
from tests.ui.test_apptest_probe import RECORDED_CPU_REPORT

APP = str(REPO / "app.py")


def _engine(url: str):
    engine = create_db_engine(url)
    prepare_database(engine)
    return engine


def _script(module: str) -> str:
    return f"from ui.{module} import render\nrender()\n"


def _page(monkeypatch, url: str, module: str, **params: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_string(_script(module), default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _hostile_probe_report() -> dict:
    rep = json.loads(json.dumps(RECORDED_CPU_REPORT))
    rep["host"]["hostname"] = HOSTILE
    rep["host"]["status"] = "error"
    rep["host"]["reason"] = HOSTILE
    rep["host"]["cpu_flags"] = {IMG: True, JS_LINK: False}
    rep["host"]["match"]["note"] = HOSTILE
    rep["probe_version"] = JS_LINK
    rep["bench"]["reason"] = HOSTILE
    for dev in rep["devices"]:
        dev["name"] = HOSTILE
        dev["id"] = JS_LINK
        dev["bench_reason"] = HOSTILE
        if dev.get("match"):
            dev["match"]["note"] = HOSTILE
    return rep


@pytest.mark.parametrize(
    "text",
    [*PAYLOADS, HOSTILE, "a\\](javascript:x)", "`code` $x$ <b>", "[r]: javascript:x", "line\n# heading\n- item"],
)
def test_md_text_leaves_no_live_markup_and_keeps_the_text(text):
    shown = md_text(text)
    assert live_markup(shown) == []
    assert "\n" not in shown
    assert unescape(shown) == " ".join(text.splitlines())
    code = md_code(text)
    assert live_markup(code) == []
    assert unescape(code) == " ".join(text.splitlines())


def test_benchmarks_page_shows_file_names_and_labels_as_text(monkeypatch, sqlite_url):
    name = f"{HOSTILE}.csv"
    body = f"hardware,model,decode_tok_s,notes\n{IMG},{JS_LINK},100,{HOSTILE}\n".encode()
    at = _page(monkeypatch, sqlite_url, "benchmarks_page")

    def upload(data: bytes) -> AppTest:
        at.file_uploader(key="bench_file").set_value((name, data, "text/csv"))
        at.text_input(key="bench_label").set_value(HOSTILE)
        next(b for b in at.button if b.label == "Import").click()
        return at.run()

    upload(body)
    assert not at.exception
    assert "imported 1 measurement(s)" in at.success[0].value
    assert_shown_as_text(at)
    upload(body)  # duplicate: the message quotes the first upload's file name
    assert not at.exception and "already imported" in at.info[0].value
    assert_shown_as_text(at)
    upload(b"\xff\xfe\x00garbage")  # unreadable: the error names the file
    assert not at.exception and at.error
    assert_shown_as_text(at)


def test_probe_page_shows_host_device_and_label_text_as_text(monkeypatch, sqlite_url):
    at = _page(monkeypatch, sqlite_url, "probe_page")
    at.file_uploader[0].set_value((f"{HOSTILE}.json", json.dumps(_hostile_probe_report()).encode(), "application/json"))
    at.text_input(key="probe_upload_label").set_value(HOSTILE)
    next(b for b in at.button if b.label == "Check and store").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert_shown_as_text(at)
    # the stored-reports tab renders the same report again, picked by its label
    at.selectbox(key="probe_pick").select_index(0).run()
    assert not at.exception
    assert_shown_as_text(at)


def test_probe_upload_error_quotes_the_bad_value_as_text(monkeypatch, sqlite_url):
    rep = json.loads(json.dumps(RECORDED_CPU_REPORT))
    rep["devices"][0]["formats"]["bf16"]["verdict"] = JS_LINK
    at = _page(monkeypatch, sqlite_url, "probe_page")
    at.file_uploader[0].set_value((f"{IMG}.json", json.dumps(rep).encode(), "application/json"))
    next(b for b in at.button if b.label == "Check and store").click()
    at.run()
    assert not at.exception
    assert "is not a valid probe report" in at.error[0].value
    assert_shown_as_text(at, expect=(IMG, JS_LINK))


def test_advise_page_shows_probe_device_names_and_bad_params_as_text(monkeypatch, sqlite_url):
    from probes.report import load_report

    rid = save_report(load_report(_hostile_probe_report()), origin="upload", label=HOSTILE, engine=_engine(sqlite_url))
    at = _page(monkeypatch, sqlite_url, "advise_page", probe=rid, model=JS_LINK, engine=IMG)
    assert not at.exception
    heading = [t for k, t in page_texts(at) if t.startswith("#### ")]
    assert heading and HOSTILE in unescape(heading[0])
    assert_shown_as_text(at, expect=(IMG, JS_LINK))
    # an unknown probe id from the URL is quoted in the error
    at = _page(monkeypatch, sqlite_url, "advise_page", probe=JS_LINK)
    assert not at.exception
    assert_shown_as_text(at, expect=(JS_LINK,))


def test_report_titles_and_bad_report_ids_are_text(monkeypatch, sqlite_url):
    engine = _engine(sqlite_url)
    snap = {"inputs": {"hardware": IMG}, "ranking": [{"format": JS_LINK}], "notes": [HOSTILE]}
    rid = create_report(snap, title=HOSTILE, catalog_version=JS_LINK, engine=engine)
    at = _page(monkeypatch, sqlite_url, "report_view", report=rid)
    assert not at.exception
    assert_shown_as_text(at)
    for bad in (*PAYLOADS, HOSTILE):
        at = _page(monkeypatch, sqlite_url, "report_view", report=bad)
        assert not at.exception and "not valid" in at.error[0].value
        assert_shown_as_text(at, expect=())
    # the Reports page lists this session's links by title
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    at = AppTest.from_string(_script("reports_page"), default_timeout=60)
    at.session_state["shared_reports"] = [{"id": rid, "title": HOSTILE, "created_at": "2026-11-27T08:00:00"}]
    at.run()
    assert not at.exception
    shown = assert_shown_as_text(at)
    assert any(f"?report={rid}" in t for _, t in page_texts(at))  # the own link is still a link
    assert shown
