"""llama-bench in every output format: the stored numbers equal the file's numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from measurements.service import import_file, list_results
from tests.measurements.conftest import counts

# (file, pp512 avg_ts, pp512 stddev_ts, tg128 avg_ts, pp512 test_time): values read from the fixture files.
SHARED = [
    ("rtx4080_b5163.csv", "llama_bench_csv", 7285.676949, 100.064434, 119.915244, "2025-04-24T11:57:09+00:00"),
    ("rtx4080_b5163.json", "llama_bench_json", 7100.002165, 140.341520, 118.881588, "2025-04-24T11:58:50+00:00"),
    ("rtx4080_b5163.jsonl", "llama_bench_jsonl", 7263.609157, 90.940578, 119.844681, "2025-04-24T11:59:33+00:00"),
    ("rtx4080_b5163.sql", "llama_bench_sql", 7324.546977, 54.032613, 120.346696, "2025-04-24T12:00:08+00:00"),
]


@pytest.mark.parametrize(("name", "fmt", "pp", "pp_sd", "tg", "when"), SHARED)
def test_shared_fixture_imports_with_the_files_numbers(db_engine, shared_llama, name, fmt, pp, pp_sd, tg, when):
    result = import_file((shared_llama / name).read_bytes(), name, engine=db_engine)
    assert result.detected_format == fmt
    assert (result.imported, result.duplicates, result.rejected) == (2, 0, [])
    df = list_results(db_engine, upload_id=result.upload_id)
    pp_row = df[df["test"] == "pp512"].iloc[0]
    tg_row = df[df["test"] == "tg128"].iloc[0]
    assert pp_row["prefill_tok_s"] == pytest.approx(pp, abs=1e-9)
    assert pp_row["stddev_tok_s"] == pytest.approx(pp_sd, abs=1e-9)
    assert pp_row["input_len"] == 512 and pd_none(pp_row["output_len"]) and pd_none(pp_row["decode_tok_s"])
    assert tg_row["decode_tok_s"] == pytest.approx(tg, abs=1e-9)
    assert tg_row["output_len"] == 128 and pd_none(tg_row["prefill_tok_s"])
    for row in (pp_row, tg_row):
        assert row["hardware_raw"] == "NVIDIA GeForce RTX 4080"
        assert row["hardware_sku"] == "rtx_4080"
        assert row["model_raw"] == "models/Qwen2.5-7B-Instruct-Q4_K_M.gguf"
        assert row["model_id"] == "qwen2.5-7b"
        assert row["params_b"] == pytest.approx(7.615616512)
        assert (row["format_raw"], row["format_id"]) == ("Q4_K - Medium", "gguf_q4_k_m")
        assert (row["engine"], row["engine_version"]) == ("llama_cpp", "b5163 (8cf427ff)")
        assert row["context_depth"] == 0 and row["batch"] == 1 and row["gpus"] == 1
        assert row["flags"] == []
        assert row["extra"]["cpu_info"] == "AMD Ryzen 7 7800X3D 8-Core Processor"
        assert str(row["extra"]["n_ubatch"]) == "512"
    assert pp_row["measured_at"].replace(tzinfo=dt.UTC).isoformat() == when
    assert counts(db_engine) == (1, 2)


def pd_none(value) -> bool:
    return value is None or value != value


def test_json_keeps_per_repetition_samples_in_extra(db_engine, shared_llama):
    result = import_file((shared_llama / "rtx4080_b5163.json").read_bytes(), "r.json", engine=db_engine)
    assert result.rows[0].extra["samples_ts"] == [6863.1, 7147.55, 7136.37, 7115.79, 7237.21]


def test_old_2023_json_schema(db_engine, fixtures):
    result = import_file((fixtures / "llama_bench_b1275_readme.json").read_bytes(), "old.json", engine=db_engine)
    assert result.imported == 2
    pp, tg = result.rows
    assert pp.prefill_tok_s == pytest.approx(2410.974041) and tg.decode_tok_s == pytest.approx(130.965708)
    assert pp.hardware_sku == "rtx_3090_ti"
    assert pp.engine_version == "b1275 (3469684)"
    assert pp.extra["cuda"] is True and pp.extra["f16_kv"] is True  # old-schema fields kept as given
    assert pp.context_depth == 0  # no n_depth column in 2023 builds
    # Q4_0 is not a catalog format and a LLaMA-1/2 7B is not a catalog model: kept as given and flagged.
    assert (pp.format_raw, pp.format_id) == ("Q4_0", None)
    assert "format not in catalog: 'Q4_0'" in pp.flags
    assert pp.model_id is None and pp.params_b == pytest.approx(6.738415616)
    assert any(f.startswith("model not in catalog") for f in pp.flags)


def test_new_2025_schema_fork_fields_kept_in_extra(db_engine, fixtures):
    result = import_file((fixtures / "llama_bench_new_schema.json").read_bytes(), "new.json", engine=db_engine)
    assert result.imported == 2
    pp = result.rows[0]
    assert pp.prefill_tok_s == pytest.approx(7100.002165)
    assert pp.extra["n_cpu_moe"] == 0 and pp.extra["devices"] == "auto" and pp.extra["repack"] is True
    assert pp.hardware_sku == "rtx_4080"  # n_gpu_layers = -1 (all layers) still means the GPU


def test_upstream_csv_with_wrong_column_counts_is_rejected_row_by_row(db_engine, fixtures):
    for name, n_header, n_values in (("llama_bench_b1275_readme.csv", 26, 27), ("llama_bench_new_schema.csv", 42, 41)):
        result = import_file((fixtures / name).read_bytes(), name, engine=db_engine)
        assert result.imported == 0 and result.upload_id is None
        assert [(r.row, r.column) for r in result.rejected] == [(2, ""), (3, "")]
        assert result.rejected[0].reason == f"expected {n_header} columns (as in the header), found {n_values}"
        assert result.message == "nothing imported: all 2 record(s) were rejected"
    assert counts(db_engine) == (0, 0)


def test_sql_with_wrong_value_counts_is_rejected(db_engine, fixtures):
    result = import_file((fixtures / "llama_bench_b1275_readme.sql").read_bytes(), "old.sql", engine=db_engine)
    assert result.detected_format == "llama_bench_sql"
    assert [r.to_dict() for r in result.rejected] == [
        {"row": 1, "column": "", "reason": "expected 26 values (as in the column list), found 27"},
        {"row": 2, "column": "", "reason": "expected 26 values (as in the column list), found 27"},
    ]
    assert counts(db_engine) == (0, 0)


def _csv_rows(shared_llama) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO((shared_llama / "rtx4080_b5163.csv").read_text())))
    return rows[0], rows[1:]


def _write_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def test_one_bad_row_is_rejected_and_the_good_row_stored(db_engine, shared_llama):
    header, rows = _csv_rows(shared_llama)
    rows[1] = rows[1][:-1]  # tg128 row loses its last cell
    result = import_file(_write_csv(header, rows), "partial.csv", engine=db_engine)
    assert result.imported == 1 and [(r.row, r.reason) for r in result.rejected] == [
        (3, "expected 33 columns (as in the header), found 32")
    ]
    assert result.rows[0].prefill_tok_s == pytest.approx(7285.676949)
    assert counts(db_engine) == (1, 1)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("avg_ts", "-119.9", "negative value -119.9 (a rate, count or length can't be negative)"),
        ("avg_ts", "fast", "expected a number, got 'fast'"),
        ("avg_ts", "", "required value is missing"),
        ("n_gen", "12.5", "expected a whole number, got '12.5'"),
        ("test_time", "yesterday", "expected a date and time such as 2025-04-24T11:57:09Z, got 'yesterday'"),
    ],
)
def test_bad_values_name_row_column_and_reason(db_engine, shared_llama, column, value, reason):
    header, rows = _csv_rows(shared_llama)
    rows[1][header.index(column)] = value
    result = import_file(_write_csv(header, rows), "bad.csv", engine=db_engine)
    assert [r.to_dict() for r in result.rejected] == [{"row": 3, "column": column, "reason": reason}]
    assert result.imported == 1


def test_pp_plus_tg_test_keeps_both_lengths(db_engine, shared_llama):
    header, rows = _csv_rows(shared_llama)
    rows[1][header.index("n_prompt")] = "512"  # n_gen stays 128: a -pg 512,128 test
    result = import_file(_write_csv(header, rows), "pg.csv", engine=db_engine)
    pg = result.rows[1]
    assert (pg.test, pg.input_len, pg.output_len) == ("pp512+tg128", 512, 128)
    assert pg.prefill_tok_s is None and pg.decode_tok_s is None
    assert pg.extra["combined_tok_s"] == pytest.approx(119.915244)
    assert any("pp+tg" in f for f in pg.flags)


def test_fork_column_and_missing_gpu_info(db_engine, shared_llama):
    header, rows = _csv_rows(shared_llama)
    gpu = header.index("gpu_info")
    header = [h for i, h in enumerate(header) if i != gpu] + ["my_fork_power_w"]
    rows = [[v for i, v in enumerate(r) if i != gpu] + ["285"] for r in rows]
    result = import_file(_write_csv(header, rows), "fork.csv", engine=db_engine)
    row = result.rows[0]
    assert row.extra["my_fork_power_w"] == "285"
    assert row.hardware_raw == "AMD Ryzen 7 7800X3D 8-Core Processor"  # no gpu_info: the CPU is what it names
    assert row.gpus is None


def test_hardware_hint_fills_in_for_markdown(db_engine, fixtures):
    data = (fixtures / "llama_bench_depth.md").read_bytes()
    result = import_file(data, "depth.md", hardware_hint="NVIDIA GeForce RTX 4080", engine=db_engine)
    assert result.detected_format == "llama_bench_md"
    got = [(r.test, r.context_depth, r.prefill_tok_s, r.decode_tok_s, r.stddev_tok_s) for r in result.rows]
    assert got == [
        ("pp512", 0, 7340.20, None, 23.45),
        ("tg128", 0, None, 120.60, 0.59),
        ("pp512", 512, 6425.91, None, 18.88),
        ("tg128", 512, None, 116.71, 0.60),
    ]
    assert {r.hardware_sku for r in result.rows} == {"rtx_4080"}
    assert {(r.model_id, r.format_id) for r in result.rows} == {("qwen2.5-7b", "gguf_q4_k_m")}
    assert result.rows[0].params_b == pytest.approx(7.62)
    assert result.rows[0].row_number == 3  # line 3 of the file (header, separator, first data line)


def test_old_markdown_without_hardware_is_flagged_not_dropped(db_engine, fixtures):
    result = import_file((fixtures / "llama_bench_readme_old.md").read_bytes(), "old.md", engine=db_engine)
    assert result.imported == 4
    assert [r.prefill_tok_s for r in result.rows] == [1436.51, 1932.43, 2254.45, 2498.61]
    assert [r.extra["n_batch"] for r in result.rows] == ["128", "256", "512", "1024"]
    assert {r.test for r in result.rows} == {"pp1024"}
    assert all("hardware not given (pass --hardware / hardware_hint)" in r.flags for r in result.rows)


def test_jsonl_bad_line_rejected_others_kept(db_engine, shared_llama):
    lines = (shared_llama / "rtx4080_b5163.jsonl").read_text().splitlines()
    data = (lines[0] + "\n" + lines[1][: len(lines[1]) // 2] + "\n").encode()
    result = import_file(data, "cut.jsonl", engine=db_engine)
    assert result.imported == 1 and result.rejected[0].row == 2
    assert result.rejected[0].reason.startswith("not valid JSON")


def test_json_record_that_is_not_an_object(db_engine, shared_llama):
    data = json.loads((shared_llama / "rtx4080_b5163.json").read_text())
    result = import_file(json.dumps([data[0], 42]).encode(), "mixed.json", engine=db_engine)
    assert result.imported == 1
    assert result.rejected[0].to_dict() == {"row": 2, "column": "", "reason": "expected a JSON object, found int"}


def test_markdown_build_footer_gives_the_engine_version(db_engine, fixtures):
    # llama-bench's markdown printer ends with print_footer(): "\nbuild: %s (%d)\n" (commit, build number).
    data = (fixtures / "llama_bench_depth.md").read_bytes() + b"\nbuild: 8cf427ff (5163)\n"
    result = import_file(data, "depth.md", engine=db_engine)
    assert result.imported == 4
    assert {r.engine_version for r in result.rows} == {"b5163 (8cf427ff)"}
    assert "build_commit" not in result.rows[0].extra


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("gpu_info", ["RTX 4080"], "expected text, got a JSON list"),
        ("build_commit", {"sha": "8cf427ff"}, "expected text, got a JSON object"),
        ("model_n_params", [1], "expected a number, got '[1]'"),
        ("test_time", 1e308, "Unix time '1e+308' is out of range"),
    ],
)
def test_json_structures_in_scalar_fields_are_rejected_by_name(db_engine, shared_llama, column, value, reason):
    data = json.loads((shared_llama / "rtx4080_b5163.json").read_text())
    data[1][column] = value
    result = import_file(json.dumps(data).encode(), "odd.json", engine=db_engine)
    assert result.imported == 1
    assert [r.to_dict() for r in result.rejected] == [{"row": 2, "column": column, "reason": reason}]
