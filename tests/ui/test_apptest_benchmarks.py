"""AppTest of the Benchmarks page: the real llama-bench fixture end to end, bad files, rejected rows,
filters, and measured vs estimated with a stand-in predictor."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import ui.benchmarks_page as bench_page
from advisor.comparison import compare
from advisor.measurement import Measurement
from measurements.generic_csv import TEMPLATE_CSV
from measurements.service import list_measurements, list_uploads
from store.db import create_db_engine
from store.migrate import prepare_database
from tests.conftest import SHARED_FIXTURES

SCRIPT = "from ui.benchmarks_page import render\nrender()\n"
LLAMA_CSV = SHARED_FIXTURES / "llama-bench" / "rtx4080_b5163.csv"


def _fixture_rows() -> dict[str, dict[str, str]]:
    """The fixture's records keyed by llama-bench test name (pp512 / tg128)."""
    out = {}
    for rec in csv.DictReader(io.StringIO(LLAMA_CSV.read_text())):
        name = f"pp{rec['n_prompt']}" if rec["n_prompt"] != "0" else f"tg{rec['n_gen']}"
        out[name] = rec
    return out


def _page(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    return AppTest.from_string(SCRIPT, default_timeout=60).run()


def _upload(at: AppTest, name: str, data: bytes, *, label: str = "") -> AppTest:
    at.file_uploader(key="bench_file").set_value((name, data, "text/plain"))
    if label:
        at.text_input(key="bench_label").set_value(label)
    next(b for b in at.button if b.label == "Import").click()
    return at.run()


def _engine(url: str):
    engine = create_db_engine(url)
    prepare_database(engine)
    return engine


def _table(at: AppTest, column: str) -> pd.DataFrame:
    tables = [d.value for d in at.dataframe if column in d.value.columns]
    assert tables, f"no table with column {column!r}"
    return tables[0]


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_renders_empty(monkeypatch, sqlite_url):
    at = _page(monkeypatch, sqlite_url)
    assert not at.exception
    assert at.title[0].value == "Benchmarks"
    assert any("Up to 20 MB per file" in c.value for c in at.caption)
    assert any("No results stored yet" in c.value for c in at.caption)
    assert at.get("download_button")[0].label == "Download the generic CSV template"


@pytest.mark.skipif(not LLAMA_CSV.exists(), reason=f"shared fixture missing: {LLAMA_CSV}")
def test_llama_bench_upload_shows_and_stores_its_rows(monkeypatch, sqlite_url):
    expected = _fixture_rows()
    at = _page(monkeypatch, sqlite_url)
    _upload(at, LLAMA_CSV.name, LLAMA_CSV.read_bytes(), label="4080 box")
    assert not at.exception
    assert "imported 2 measurement(s) from 2 record(s) as upload 1" in at.success[0].value
    assert "Detected format: **llama_bench_csv**" in [m.value for m in at.markdown]
    assert _metrics(at) == {
        "Imported measurements": "2",
        "Already stored (duplicates)": "0",
        "Rejected records": "0",
    }
    imported = _table(at, "Row").set_index("Metric")
    assert imported.loc["prefill_tok_s", "Value"] == pytest.approx(float(expected["pp512"]["avg_ts"]))
    assert imported.loc["decode_tok_s", "Value"] == pytest.approx(float(expected["tg128"]["avg_ts"]))
    assert set(imported["Hardware"]) == {"rtx_4080"}
    assert set(imported["Format"]) == {"gguf_q4_k_m"}
    browse = _table(at, "Measured at").set_index("Metric")
    assert browse.loc["Decode tok/s", "Measured"] == pytest.approx(119.915244)
    assert browse.loc["Prefill tok/s", "Label"] == "4080 box"
    assert browse.loc["Prefill tok/s", "Model"] == "qwen2.5-7b"
    assert browse.loc["Prefill tok/s", "Conditions"] == "batch 1, 512 in / 0 out"
    stored = list_measurements(_engine(sqlite_url), metric="prefill_tok_s")
    assert [m.value for m in stored] == [pytest.approx(7285.676949)]


@pytest.mark.skipif(not LLAMA_CSV.exists(), reason=f"shared fixture missing: {LLAMA_CSV}")
def test_same_file_twice_is_a_duplicate_not_new_rows(monkeypatch, sqlite_url):
    at = _page(monkeypatch, sqlite_url)
    _upload(at, LLAMA_CSV.name, LLAMA_CSV.read_bytes())
    _upload(at, "copy.csv", LLAMA_CSV.read_bytes())
    assert not at.exception
    assert "already imported" in at.info[0].value
    assert _metrics(at)["Already stored (duplicates)"] == "2"
    assert len(list_measurements(_engine(sqlite_url))) == 2


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("junk.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
        ("latin1.csv", "hardware,model,decode_tok_s\nRTX 4080,café,120\n".encode("latin-1"), "not UTF-8"),
        ("other.csv", b"a,b,c\n1,2,3\n", "neither llama-bench output nor the generic schema"),
        ("truncated.json", b'[{"build_commit": "8cf427ff", "avg_ts": ', "JSON"),
    ],
)
def test_malformed_upload_shows_an_error_and_stores_nothing(monkeypatch, sqlite_url, name, data, expected):
    at = _page(monkeypatch, sqlite_url)
    _upload(at, name, data)
    assert not at.exception
    assert at.error, "no error shown"
    assert f"Nothing stored from {name}" in at.error[0].value
    assert expected in at.error[0].value
    engine = _engine(sqlite_url)
    assert list_uploads(engine).empty and list_measurements(engine) == []


