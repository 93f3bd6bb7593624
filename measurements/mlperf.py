"""MLPerf Inference loadgen logs: ``mlperf_log_summary.txt`` and ``mlperf_log_detail.txt`` (``:::MLLOG {json}``
lines). One file is one run (one record).

Figures: "Tokens per second" (Offline) and "Completed tokens per second" (Server, Interactive) -> ``output_tok_s``
(generated tokens over the run, all accelerators of the system); the first-token latencies -> ``ttft_ms`` and "Time
to Output Token" -> ``tpot_ms`` (mean, median = 50.00 percentile, p90, p95, p99); the query latencies -> ``e2e_ms``
(mean, median, p90, p95, p99; ns in the file). A run that reports only samples per second (a non-LLM benchmark)
has no token figure and is refused with that reason. Load: Offline -> MAX_LOAD; Server / Interactive -> RATE at the
scheduled (else target) queries per second; SingleStream -> CONCURRENT 1. ``Result is : INVALID`` is kept and flagged.

Loadgen logs name neither the benchmark model nor the system under test (both are in the submission's directory
names): the model comes from the file name when it names one, the hardware from the user's hint.
"""

from __future__ import annotations

import json
import re
from typing import Any

from advisor.measurement import Load, Measurement, Metric, Statistic
from measurements.fields import FieldError, get_datetime
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.serving import build, identity, number
from safeio.limits import load_json, text_lines

FORMATS = ("mlperf_summary", "mlperf_detail")
DESCRIPTION = "MLPerf Inference mlperf_log_summary.txt or mlperf_log_detail.txt"

_LINE = re.compile(r"^\s*([^:]+?)\s*:\s*(\S.*?)\s*$")
_PCT = re.compile(r"^(\d+\.\d+) percentile (first token latency|time to output token|latency) \(ns\)$")
_NS_MS = 1e-6
_PERCENTILES = {"50.00": Statistic.MEDIAN, "90.00": Statistic.P90, "95.00": Statistic.P95, "99.00": Statistic.P99}
_KIND_METRIC = {"first token latency": Metric.TTFT_MS, "time to output token": Metric.TPOT_MS, "latency": Metric.E2E_MS}


def sniff_text(text: str) -> str | None:
    head = text[:8192]
    if "MLPerf Results Summary" in head:
        return "mlperf_summary"
    if head.lstrip().startswith(":::MLLOG"):
        return "mlperf_detail"
    return None


def parse(text: str, source_format: str) -> ParsedFile:
    fields: dict[str, Any] = {}
    if source_format == "mlperf_summary":
        for _lineno, line in text_lines(text, what="the MLPerf summary"):
            m = _LINE.match(line)
            if m:
                fields.setdefault(m.group(1).strip().lower(), m.group(2))
    else:
        for lineno, line in text_lines(text, what="the MLPerf detail log"):
            if not line.startswith(":::MLLOG"):
                continue
            try:
                entry = load_json(line[len(":::MLLOG") :], what=f"line {lineno} of the MLPerf detail log")  # bounded
            except json.JSONDecodeError as exc:
                raise UnreadableFile(f"line {lineno} of the MLPerf detail log is not valid JSON: {exc.msg}") from exc
            key, value = entry.get("key"), entry.get("value")
            if isinstance(key, str) and not isinstance(value, dict | list):
                fields.setdefault(key, value)
    if not fields:
        raise UnreadableFile("no 'key : value' lines in the MLPerf log")
    out = ParsedFile(source_format)
    out.records.append(RawRecord(1, fields))
    return out


def _summary_values(rec: dict[str, Any]) -> tuple[list[tuple[Metric, Any, Statistic]], dict[str, Any]]:
    tokens = number(rec.get("tokens per second") or rec.get("completed tokens per second"))
    values: list[tuple[Metric, Any, Statistic]] = [(Metric.OUTPUT_TOK_S, tokens, Statistic.NONE)]
    for kind, metric in _KIND_METRIC.items():
        label = "mean latency (ns)" if kind == "latency" else f"mean {kind} (ns)"
        mean = next((v for k, v in rec.items() if k == label.lower()), None)
        values.append((metric, _ms(mean), Statistic.MEAN))
    for key, value in rec.items():
        m = _PCT.match(key)
        if m and m.group(1) in _PERCENTILES:
            values.append((_KIND_METRIC[m.group(2)], _ms(value), _PERCENTILES[m.group(1)]))
    settings = {
        "scenario": rec.get("scenario"),
        "mode": rec.get("mode"),
        "valid": rec.get("result is"),
        "qps": rec.get("scheduled samples per second") or rec.get("target_qps"),
        "samples_per_second": rec.get("samples per second") or rec.get("completed samples per second"),
        "loadgen_version": rec.get("loadgen_version", ""),
    }
    return values, settings


