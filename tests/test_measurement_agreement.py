"""The error the Benchmarks page shows for a measurement is the error calibration corrects and the figure the
validation harness scores: one comparison rule (advisor.comparison) behind all three."""

from __future__ import annotations

import math

import pytest

from advisor.calibration import calibrate
from advisor.comparison import compare
from advisor.context import default_context
from bench.validation.harness import evaluate
from measurements.service import import_file, list_measurements
from tests.conftest import REPO, SHARED_FIXTURES
from ui.benchmarks_page import comparison_table

VLLM = REPO / "tests" / "fixtures" / "benchmarks" / "vllm_serve_result_pr18566.json"
LLAMA = SHARED_FIXTURES / "llama-bench" / "rtx4080_b5163.csv"


def test_page_calibration_and_validation_agree_on_real_files(db_engine):
    assert import_file(VLLM.read_bytes(), VLLM.name, hardware_hint="h100_sxm5_80gb", engine=db_engine).imported
    assert import_file(LLAMA.read_bytes(), LLAMA.name, engine=db_engine).imported == 2
    stored = list_measurements(db_engine)
    ctx = default_context()
    comparisons = [compare(m, ctx) for m in stored]
    page = comparison_table(comparisons)
    scored = evaluate(stored, ctx)
    compared = 0
    for c, shown, s in zip(comparisons, page.to_dict("records"), scored, strict=True):
        m = c.measurement
        if c.error_pct is None:
            assert math.isnan(shown["error_pct"]) and s.ape is None and shown["note"]
            continue
        compared += 1
        assert shown["error_pct"] == pytest.approx(round(c.error_pct, 1))
        assert s.ape == pytest.approx(abs(c.error_pct))  # the validation harness scores the same figure
        if c.speed_ratio is None:
            continue
        # a calibration fitted on this one measurement corrects exactly the page's error
        factor = calibrate([c]).lookup(c.phase, m.hardware_sku, m.engine, m.format_id)
        expected = 1 / (1 + c.error_pct / 100) if not m.metric.is_time else 1 + c.error_pct / 100
        assert factor.scale == pytest.approx(expected), m.describe()
    assert compared >= 4  # llama-bench pp and tg, and the vLLM run's throughput and decode latencies


def test_calibrated_estimate_reproduces_a_single_phase_measurement(db_engine):
    """After calibrating on the llama-bench decode row, the same row's estimate equals its measurement."""
    import_file(LLAMA.read_bytes(), LLAMA.name, engine=db_engine)
    tg = list_measurements(db_engine, metric="decode_tok_s")[0]
    c = compare(tg)
    again = compare(tg, calibration=calibrate([c]))
    assert again.predicted == pytest.approx(tg.value, rel=1e-9)
    assert again.basis.startswith("calibrated from 1 measurement")
