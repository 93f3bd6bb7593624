"""Report schema: round trip, and upload validation whose messages name the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from probes.report import (
    MAX_REPORT_BYTES,
    SCHEMA_VERSION,
    Outcome,
    ProbeFormat,
    ProbeReport,
    ProbeReportError,
    load_report,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "probes"
RECORDED = FIXTURES / "zen4_cpu_bench.json"


@pytest.fixture
def recorded() -> dict:
    return json.loads(RECORDED.read_text())


def test_recorded_report_loads(recorded):
    report = load_report(RECORDED.read_text())
    assert report.schema_version == SCHEMA_VERSION == 1
    cpu = report.device("cpu")
    assert cpu is not None and cpu.kind == "cpu"
    assert set(cpu.formats) == set(ProbeFormat)
    assert cpu.formats[ProbeFormat.BF16].verdict == Outcome.MEASURED_NATIVE
    assert cpu.formats[ProbeFormat.FP16].verdict == Outcome.RUNS_NO_SPEEDUP
    assert cpu.formats[ProbeFormat.FP4].verdict == Outcome.NOT_AVAILABLE


def test_round_trip_is_lossless(recorded):
    report = load_report(recorded)
    again = load_report(report.to_json())
    assert again == report
    assert json.loads(again.to_json()) == json.loads(report.to_json())


def test_bytes_and_dict_inputs_agree(recorded):
    assert load_report(RECORDED.read_bytes()) == load_report(recorded)


def test_too_large_is_refused_before_parsing():
    with pytest.raises(ProbeReportError, match="limit is 1,000,000"):
        load_report(b" " * (MAX_REPORT_BYTES + 1))


def test_json_error_names_line_and_column():
    with pytest.raises(ProbeReportError, match=r"line 3, column 5"):
        load_report('{\n  "schema_version": 1,\n    oops\n}')


def test_not_an_object():
    with pytest.raises(ProbeReportError, match="JSON object.*got list"):
        load_report("[1, 2]")


@pytest.mark.parametrize(("version", "hint"), [(None, "missing"), (2, "got 2"), ("1", "got '1'")])
def test_schema_version_checked_first(recorded, version, hint):
    if version is None:
        recorded.pop("schema_version")
    else:
        recorded["schema_version"] = version
    with pytest.raises(ProbeReportError, match="schema_version") as err:
        load_report(recorded)
    assert hint in str(err.value)


def test_bad_verdict_names_the_field(recorded):
    recorded["devices"][0]["formats"]["bf16"]["verdict"] = "fast"
    with pytest.raises(ProbeReportError) as err:
        load_report(recorded)
    message = str(err.value)
    assert "devices[0].formats.bf16.verdict" in message
    assert "'fast'" in message


def test_unknown_format_key_names_the_field(recorded):
    recorded["devices"][0]["formats"]["int3"] = recorded["devices"][0]["formats"]["bf16"]
    with pytest.raises(ProbeReportError, match=r"devices\[0\]\.formats\.int3"):
        load_report(recorded)


def test_unexpected_field_is_refused(recorded):
    recorded["host"]["gpu_count"] = 3
    with pytest.raises(ProbeReportError, match=r"host\.gpu_count: Extra inputs"):
        load_report(recorded)


def test_wrong_type_names_the_field(recorded):
    recorded["host"]["memory_total_bytes"] = "lots"
    with pytest.raises(ProbeReportError, match=r"host\.memory_total_bytes.*'lots'"):
        load_report(recorded)


def test_json_schema_is_exportable():
    schema = ProbeReport.model_json_schema()
    assert schema["properties"]["schema_version"]["const"] == 1
    verdict = schema["$defs"]["Outcome"]["enum"]
    assert verdict == ["measured_native", "runs_no_speedup", "not_available", "not_measured"]
