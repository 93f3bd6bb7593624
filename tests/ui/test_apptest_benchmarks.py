"""AppTest of the Benchmarks page: the real llama-bench fixture end to end, bad files, rejected rows,
filters, and measured vs estimated with a stand-in predictor."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import ui.benchmarks_page as bench_page
from measurements.generic_csv import TEMPLATE_CSV
from measurements.service import list_results, list_uploads
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
    assert "imported 2 row(s) as upload 1" in at.success[0].value
    assert "Detected format: **llama_bench_csv**" in [m.value for m in at.markdown]
    assert _metrics(at) == {
        "Imported rows": "2",
        "Already stored (duplicates)": "0",
        "Rejected rows": "0",
    }
    imported = _table(at, "row_number").set_index("test")
    assert imported.loc["pp512", "prefill_tok_s"] == pytest.approx(float(expected["pp512"]["avg_ts"]))
    assert imported.loc["tg128", "decode_tok_s"] == pytest.approx(float(expected["tg128"]["avg_ts"]))
    assert set(imported["hardware_sku"]) == {"rtx_4080"}
    assert set(imported["format_id"]) == {"gguf_q4_k_m"}
    browse = _table(at, "measured_at").set_index("test")
    assert browse.loc["tg128", "decode_tok_s"] == pytest.approx(119.915244)
    assert browse.loc["pp512", "label"] == "4080 box"
    assert browse.loc["pp512", "model"] == "qwen2.5-7b"
    stored = list_results(_engine(sqlite_url)).set_index("test")
    assert stored.loc["pp512", "prefill_tok_s"] == pytest.approx(7285.676949)


@pytest.mark.skipif(not LLAMA_CSV.exists(), reason=f"shared fixture missing: {LLAMA_CSV}")
def test_same_file_twice_is_a_duplicate_not_new_rows(monkeypatch, sqlite_url):
    at = _page(monkeypatch, sqlite_url)
    _upload(at, LLAMA_CSV.name, LLAMA_CSV.read_bytes())
    _upload(at, "copy.csv", LLAMA_CSV.read_bytes())
    assert not at.exception
    assert "already imported" in at.info[0].value
    assert _metrics(at)["Already stored (duplicates)"] == "2"
    assert len(list_results(_engine(sqlite_url))) == 2


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
    assert list_uploads(engine).empty and list_results(engine).empty


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
    bad_row = "rtx_4090,meta-llama/Llama-3.1-8B-Instruct,fp16,vllm,,1,1,,,,fast,,,,,,,,\n"
    at = _page(monkeypatch, sqlite_url)
    _upload(at, "mine.csv", (TEMPLATE_CSV + bad_row).encode())
    assert not at.exception
    assert _metrics(at)["Imported rows"] == "2"
    assert _metrics(at)["Rejected rows"] == "1"
    rejected = _table(at, "reason")
    assert rejected[["row", "column"]].values.tolist() == [[4, "decode_tok_s"]]
    assert "fast" in rejected["reason"][0]
    downloads = [d.label for d in at.get("download_button")]
    assert "Download the rejected rows (CSV)" in downloads
    result = bench_page.handle_upload((TEMPLATE_CSV + bad_row + "\n").encode(), "again.csv", engine=_engine(sqlite_url))
    assert [(r.row, r.column) for r in result.rejected] == [(4, "decode_tok_s")]


@pytest.mark.skipif(not LLAMA_CSV.exists(), reason=f"shared fixture missing: {LLAMA_CSV}")
def test_filters_narrow_the_stored_rows(monkeypatch, sqlite_url):
    at = _page(monkeypatch, sqlite_url)
    _upload(at, LLAMA_CSV.name, LLAMA_CSV.read_bytes())
    _upload(at, "template.csv", TEMPLATE_CSV.encode())
    assert len(_table(at, "measured_at")) == 4
    at.selectbox(key="bench_f_hardware").select("rtx_4080").run()
    assert not at.exception
    browse = _table(at, "measured_at")
    assert sorted(browse["test"]) == ["pp512", "tg128"]
    at.selectbox(key="bench_f_engine").select("vllm").run()
    assert _table(at, "measured_at").empty


def _fake_predict(row):
    """A stand-in estimator for the page's wiring (not a performance model)."""
    if row["hardware_sku"] != "rtx_4080":
        raise LookupError(f"no estimate for {row['hardware_sku']}")
    return {"decode_tok_s": 100.0, "prefill_tok_s": None}


