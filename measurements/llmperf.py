"""LLMPerf (``token_benchmark_ray.py``): the ``*_summary.json`` of a run and its ``*_individual_responses.json``.

Summary figures: ``results_mean_output_throughput_token_per_s`` -> ``output_tok_s`` (all requests);
``results_ttft_s_*`` -> ``ttft_ms``; ``results_end_to_end_latency_s_*`` -> ``e2e_ms``;
``results_inter_token_latency_s_*`` -> ``itl_ms`` (LLMPerf divides each request's summed token gaps, the first
token included, by its output tokens: flagged); ``results_request_output_throughput_token_per_s_*`` ->
``output_tok_s`` per sequence. Statistics: mean, quantiles_p50 (median), p90, p95, p99. Load:
``num_concurrent_requests`` -> CONCURRENT. Lengths: ``mean_input_tokens`` / ``mean_output_tokens``.

The individual responses (one object per request) are summarised the same way (mean and median over the
successful requests); they name no model and no concurrency (the model is looked for in the file name).
LLMPerf is a client: engine and hardware are not in the files (the user's hint gives the hardware).
"""

from __future__ import annotations

import statistics
from typing import Any

from advisor.measurement import Load, Measurement, Metric, Scope, Statistic
from measurements.fields import FieldError, get_datetime
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.serving import build, identity, load_of, number
from measurements.tabular import load_json

FORMATS = ("llmperf_summary", "llmperf_responses")
DESCRIPTION = "LLMPerf *_summary.json or *_individual_responses.json"

_FIGURES = (
    ("ttft_s", Metric.TTFT_MS, 1000.0, Scope.TOTAL),
    ("end_to_end_latency_s", Metric.E2E_MS, 1000.0, Scope.TOTAL),
    ("inter_token_latency_s", Metric.ITL_MS, 1000.0, Scope.TOTAL),
    ("request_output_throughput_token_per_s", Metric.OUTPUT_TOK_S, 1.0, Scope.PER_SEQ),
)
_STATS = (
    ("mean", Statistic.MEAN),
    ("quantiles_p50", Statistic.MEDIAN),
    ("quantiles_p90", Statistic.P90),
    ("quantiles_p95", Statistic.P95),
    ("quantiles_p99", Statistic.P99),
)
_ITL_FLAG = "LLMPerf inter-token latency = a request's token gaps, first token included, / its output tokens"


def sniff_json(data: Any) -> str | None:
    if (
        isinstance(data, dict)
        and "results_ttft_s_mean" in data
        or (
            isinstance(data, dict) and "num_concurrent_requests" in data and any(k.startswith("results_") for k in data)
        )
    ):
        return "llmperf_summary"
    if (
        isinstance(data, list)
        and data
        and isinstance(data[0], dict)
        and {"ttft_s", "end_to_end_latency_s"} <= data[0].keys()
    ):
        return "llmperf_responses"
    return None


def parse(text: str, source_format: str) -> ParsedFile:
    data = load_json(text)
    if sniff_json(data) != source_format:
        raise UnreadableFile("expected an LLMPerf summary or individual-responses JSON")
    out = ParsedFile(source_format)
    if source_format == "llmperf_summary":
        out.records.append(RawRecord(1, data))
        return out
    ok = [r for r in data if isinstance(r, dict) and not r.get("error_code") and number(r.get("ttft_s")) is not None]
    if not ok:
        raise UnreadableFile(f"none of the {len(data)} LLMPerf responses succeeded (each has an error_code)")
    summary: dict[str, Any] = {"_responses": len(data), "_errors": len(data) - len(ok)}
    for key, *_ in _FIGURES:
        vals = [number(r.get(key)) for r in ok]
        vals = [v for v in vals if v is not None]
        if vals:
            summary[f"results_{key}_mean"] = statistics.fmean(vals)
            summary[f"results_{key}_quantiles_p50"] = statistics.median(vals)
    for key, target in (("number_input_tokens", "mean_input_tokens"), ("number_output_tokens", "mean_output_tokens")):
        vals = [v for v in (number(r.get(key)) for r in ok) if v is not None]
        if vals:
            summary[target] = statistics.fmean(vals)
    out.records.append(RawRecord(1, {**data[0], **summary}))
    return out


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    rec = record.fields
    total: list[tuple[Metric, Any, Statistic]] = [
        (Metric.OUTPUT_TOK_S, number(rec.get("results_mean_output_throughput_token_per_s")), Statistic.NONE)
    ]
    per_seq: list[tuple[Metric, Any, Statistic]] = []
    for key, metric, scale, scope in _FIGURES:
        for suffix, stat in _STATS:
            value = number(rec.get(f"results_{key}_{suffix}"))
            (per_seq if scope is Scope.PER_SEQ else total).append(
                (metric, value * scale if value is not None else None, stat)
            )
    if all(v is None for _, v, _ in total + per_seq):
        raise FieldError("results_ttft_s_mean", "no LLMPerf result figures in the record")
    fields, flags = identity(rec, ctx, engine="", models=(str(rec.get("model") or ""),))
    flags.append("engine not recorded: LLMPerf is a client and does not name the server's engine")
    flags.append(_ITL_FLAG)
    conc = rec.get("num_concurrent_requests")
    if conc is None:
        load, batch, rate = Load.CONCURRENT, None, None
        flags.append("concurrency not recorded (individual responses): see the run's summary JSON")
    else:
        load, batch, rate = load_of(conc, None, flags)
    in_len, out_len = number(rec.get("mean_input_tokens")), number(rec.get("mean_output_tokens"))
    extra = {
        k: rec[k]
        for k in ("name", "version", "results_num_completed_requests", "results_error_rate", "_responses", "_errors")
        if k in rec
    }
    try:
        measured_at = get_datetime(rec, "timestamp")
    except FieldError:
        measured_at = None
    common = {
        "batch": batch,
        "load": load,
        "request_rate": rate,
        "input_len": round(in_len) if in_len else None,
        "output_len": round(out_len) if out_len else None,
        "row": record.row,
        "measured_at": measured_at,
        "notes": "LLMPerf" + (" (summarised from individual responses)" if "_responses" in rec else ""),
    }
    out = build(fields, flags, total, ctx, extra=extra, **common) if any(v for _, v, _ in total) else []
    if any(v for _, v, _ in per_seq):
        out += build(fields, flags, per_seq, ctx, extra=extra, scope=Scope.PER_SEQ, **common)
    return out
