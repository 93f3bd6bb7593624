from __future__ import annotations

from streamlit.testing.v1 import AppTest

from reports.display import SUMMARY_ROWS
from reports.service import get_report
from store.db import create_db_engine
from tests.conftest import REPO
from tests.ui.tables import markdown_tables, ranking_table

APP = str(REPO / "app.py")


def _run(monkeypatch, url: str, **params) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.session_state["advise_ranking_open"] = True  # the full grid: every ranked format, every column
    return at.run()


def _ranking(at: AppTest):
    """The ranking (the full grid, opened by ``_run``), with short names for the columns the tests read."""
    df = at.dataframe[0].value
    return df.rename(columns={"Format": "format", "Runs natively?": "support", "Speed basis": "basis"})


def test_query_params_restore_the_view(monkeypatch, sqlite_url):
    at = _run(monkeypatch, sqlite_url, hw="a100_sxm4_80gb", model="llama-3.1-8b", profile="interactive", gpus="1")
    assert not at.exception and not at.warning
    assert at.selectbox(key="a_hw").value == "a100_sxm4_80gb"
    assert at.selectbox(key="a_model").value == "llama-3.1-8b"
    ranking = _ranking(at)
    assert len(ranking) > 3
    fp8 = ranking[ranking["format"].str.contains("FP8 W8A8", regex=False)]
    assert not fp8.empty and all("weight-only" in s for s in fp8["support"])


def test_the_plain_table_is_the_top_of_the_grid(monkeypatch, sqlite_url):
    """The at-a-glance table (markdown, no grid scripts) shows the grid's first rows, same cells."""
    at = _run(monkeypatch, sqlite_url, hw="h100_sxm5_80gb", model="llama-3.1-70b", gpus="2")
    plain, grid = ranking_table(at), at.dataframe[0].value
    assert len(grid) > SUMMARY_ROWS and len(plain) == SUMMARY_ROWS
    assert list(plain.columns) == [c for c in grid.columns if c in plain.columns] and "Engines" not in plain.columns
    assert plain.to_dict("records") == grid[list(plain.columns)].head(SUMMARY_ROWS).astype(str).to_dict("records")
    closed = AppTest.from_file(APP, default_timeout=90)
    closed.query_params["hw"] = "h100_sxm5_80gb"
    assert not closed.run().dataframe  # no grid until its expander is opened


def test_bad_query_params_give_messages_not_tracebacks(monkeypatch, sqlite_url):
    at = _run(monkeypatch, sqlite_url, hw="h100_sxm", batch="-5", gpus="many", nonsense="1")
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "hw='h100_sxm'" in text and "Did you mean" in text
    assert "batch='-5'" in text and "gpus='many'" in text and "'nonsense'" in text
    assert len(_ranking(at)) > 0  # falls back to defaults and still advises


def test_changing_inputs_updates_url_and_ranking(monkeypatch, sqlite_url):
    at = _run(monkeypatch, sqlite_url, hw="h100_sxm5_80gb", model="llama-3.1-70b", tol="relaxed", gpus="2")
    before = _ranking(at)
    assert "weight-only" in before[before["format"] == "NVFP4 (W4A4)"]["support"].iloc[0]
    at.selectbox(key="a_hw").set_value("b200").run()
    assert not at.exception
    assert at.query_params["hw"] == ["b200"] or at.query_params["hw"] == "b200"
    ranking = _ranking(at)
    nvfp4 = ranking[ranking["format"] == "NVFP4 (W4A4)"]
    assert len(nvfp4) == 1 and "native" in nvfp4["support"].iloc[0]


def test_share_stores_a_snapshot_that_opens_read_only(monkeypatch, sqlite_url):
    at = _run(monkeypatch, sqlite_url, hw="h100_sxm5_80gb", model="llama-3.1-8b", batch="8")
    at.button(key="share_button").click().run()
    assert not at.exception
    rid = at.session_state["last_shared"]
    stored = get_report(rid, engine=create_db_engine(sqlite_url))
    assert stored["snapshot"]["inputs"]["hardware"] == "h100_sxm5_80gb"
    assert [r["format"] for r in stored["snapshot"]["ranking"]] == _ranking(at)["format"].tolist()
    view = _run(monkeypatch, sqlite_url, report=rid)
    assert not view.exception
    shown = [r["format"] for r in stored["snapshot"]["ranking"]][:SUMMARY_ROWS]
    assert ranking_table(view)["Format"].tolist() == shown
    # the deploy commands of the verdict: on the page, in the stored snapshot and on the stakeholder's view
    serve = next(st["command"] for st in stored["snapshot"]["verdict"]["deploy"]["steps"] if st["what"] == "serve")
    assert any(serve in m.value for m in at.markdown) and any(serve in m.value for m in view.markdown)
    assert not [c for c in at.code if c.language == "bash"]  # the per-format expander runs only when opened
    best = stored["snapshot"]["ranking"][0]["format_id"]
    opened = _run(monkeypatch, sqlite_url, hw="h100_sxm5_80gb", model="llama-3.1-8b", batch="8", deploy_format=best)
    per_format = [c.value for c in opened.code if c.value.startswith("# ")]  # the expander, first ranked format
    assert per_format and per_format[0].endswith(serve)