def test_comparison_table_computes_error_per_row():
    df = bench_page.display_frame(
        pd.DataFrame(
            [
                {
                    "upload_id": 1,
                    "hardware_sku": "rtx_4080",
                    "hardware_raw": "NVIDIA GeForce RTX 4080",
                    "model_id": "qwen2.5-7b",
                    "model_raw": "Qwen2.5-7B",
                    "format_id": "gguf_q4_k_m",
                    "format_raw": "Q4_K_M",
                    "engine": "llama_cpp",
                    "test": "tg128",
                    "batch": 1,
                    "decode_tok_s": 125.0,
                    "flags": [],
                },
                {
                    "upload_id": 1,
                    "hardware_sku": None,
                    "hardware_raw": "Mystery GPU",
                    "model_id": "qwen2.5-7b",
                    "model_raw": "Qwen2.5-7B",
                    "format_id": None,
                    "format_raw": "weird",
                    "engine": "",
                    "test": "tg128",
                    "batch": 1,
                    "decode_tok_s": 50.0,
                    "flags": ["hardware not in catalog"],
                },
            ]
        )
    )
    table = bench_page.comparison_table(df, _fake_predict, "decode_tok_s")
    assert table["hardware"].tolist() == ["rtx_4080", "Mystery GPU (not in catalog)"]
    assert table["measured_decode_tok_s"].tolist() == [125.0, 50.0]
    assert table["predicted_decode_tok_s"][0] == 100.0
    assert table["error_pct"][0] == -20.0
    assert pd.isna(table["predicted_decode_tok_s"][1]) and pd.isna(table["error_pct"][1])
    assert "no estimate for" in table["note"][1]  # the predictor's LookupError, as the reason
    assert bench_page.chart_rows(table)[1]["predicted_decode_tok_s"] is None
    assert bench_page.comparison_table(df, _fake_predict, "prefill_tok_s").empty


@pytest.mark.skipif(not LLAMA_CSV.exists(), reason=f"shared fixture missing: {LLAMA_CSV}")
def test_measured_vs_estimated_section_labels_and_charts(monkeypatch, sqlite_url):
    monkeypatch.setattr(bench_page, "default_predictor", lambda: _fake_predict)
    at = _page(monkeypatch, sqlite_url)
    _upload(at, LLAMA_CSV.name, LLAMA_CSV.read_bytes())
    assert not at.exception
    compared = _table(at, "error_pct")
    assert compared["measured_decode_tok_s"].tolist() == [pytest.approx(119.915244)]
    assert compared["error_pct"].tolist() == [pytest.approx(-16.6)]  # (100 - 119.915) / 119.915
    assert any("median absolute error 16.6 %" in c.value for c in at.caption)
    assert at.get("plotly_chart"), "no measured-vs-estimated chart"


def test_without_an_estimator_the_page_says_so(monkeypatch, sqlite_url):
    monkeypatch.setattr(bench_page, "default_predictor", lambda: None)
    at = _page(monkeypatch, sqlite_url)
    _upload(at, "template.csv", TEMPLATE_CSV.encode())
    assert not at.exception
    assert any("No estimates to compare with" in i.value for i in at.info)


@pytest.mark.skipif(not LLAMA_CSV.exists(), reason=f"shared fixture missing: {LLAMA_CSV}")
def test_page_compares_with_the_advisor_estimate(monkeypatch, sqlite_url):
    from measurements.compare import default_predictor

    predict = default_predictor()
    if predict is None:
        pytest.skip("the advisor's estimator can't be imported")
    at = _page(monkeypatch, sqlite_url)
    _upload(at, LLAMA_CSV.name, LLAMA_CSV.read_bytes())
    assert not at.exception
    row = next(r for r in list_results(_engine(sqlite_url)).to_dict("records") if r["test"] == "tg128")
    expected = predict(row)["decode_tok_s"]
    compared = _table(at, "error_pct")
    assert compared["measured_decode_tok_s"].tolist() == [pytest.approx(119.915244)]
    assert compared["predicted_decode_tok_s"].tolist() == [pytest.approx(expected)]
    assert compared["error_pct"][0] == pytest.approx(round((expected - 119.915244) / 119.915244 * 100, 1))
    assert any("estimated = the advisor's estimate" in c.value for c in at.caption)
    assert at.get("plotly_chart")


@pytest.mark.skipif(not LLAMA_CSV.exists(), reason=f"shared fixture missing: {LLAMA_CSV}")
def test_stored_rows_are_read_once_per_change_not_per_rerun(monkeypatch, sqlite_url):
    reads = []

    def counting_list_results(*args, **kwargs):
        reads.append(kwargs.get("limit"))
        return list_results(*args, **kwargs)

    monkeypatch.setattr(bench_page, "list_results", counting_list_results)
    at = _page(monkeypatch, sqlite_url)
    _upload(at, LLAMA_CSV.name, LLAMA_CSV.read_bytes())
    assert len(_table(at, "measured_at")) == 2
    n = len(reads)
    at.selectbox(key="bench_f_hardware").select("rtx_4080").run()  # filtering reruns the page...
    at.selectbox(key="bench_f_hardware").set_value(None).run()
    assert not at.exception and len(reads) == n  # ...without reading the rows again
    _upload(at, "template.csv", TEMPLATE_CSV.encode())
    assert len(reads) == n + 1 and reads[-1] == bench_page.MAX_BROWSE_ROWS
    assert len(_table(at, "measured_at")) == 4  # the new rows are shown at once
