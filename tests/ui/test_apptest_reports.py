from __future__ import annotations

from streamlit.testing.v1 import AppTest

from reports.service import create_report
from store.db import create_db_engine
from store.migrate import prepare_database
from tests.conftest import REPO
from tests.ui.tables import ranking_table

APP = str(REPO / "app.py")


def _app(monkeypatch, url: str, **params) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def test_shared_report_opens_read_only(monkeypatch, sqlite_url):
    engine = create_db_engine(sqlite_url)
    prepare_database(engine)
    snap = {"inputs": {"hardware": "h100_sxm5_80gb"}, "ranking": [{"format_id": "fp8_w8a8", "support": "native"}]}
    rid = create_report(snap, title="Shared 70B plan", catalog_version="s1-old", engine=engine)
    at = _app(monkeypatch, sqlite_url, report=rid)
    assert not at.exception
    assert at.title[0].value == "Shared 70B plan"
    assert "s1-old" in at.info[0].value
    assert ranking_table(at)["Format"].tolist() == ["fp8_w8a8"]  # a schema-1 snapshot: its id stands in
    assert "Best for this workload: fp8_w8a8" in at.success[0].value  # the verdict, rebuilt from the first row
    assert not at.text_input and not at.selectbox and not at.number_input  # read-only: no inputs
    link = at.code[-1].value  # the full link, with Streamlit's copy button, last on the page
    assert link.endswith(f"?report={rid}")  # absolute in a browser (tests/ui/test_browser_issue17.py)


def test_malformed_report_id_is_a_message(monkeypatch, sqlite_url):
    at = _app(monkeypatch, sqlite_url, report="<script>")
    assert not at.exception
    assert "not valid" in at.error[0].value


def test_unknown_report_id_is_not_found(monkeypatch, sqlite_url):
    at = _app(monkeypatch, sqlite_url, report="Z" * 32)
    assert not at.exception
    assert "not found" in at.error[0].value


def _reports_page():
    from ui import reports_page

    reports_page.render()


def test_reports_page_lists_titles_but_never_other_peoples_ids(monkeypatch, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    engine = create_db_engine(sqlite_url)
    prepare_database(engine)
    other = create_report({"ranking": []}, title="Someone else's plan", catalog_version="v", engine=engine)
    at = AppTest.from_function(_reports_page, default_timeout=60)
    at.session_state["shared_reports"] = [{"id": "M" * 32, "title": "My plan", "created_at": "2026-11-27T08:00:00"}]
    at.run()
    assert not at.exception
    page_text = " ".join(str(e.value) for e in at.markdown) + " ".join(str(c.value) for c in at.caption)
    assert "My plan" in page_text and "?report=" + "M" * 32 in page_text
    table = at.dataframe[0].value
    assert table["Title"].tolist() == ["Someone else's plan"]
    assert other not in page_text and not any(other in str(v) for v in table.to_numpy().ravel())


def test_shared_report_builds_the_html_export_only_on_click(monkeypatch, sqlite_url):
    """The HTML export inlines plotly.js (megabytes): a deferred download, not work on every page load."""
    engine = create_db_engine(sqlite_url)
    prepare_database(engine)
    snap = {
        "inputs": {"hardware_name": "H100 SXM5 80GB"},
        "ranking": [{"format_id": "bf16", "support": "native", "decode_tok_s": 100.0, "memory_gb": 10.0}],
        "roofline": {"peaks_tflops": {"bf16": 989.0}, "bandwidth_gbps": 3350.0, "points": []},
    }
    rid = create_report(snap, title="plan", catalog_version="v", engine=engine)
    at = _app(monkeypatch, sqlite_url, report=rid)
    assert not at.exception
    assert not at.get("plotly_chart")  # one click away: plotly.js held the first render back (issue 17)
    at.toggle(key="r_charts").set_value(True).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2  # pareto and roofline, drawn from the snapshot
    kept_on = _app(monkeypatch, sqlite_url, report=rid, charts="1")  # a link can ask for them
    assert len(kept_on.get("plotly_chart")) == 2
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert list(buttons) == ["Markdown", "HTML (with charts)", "CSV (ranking)", "JSON", "Print-friendly page"]
    html = buttons.pop("HTML (with charts)")
    assert html.HasField("deferred_file_id") and html.url == ""
    assert all(b.url and not b.HasField("deferred_file_id") for b in buttons.values())  # small ones stay eager
