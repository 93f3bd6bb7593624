"""GuideLLM: the schema-1 report of the GuideLLM repository's own tests (one synchronous benchmark of a sweep, run
2025-06-05 against an anonymised "example_model"), as benchmarks.json and as benchmarks.yaml (the YAML copy lacks
the per-request lists and the errored/incomplete totals; the figures are the same). Expected values read from the
files (tests/fixtures/imports/SOURCES.md)."""

from __future__ import annotations

import pytest

from advisor.measurement import Load, Metric, Statistic
from measurements.detect import detect_format
from measurements.service import import_file
from tests.measurements.conftest import counts, one
from tests.measurements.import_tools_helpers import imp, text_of

STEM = "guidellm_repo_0.2_sweep_stripped_benchmarks"


@pytest.mark.parametrize(("ext", "fmt"), [("json", "guidellm_json"), ("yaml", "guidellm_yaml")])
def test_schema1_synchronous_benchmark(db_engine, ext, fmt):
    assert detect_format(text_of("guidellm", f"{STEM}.{ext}"), "upload.bin") == fmt  # from content, not name
    result = imp(db_engine, "guidellm", f"{STEM}.{ext}", "h100_sxm5_80gb")
    assert result.detected_format == fmt and result.rejected == []
    ms = result.measurements
    out = one(ms, metric=Metric.OUTPUT_TOK_S)
    assert out.value == pytest.approx(198.13346751788123)  # output_tokens_per_second.successful.mean
    assert (out.load, out.batch, out.request_rate) == (Load.CONCURRENT, 1, None)  # strategy type_ synchronous
    assert (out.input_len, out.output_len) == (257, 128)  # prompt_token_count 257.11, output_token_count 128.0
    assert out.model_raw == "example_model" and out.model_id is None  # worker.backend_model, anonymised
    assert out.engine == "" and any("GuideLLM is a client" in f for f in out.flags)
    assert (out.hardware_sku, out.format_id) == ("h100_sxm5_80gb", None)  # hardware from the hint only
    assert out.measured_at.isoformat().startswith("2025-06-05T20:59:28")  # run_stats.start_time 1749157168.05
    assert one(ms, metric=Metric.TOTAL_TOK_S).value == pytest.approx(992.6867036588937)
    assert one(ms, metric=Metric.TTFT_MS, statistic=Statistic.MEDIAN).value == pytest.approx(16.38054847717285)
    assert one(ms, metric=Metric.ITL_MS, statistic=Statistic.P99).value == pytest.approx(5.258346167136365)
    e2e = one(ms, metric=Metric.E2E_MS, statistic=Statistic.MEAN)
    assert e2e.value == pytest.approx(644.4743664368339)  # request_latency 0.644 s


def test_yaml_and_json_give_the_same_figures(db_engine):
    def figures(ext):
        ms = imp(db_engine, "guidellm", f"{STEM}.{ext}").measurements
        return sorted((m.metric.value, m.statistic.value, m.value) for m in ms)

    assert figures("yaml") == figures("json")


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda t: t.replace("  metrics:\n", "  metrics: &m\n", 1), "anchors or aliases"),
        (
            lambda t: t.replace("    requests_per_second:\n", "    requests_per_second: [\n", 1),
            "does not parse at line",
        ),
    ],
)
def test_broken_yaml_is_refused_with_a_reason_and_nothing_stored(db_engine, edit, reason):
    text = edit(text_of("guidellm", f"{STEM}.yaml"))
    result = import_file(text.encode(), "benchmarks.yaml", engine=db_engine)
    assert result.imported == 0 and reason in result.message
    assert counts(db_engine) == (0, 0)
