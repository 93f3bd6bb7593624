"""optimum-benchmark: the benchmark.json, benchmark_report.json and benchmark_config.json committed with
huggingface/optimum-benchmark PR 287 (py-txi / TEI, BAAI/bge-base-en-v1.5, batch 64 x 128 tokens). Expected values
read from the files (tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

import pytest

from advisor.measurement import Load, Metric
from tests.measurements.conftest import counts, one
from tests.measurements.import_tools_helpers import imp


def test_benchmark_json_forward_run(db_engine):
    result = imp(db_engine, "optimum_benchmark", "pytxi_bge_t4_pr287_benchmark.json", "t4")
    assert result.detected_format == "optimum_benchmark_json"
    m = one(result.measurements, metric=Metric.PREFILL_TOK_S)
    assert m.value == pytest.approx(5.648934083819028 * 128)  # forward samples/s x sequence_length
    assert any(f.startswith("prefill tok/s = forward 5.64893 samples/s") for f in m.flags)
    assert (m.load, m.batch, m.input_len) == (Load.STATIC, 64, 128)
    # the backend ran on device "cpu": the environment's CPU is the hardware (the file names it: the hint is not used)
    assert m.hardware_raw == "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz" and m.hardware_sku is None
    assert any("hardware hint 't4' was not used" in f for f in m.flags)
    assert (m.model_raw, m.engine, m.engine_version) == ("BAAI/bge-base-en-v1.5", "tei", "0.10.0")


def test_report_alone_and_config_are_refused_with_reasons(db_engine):
    report = imp(db_engine, "optimum_benchmark", "pytxi_bge_t4_pr287_benchmark_report.json")
    assert report.imported == 0 and "needs the sequence length from the config" in report.rejected[0].reason
    config = imp(db_engine, "optimum_benchmark", "pytxi_bge_t4_pr287_benchmark_config.json")
    assert config.imported == 0 and "benchmark_config.json: it holds the settings but no results" in config.message
    assert counts(db_engine) == (0, 0)