def test_custom_model_from_parameter_count(monkeypatch, sqlite_url):
    at = _run(monkeypatch, sqlite_url, hw="rtx_4090", model="custom", params_b="13")
    assert not at.exception
    assert at.number_input(key="a_params_b").value == 13.0
    assert len(_ranking(at)) > 0


def test_charts_on_demand_and_in_the_url(monkeypatch, sqlite_url):
    at = _run(monkeypatch, sqlite_url, hw="h100_sxm5_80gb", model="llama-3.1-8b")
    assert not at.get("plotly_chart")
    at.toggle(key="a_charts").set_value(True).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2  # Pareto and roofline
    assert at.query_params["charts"] in (["1"], "1")
    again = _run(monkeypatch, sqlite_url, hw="h100_sxm5_80gb", model="llama-3.1-8b", charts="1")
    assert len(again.get("plotly_chart")) == 2


def test_stored_probe_report_is_selectable_hardware(monkeypatch, sqlite_url):
    """A probe of this Zen 4 CPU (recorded) as the hardware: measured bf16/int8 native, fp16 not."""
    from probes.report import load_report
    from probes.store import save_report

    report = load_report((REPO / "tests" / "fixtures" / "probes" / "zen4_cpu_bench.json").read_text())
    rid = save_report(report, "upload", label="dev box", engine=create_db_engine(sqlite_url))
    at = _run(monkeypatch, sqlite_url, probe=rid, model="llama-3.2-1b", profile="interactive")
    assert not at.exception, at.exception
    assert at.radio(key="a_hw_source").value == "Stored probe report"
    assert at.selectbox(key="a_probe").value == rid
    ranking = _ranking(at)
    support = dict(zip(ranking["format"], ranking["support"], strict=True))
    assert support["BF16"] == "native"
    assert support["INT8 W8A8 (SmoothQuant)"] == "native"
    assert support.get("FP16") != "native"
    assert any("Measured throughputs from this probe" in c.value for c in at.caption)


def test_uploaded_measurements_are_evidence_and_calibrate(monkeypatch, sqlite_url):
    from measurements.service import import_file
    from store.migrate import prepare_database
    from tests.conftest import SHARED_FIXTURES

    engine = create_db_engine(sqlite_url)
    prepare_database(engine)
    data = (SHARED_FIXTURES / "llama-bench" / "rtx4080_b5163.csv").read_bytes()
    result = import_file(data, "rtx4080_b5163.csv", engine=engine)
    assert result.imported == 2
    at = _run(monkeypatch, sqlite_url, hw="rtx_4080", model="qwen2.5-7b", profile="interactive", tol="relaxed")
    assert not at.exception
    evidence = at.dataframe[-1].value
    assert set(evidence["Format"]) == {"GGUF Q4_K_M"}
    decode = evidence[evidence["Metric"] == "decode (tok/s)"]
    assert decode["Measured value"].tolist() == ["120"]  # 119.9152, three significant digits
    ranking = _ranking(at)
    q4 = ranking[ranking["format"] == "GGUF Q4_K_M"]
    assert len(q4) == 1 and q4["basis"].iloc[0].startswith(("calibrated", "measured")), q4["basis"].iloc[0]


def test_evidence_follows_the_stored_results_even_at_the_same_row_count(monkeypatch, sqlite_url):
    """Delete an upload and import another with as many rows: the page shows the new rows, not a cached copy."""
    from measurements.service import delete_upload, import_file
    from store.migrate import prepare_database
    from tests.conftest import SHARED_FIXTURES

    engine = create_db_engine(sqlite_url)
    prepare_database(engine)
    fixtures = SHARED_FIXTURES / "llama-bench"
    on_l40s = (fixtures / "rtx4080_b5163.csv").read_bytes().replace(b"NVIDIA GeForce RTX 4080", b"NVIDIA L40S")
    elsewhere = import_file(on_l40s, "a.csv", engine=engine)
    assert elsewhere.imported == 2
    at = _run(monkeypatch, sqlite_url, hw="rtx_4080", model="qwen2.5-7b", profile="interactive", tol="relaxed")
    assert not at.exception and not any("Measured evidence" in h.value for h in at.subheader)
    assert delete_upload(elsewhere.upload_id, engine=engine)
    here = import_file((fixtures / "rtx4080_b5163.json").read_bytes(), "b.json", engine=engine)
    assert here.imported == 2
    at.run()
    assert not at.exception
    assert any("Measured evidence" in h.value for h in at.subheader)
    assert set(at.dataframe[-1].value["Format"]) == {"GGUF Q4_K_M"}
    ranking = _ranking(at)
    assert ranking[ranking["format"] == "GGUF Q4_K_M"]["basis"].iloc[0].startswith(("calibrated", "measured"))