def _detail_values(rec: dict[str, Any]) -> tuple[list[tuple[Metric, Any, Statistic]], dict[str, Any]]:
    tokens = number(rec.get("result_tokens_per_second") or rec.get("result_completed_tokens_per_second"))
    values: list[tuple[Metric, Any, Statistic]] = [
        (Metric.OUTPUT_TOK_S, tokens, Statistic.NONE),
        (Metric.E2E_MS, _ms(rec.get("result_mean_latency_ns")), Statistic.MEAN),
        (Metric.TTFT_MS, _ms(rec.get("result_first_token_mean_latency_ns")), Statistic.MEAN),
        (Metric.TPOT_MS, _ms(rec.get("result_time_to_output_token_mean")), Statistic.MEAN),
    ]
    for pct, stat in (
        ("50.00", Statistic.MEDIAN),
        ("90.00", Statistic.P90),
        ("95.00", Statistic.P95),
        ("99.00", Statistic.P99),
    ):
        values.append((Metric.E2E_MS, _ms(rec.get(f"result_{pct}_percentile_latency_ns")), stat))
        values.append((Metric.TTFT_MS, _ms(rec.get(f"result_first_token_{pct}_percentile_latency_ns")), stat))
        values.append((Metric.TPOT_MS, _ms(rec.get(f"result_time_per_output_token_{pct}_percentile_ns")), stat))
    settings = {
        "scenario": rec.get("effective_scenario") or rec.get("requested_scenario"),
        "mode": rec.get("effective_test_mode"),
        "valid": rec.get("result_validity"),
        "qps": rec.get("result_scheduled_samples_per_sec") or rec.get("effective_target_qps"),
        "samples_per_second": rec.get("result_samples_per_second") or rec.get("result_completed_samples_per_sec"),
        "loadgen_version": str(rec.get("loadgen_version") or ""),
        "test_datetime": rec.get("test_datetime"),
    }
    return values, settings


def _ms(value: Any) -> float | None:
    ns = number(value)
    return ns * _NS_MS if ns is not None else None


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    rec = record.fields
    detail = "effective_scenario" in rec or "requested_scenario" in rec or "result_validity" in rec
    values, settings = (_detail_values if detail else _summary_values)(rec)
    if values[0][1] is None:
        what = f" (it reports {settings['samples_per_second']} samples/s)" if settings.get("samples_per_second") else ""
        raise FieldError(
            "Tokens per second",
            f"no token throughput in this MLPerf log{what}: only LLM benchmarks (llama2-70b, llama3.1, mixtral, "
            "gpt-j, deepseek-r1 ...) can be compared with the advisor's estimates",
        )
    fields, flags = identity(rec, ctx, engine="", models=())
    if str(settings.get("valid") or "").upper() not in ("VALID", ""):
        flags.append(f"MLPerf result is {settings['valid']}: the run did not meet the benchmark's constraints")
    scenario = str(settings.get("scenario") or "")
    if scenario == "Offline":  # one query holds every sample: its "latency" is the whole run, not a request's
        values = [v for v in values if v[0] is not Metric.E2E_MS]
    if scenario == "Offline":
        load, batch, rate = Load.MAX_LOAD, None, None
    elif scenario in ("Server", "Interactive"):
        load, batch, rate = Load.RATE, None, number(settings.get("qps"))
    elif scenario == "SingleStream":
        load, batch, rate = Load.CONCURRENT, 1, None
    else:
        load, batch, rate = Load.MAX_LOAD, None, None
        flags.append(f"MLPerf scenario {scenario!r} not recognized: every query at once assumed")
    flags.append("engine not recorded: the MLPerf loadgen log does not name the inference engine")
    flags.append("accelerator count not in the log: the figure is the whole system's (gpus=1 stored)")
    if not detail:
        flags.append("the benchmark's input/output lengths are fixed by its dataset and not in the log")
    extra = {k: v for k, v in settings.items() if v not in (None, "")}
    try:
        measured_at = get_datetime(settings, "test_datetime")
    except FieldError:
        measured_at = None
    return build(
        fields,
        flags,
        values,
        ctx,
        extra=extra,
        batch=batch,
        load=load,
        request_rate=rate,
        row=record.row,
        measured_at=measured_at,
        notes=f"MLPerf Inference {scenario} ({settings.get('mode') or 'mode not given'}); all accelerators of the system",
    )