def test_too_large_file_is_refused_before_reading(monkeypatch, sqlite_url):
    monkeypatch.setenv("FORMAT_ADVISOR_MAX_UPLOAD_MB", "0.0005")  # 524 bytes
    engine = _engine(sqlite_url)
    result = bench_page.handle_upload(b"x" * 600, "big.csv", engine=engine)
    assert result.upload_id is None and result.imported == 0
    assert "600 bytes" in result.message and "upload limit" in result.message
    assert list_uploads(engine).empty


def test_database_failure_is_a_message_not_an_exception():
    broken = create_db_engine("sqlite:////nonexistent-dir/x.db")
    result = bench_page.handle_upload(TEMPLATE_CSV.encode(), "t.csv", engine=broken)
    assert result.upload_id is None
    assert result.message.startswith("nothing stored: the database failed")


def test_rejected_rows_are_listed_with_row_column_and_reason(monkeypatch, sqlite_url):
    from measurements.generic_csv import COLUMNS

    cells = {"hardware": "rtx_4090", "model": "meta-llama/Llama-3.1-8B-Instruct", "format": "fp16", "engine": "vllm"}
    cells |= {"gpus": "1", "batch": "1", "decode_tok_s": "fast"}
    bad_row = ",".join(cells.get(c, "") for c in COLUMNS) + "\n"
    at = _page(monkeypatch, sqlite_url)
    _upload(at, "mine.csv", (TEMPLATE_CSV + bad_row).encode())
    assert not at.exception
    assert _metrics(at)["Imported measurements"] == "3"  # template row 2: decode + TTFT; row 3: quality
    assert _metrics(at)["Rejected records"] == "1"
    rejected = _table(at, "Reason")
    assert rejected[["Row", "Column"]].values.tolist() == [[4, "decode_tok_s"]]
    assert "fast" in rejected["Reason"][0]
    downloads = [d.label for d in at.get("download_button")]
    assert "Download the rejected records (CSV)" in downloads
    result = bench_page.handle_upload((TEMPLATE_CSV + bad_row + "\n").encode(), "again.csv", engine=_engine(sqlite_url))
    assert [(r.row, r.column) for r in result.rejected] == [(4, "decode_tok_s")]


