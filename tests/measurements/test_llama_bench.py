"""llama-bench in every output format: the stored numbers equal the file's numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from advisor.measurement import Load, Metric
from measurements.service import import_file, list_measurements
from tests.measurements.conftest import counts, one

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
    stored = list_measurements(db_engine, upload_id=result.upload_id)
    assert stored == [m for m in result.measurements]  # what the import returned is what was stored
    pp_m = one(stored, metric=Metric.PREFILL_TOK_S)
    tg_m = one(stored, metric=Metric.DECODE_TOK_S)
    assert pp_m.value == pytest.approx(pp, abs=1e-9)
    assert pp_m.stddev == pytest.approx(pp_sd, abs=1e-9)
    assert (pp_m.input_len, pp_m.output_len) == (512, 0)
    assert tg_m.value == pytest.approx(tg, abs=1e-9)
    assert (tg_m.input_len, tg_m.output_len) == (0, 128)
    for m in (pp_m, tg_m):
        assert m.hardware_raw == "NVIDIA GeForce RTX 4080"
        assert m.hardware_sku == "rtx_4080"
        assert m.model_raw == "models/Qwen2.5-7B-Instruct-Q4_K_M.gguf"
        assert m.model_id == "qwen2.5-7b"
        assert m.params_b == pytest.approx(7.615616512)
        assert (m.format_raw, m.format_id) == ("Q4_K - Medium", "gguf_q4_k_m")
        assert (m.engine, m.backend, m.engine_version) == ("llama_cpp", "cuda", "b5163 (8cf427ff)")
        assert m.context_depth == 0 and m.batch == 1 and m.gpus == 1 and m.load is Load.STATIC
        assert m.model_size_gib == pytest.approx(4677120000 / 2**30)
        assert m.flags == ()
        assert m.extra["cpu_info"] == "AMD Ryzen 7 7800X3D 8-Core Processor"
        assert str(m.extra["n_ubatch"]) == "512"
        assert m.source == f"upload {result.upload_id}"
    assert pp_m.measured_at.replace(tzinfo=dt.UTC).isoformat() == when
    assert counts(db_engine) == (1, 2)


def test_json_keeps_per_repetition_samples_in_extra(db_engine, shared_llama):
    result = import_file((shared_llama / "rtx4080_b5163.json").read_bytes(), "r.json", engine=db_engine)
    assert list(result.measurements[0].extra["samples_ts"]) == [6863.1, 7147.55, 7136.37, 7115.79, 7237.21]


def test_old_2023_json_schema(db_engine, fixtures):
    result = import_file((fixtures / "llama_bench_b1275_readme.json").read_bytes(), "old.json", engine=db_engine)
    assert result.imported == 2
    pp, tg = result.measurements
    assert (pp.metric, pp.value) == (Metric.PREFILL_TOK_S, pytest.approx(2410.974041))
    assert (tg.metric, tg.value) == (Metric.DECODE_TOK_S, pytest.approx(130.965708))
    assert pp.hardware_sku == "rtx_3090_ti"
    assert pp.engine_version == "b1275 (3469684)"
    assert pp.extra["cuda"] is True and pp.extra["f16_kv"] is True  # old-schema fields kept as given
    assert pp.context_depth == 0  # no n_depth column in 2023 builds
    # "llama 7B mostly Q4_0": the Llama 2 7B file of that README; Q4_0 has no format entry yet: kept and flagged.
    assert pp.format_raw == "Q4_0"
    assert pp.params_b == pytest.approx(6.738415616)
    if pp.format_id is None:
        assert "format not in catalog: 'Q4_0'" in pp.flags


def test_new_2025_schema_fork_fields_kept_in_extra(db_engine, fixtures):
    result = import_file((fixtures / "llama_bench_new_schema.json").read_bytes(), "new.json", engine=db_engine)
    assert result.imported == 2
    pp = result.measurements[0]
    assert pp.value == pytest.approx(7100.002165)
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
    assert one(result.measurements, metric=Metric.PREFILL_TOK_S).value == pytest.approx(7285.676949)
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


def test_pp_plus_tg_test_is_total_tokens_over_the_run(db_engine, shared_llama):
    """llama-bench -pg 512,128 reports (prompt + generated tokens) / total time: total_tok_s, both lengths kept
    (round 1 kept it in extra.combined_tok_s as neither prefill nor decode)."""
    header, rows = _csv_rows(shared_llama)
    rows[1][header.index("n_prompt")] = "512"  # n_gen stays 128: a -pg 512,128 test
    result = import_file(_write_csv(header, rows), "pg.csv", engine=db_engine)
    pg = result.measurements[1]
    assert (pg.metric, pg.input_len, pg.output_len) == (Metric.TOTAL_TOK_S, 512, 128)
    assert pg.value == pytest.approx(119.915244)
    assert pg.notes == "llama-bench pp512+tg128"


def test_fork_column_and_missing_gpu_info(db_engine, shared_llama):
    header, rows = _csv_rows(shared_llama)
    gpu = header.index("gpu_info")
    header = [h for i, h in enumerate(header) if i != gpu] + ["my_fork_power_w"]
    rows = [[v for i, v in enumerate(r) if i != gpu] + ["285"] for r in rows]
    result = import_file(_write_csv(header, rows), "fork.csv", engine=db_engine)
    m = result.measurements[0]
    assert m.extra["my_fork_power_w"] == "285"
    assert m.hardware_raw == "AMD Ryzen 7 7800X3D 8-Core Processor"  # no gpu_info: the CPU is what it names
    assert m.gpus == 1


def test_hardware_hint_fills_in_for_markdown(db_engine, fixtures):
    data = (fixtures / "llama_bench_depth.md").read_bytes()
    result = import_file(data, "depth.md", hardware_hint="NVIDIA GeForce RTX 4080", engine=db_engine)
    assert result.detected_format == "llama_bench_md"
    got = [(m.metric.value, m.input_len, m.output_len, m.context_depth, m.value, m.stddev) for m in result.measurements]
    assert got == [
        ("prefill_tok_s", 512, 0, 0, 7340.20, 23.45),
        ("decode_tok_s", 0, 128, 0, 120.60, 0.59),
        ("prefill_tok_s", 512, 0, 512, 6425.91, 18.88),
        ("decode_tok_s", 0, 128, 512, 116.71, 0.60),
    ]
    assert {m.hardware_sku for m in result.measurements} == {"rtx_4080"}
    assert {(m.model_id, m.format_id) for m in result.measurements} == {("qwen2.5-7b", "gguf_q4_k_m")}
    assert result.measurements[0].params_b == pytest.approx(7.62)
    assert result.measurements[0].row == 3  # line 3 of the file (header, separator, first data line)


def test_old_markdown_without_hardware_is_flagged_not_dropped(db_engine, fixtures):
    result = import_file((fixtures / "llama_bench_readme_old.md").read_bytes(), "old.md", engine=db_engine)
    assert result.imported == 4
    assert [m.value for m in result.measurements] == [1436.51, 1932.43, 2254.45, 2498.61]
    assert [m.extra["n_batch"] for m in result.measurements] == ["128", "256", "512", "1024"]
    assert {(m.metric, m.input_len) for m in result.measurements} == {(Metric.PREFILL_TOK_S, 1024)}
    assert all(any(f.startswith("hardware not given") for f in m.flags) for m in result.measurements)


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
    assert {m.engine_version for m in result.measurements} == {"b5163 (8cf427ff)"}
    assert "build_commit" not in result.measurements[0].extra


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