def test_a_probe_report_stored_after_the_list_was_read_is_offered(monkeypatch, sqlite_url):
    """The stored-report list is cached; a report saved on the Probe page must still show up at once."""
    from probes.report import load_report
    from probes.store import save_report

    engine = create_db_engine(sqlite_url)
    report = load_report((REPO / "tests" / "fixtures" / "probes" / "zen4_cpu_bench.json").read_text())
    first = save_report(report, "upload", label="first", engine=engine)
    at = _run(monkeypatch, sqlite_url, probe=first, model="llama-3.2-1b")
    assert not at.exception and len(at.selectbox(key="a_probe").options) == 1
    second = save_report(report, "upload", label="second", engine=engine)
    at.run()
    assert not at.exception
    assert len(at.selectbox(key="a_probe").options) == 2
    at.selectbox(key="a_probe").set_value(second).run()
    assert not at.exception and at.selectbox(key="a_probe").value == second


def test_a_stored_probe_report_that_no_longer_parses_is_a_message(monkeypatch, sqlite_url):
    """A report stored under an older schema is listed (with no devices); choosing it must not raise."""
    from store.db import transaction
    from store.migrate import prepare_database
    from store.models import ProbeReportRecord

    engine = create_db_engine(sqlite_url)
    prepare_database(engine)
    with transaction(engine) as s:
        s.add(ProbeReportRecord(id="c" * 32, origin="upload", hostname="old", schema_version=0, report={"x": 1}))
    at = _run(monkeypatch, sqlite_url, probe="c" * 32, model="llama-3.2-1b")
    assert not at.exception, at.exception
    assert at.selectbox(key="a_probe").value == "c" * 32
    assert "cannot be read" in at.error[0].value and not markdown_tables(at)  # no ranking from a report it can't read


def test_html_export_is_built_on_click_from_the_snapshot_on_screen(monkeypatch, sqlite_url):
    """No 'prepare' step whose result outlives a change of inputs: one deferred download, nothing kept in the session."""
    at = _run(monkeypatch, sqlite_url, hw="h100_sxm5_80gb", model="llama-3.1-8b")
    assert not at.exception
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert set(buttons) == {"Markdown", "CSV", "JSON", "HTML (with charts)", "Print-friendly page"}
    assert buttons["HTML (with charts)"].HasField("deferred_file_id") and buttons["HTML (with charts)"].url == ""
    assert all(buttons[k].url for k in ("Markdown", "CSV", "JSON"))
    assert not [b for b in at.button if "HTML" in b.label]
    assert "html_export" not in at.session_state


def test_advise_opens_the_probe_report_picked_on_the_probe_page(monkeypatch, sqlite_url):
    from probes.report import load_report
    from probes.store import save_report

    engine = create_db_engine(sqlite_url)
    report = load_report((REPO / "tests" / "fixtures" / "probes" / "zen4_cpu_bench.json").read_text())
    save_report(report, "upload", label="first", engine=engine)
    picked = save_report(report, "upload", label="picked", engine=engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["probe"] = "gone" * 8  # a link to a report that is not stored
    at.session_state["hardware_probe_id"] = picked
    at.run()
    assert not at.exception
    assert at.selectbox(key="a_probe").value == picked


def _qp(at: AppTest, key: str):
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def test_deploy_format_pick_is_in_the_url(monkeypatch, sqlite_url):
    """The per-format deploy commands follow ``deploy_format`` in the URL, like every other Advise input."""
    from advisor.context import default_context

    at = _run(monkeypatch, sqlite_url, hw="h100_sxm5_80gb", model="llama-3.1-8b")
    assert not at.exception
    assert "deploy_format" not in at.query_params  # nothing picked: the link follows the best-ranked one
    expander = next(e for e in at.expander if e.label.startswith("Deploy commands"))
    assert not expander.proto.expanded and not at.code  # lazy: nothing drawn inside until it is opened
    ids = {f.name: fid for fid, f in default_context().formats.items()}
    second = ids[_ranking(at)["format"].iloc[1]]
    # a link that names a format opens the expander on it, with that format's commands
    at = _run(monkeypatch, sqlite_url, hw="h100_sxm5_80gb", model="llama-3.1-8b", deploy_format=second)
    assert not at.exception and not at.warning
    assert next(e for e in at.expander if e.label.startswith("Deploy commands")).proto.expanded
    box = at.selectbox(key="a_deploy_format")
    assert box.value == second and box.index == 1 and _qp(at, "deploy_format") == second
    # picking another one puts it in the URL (and in the values kept across pages)
    box.select_index(0).run()
    assert not at.exception
    best = ids[_ranking(at)["format"].iloc[0]]
    assert at.selectbox(key="a_deploy_format").value == best
    assert _qp(at, "deploy_format") == best and at.session_state["advise_values"]["deploy_format"] == best


def test_unknown_deploy_format_in_the_url_is_a_message(monkeypatch, sqlite_url):
    at = _run(monkeypatch, sqlite_url, hw="h100_sxm5_80gb", model="llama-3.1-8b", deploy_format="fp9_magic")
    assert not at.exception
    assert any("deploy_format='fp9_magic'" in w.value for w in at.warning)
    assert not next(e for e in at.expander if e.label.startswith("Deploy commands")).proto.expanded
    assert "deploy_format" not in at.query_params