@pytest.mark.skipif(not LLAMA_CSV.exists(), reason=f"shared fixture missing: {LLAMA_CSV}")
def test_filters_narrow_the_stored_rows(monkeypatch, sqlite_url):
    at = _page(monkeypatch, sqlite_url)
    _upload(at, LLAMA_CSV.name, LLAMA_CSV.read_bytes())
    _upload(at, "template.csv", TEMPLATE_CSV.encode())
    assert len(_table(at, "Measured at")) == 5
    at.selectbox(key="bench_f_hardware").select("rtx_4080").run()
    assert not at.exception
    browse = _table(at, "Measured at")
    assert sorted(browse["Metric"]) == ["Decode tok/s", "Prefill tok/s"]
    at.selectbox(key="bench_f_engine").select("vllm").run()
    assert _table(at, "Measured at").empty


def _m(value: float, **kw) -> Measurement:
    base = dict(
        hardware_sku="rtx_4080",
        hardware_raw="NVIDIA GeForce RTX 4080",
        model_id="qwen2.5-7b",
        model_raw="Qwen2.5-7B",
        format_id="gguf_q4_k_m",
        format_raw="Q4_K_M",
        engine="llama_cpp",
        batch=1,
        input_len=0,
        output_len=128,
        source="upload 1",
        row=2,
    )
    return Measurement("decode_tok_s", value, **{**base, **kw})


def test_comparison_table_shows_the_comparison_error_per_measurement():
    known, unknown = _m(125.0), _m(50.0, hardware_sku=None, hardware_raw="Mystery GPU", format_id=None, row=3)
    comparisons = [compare(known), compare(unknown)]
    table = bench_page.comparison_table(comparisons)
    assert table["label"][1].startswith("Mystery GPU (not in catalog)")
    assert table["measured"].tolist() == [125.0, 50.0]
    assert table["estimated"][0] == pytest.approx(comparisons[0].predicted)
    assert table["error_pct"][0] == pytest.approx(round(comparisons[0].error_pct, 1))
    assert pd.isna(table["estimated"][1]) and pd.isna(table["error_pct"][1])
    assert "hardware not in the catalog (Mystery GPU)" in table["note"][1]
    assert bench_page.chart_rows(table)[1]["estimated"] is None


@pytest.mark.skipif(not LLAMA_CSV.exists(), reason=f"shared fixture missing: {LLAMA_CSV}")
def test_page_compares_with_the_advisor_estimate(monkeypatch, sqlite_url):
    at = _page(monkeypatch, sqlite_url)
    _upload(at, LLAMA_CSV.name, LLAMA_CSV.read_bytes())
    assert not at.exception
    at.selectbox(key="bench_metric").select("Decode tok/s").run()
    tg = list_measurements(_engine(sqlite_url), metric="decode_tok_s")[0]
    expected = compare(tg)
    compared = _table(at, "Error % (estimated vs measured)")
    assert compared["Measured"].tolist() == [pytest.approx(119.915244)]
    assert compared["Estimated"].tolist() == [pytest.approx(expected.predicted)]
    assert compared["Error % (estimated vs measured)"][0] == pytest.approx(round(expected.error_pct, 1))
    assert any("estimated = the advisor's estimate" in c.value for c in at.caption)
    assert at.get("plotly_chart")


@pytest.mark.skipif(not LLAMA_CSV.exists(), reason=f"shared fixture missing: {LLAMA_CSV}")
def test_stored_rows_are_read_once_per_change_not_per_rerun(monkeypatch, sqlite_url):
    reads = []

    def counting_list_measurements(*args, **kwargs):
        reads.append(kwargs.get("limit"))
        return list_measurements(*args, **kwargs)

    monkeypatch.setattr(bench_page, "list_measurements", counting_list_measurements)
    at = _page(monkeypatch, sqlite_url)
    _upload(at, LLAMA_CSV.name, LLAMA_CSV.read_bytes())
    assert len(_table(at, "Measured at")) == 2
    n = len(reads)
    at.selectbox(key="bench_f_hardware").select("rtx_4080").run()  # filtering reruns the page...
    at.selectbox(key="bench_f_hardware").set_value(None).run()
    assert not at.exception and len(reads) == n  # ...without reading the rows again
    _upload(at, "template.csv", TEMPLATE_CSV.encode())
    assert len(reads) == n + 1 and reads[-1] == bench_page.MAX_BROWSE_ROWS
    assert len(_table(at, "Measured at")) == 5  # the new measurements are shown at once
