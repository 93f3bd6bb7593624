"""NVIDIA GenAI-Perf and its successor AIPerf: ``profile_export_genai_perf.csv`` / ``profile_export_aiperf.csv``
and the matching ``*.json``. One file is one run (one record, row 1).

The CSV has two sections: per-request metrics (``Metric,avg,min,max,p1,...,p99,std``; GenAI-Perf writes numbers
with thousands separators, ``"1,146.31"``) and run totals (``Metric,Value``). The JSON holds the same figures as
objects (``{"unit": "ms", "avg": ..., "p50": ...}``), at the top level (GenAI-Perf) or under ``records`` (AIPerf),
with the run's ``input_config`` (model names, concurrency or request rate). Where the load is: AIPerf
``input_config.loadgen``; GenAI-Perf 0.0.13+ ``input_config.perf_analyzer.stimulus`` (sections ``endpoint``,
``perf_analyzer``, ``input``...); GenAI-Perf <= 0.0.12 flat ``input_config.concurrency`` / ``request_rate``.

Metric names: "Time to First Token" -> ``ttft_ms``; "Inter Token Latency" -> ``tpot_ms`` (both tools define it
per request as (request latency - TTFT) / (output tokens - 1), vLLM's TPOT); AIPerf's "Inter Chunk Latency" (the gap
between streamed chunks) -> ``itl_ms``; "Request Latency" -> ``e2e_ms``; "Output Token Throughput" -> ``output_tok_s``
(all requests); "Output Token Throughput Per User" -> ``output_tok_s`` with scope ``per_seq``. Statistics: avg ->
mean, p50 -> median, p90, p95, p99 (others kept in ``extra`` only as the stddev of the mean). ``input_len`` /
``output_len`` = the avg of "Input/Output Sequence Length". GenAI-Perf is a client: the file names no engine and no
hardware (the user's hint is used).
"""

from __future__ import annotations

import csv
from typing import Any

from advisor.measurement import Load, Measurement, Metric, Scope, Statistic
from measurements.fields import FieldError, get_datetime
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.serving import build, identity, load_of, number
from measurements.tabular import load_json
from safeio.limits import check_text, csv_rows

FORMATS = ("genai_perf_csv", "genai_perf_json")
DESCRIPTION = "GenAI-Perf / AIPerf profile_export CSV or JSON"

# Normalized metric name (lower case, no unit) -> (metric, scope).
_METRICS: dict[str, tuple[Metric, Scope]] = {
    "time to first token": (Metric.TTFT_MS, Scope.TOTAL),
    "time_to_first_token": (Metric.TTFT_MS, Scope.TOTAL),
    "ttft": (Metric.TTFT_MS, Scope.TOTAL),
    "inter token latency": (Metric.TPOT_MS, Scope.TOTAL),
    "inter_token_latency": (Metric.TPOT_MS, Scope.TOTAL),
    "inter chunk latency": (Metric.ITL_MS, Scope.TOTAL),
    "inter_chunk_latency": (Metric.ITL_MS, Scope.TOTAL),
    "request latency": (Metric.E2E_MS, Scope.TOTAL),
    "request_latency": (Metric.E2E_MS, Scope.TOTAL),
    "output token throughput": (Metric.OUTPUT_TOK_S, Scope.TOTAL),
    "output_token_throughput": (Metric.OUTPUT_TOK_S, Scope.TOTAL),
    "output token throughput per user": (Metric.OUTPUT_TOK_S, Scope.PER_SEQ),
    "output_token_throughput_per_user": (Metric.OUTPUT_TOK_S, Scope.PER_SEQ),
}
_LENGTHS = {
    "input sequence length": "input_len",
    "input_sequence_length": "input_len",
    "output sequence length": "output_len",
    "output_sequence_length": "output_len",
}
_STATS = (
    ("avg", Statistic.MEAN),
    ("p50", Statistic.MEDIAN),
    ("p90", Statistic.P90),
    ("p95", Statistic.P95),
    ("p99", Statistic.P99),
)
_TIME_UNITS_MS = {"ms": 1.0, "s": 1000.0, "sec": 1000.0, "ns": 1e-6, "us": 1e-3}


def _name(label: str) -> tuple[str, str]:
    """``"Time To First Token (ms)"`` -> ``("time to first token", "ms")``."""
    label = label.strip()
    unit = ""
    if label.endswith(")") and "(" in label:
        label, _, unit = label[:-1].rpartition("(")
    return label.strip().lower(), unit.strip().lower()


def sniff_csv(header: list[str], text: str) -> str | None:
    if header and header[0].strip() == "Metric" and ("avg" in header or "Value" in header):
        return "genai_perf_csv"
    return None


def sniff_json(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    records = data.get("records")
    if isinstance(records, dict) and any(isinstance(v, dict) and "unit" in v for v in records.values()):
        return "genai_perf_json"
    if isinstance(data.get("input_config"), dict) and any(
        isinstance(data.get(k), dict) and "avg" in data[k] for k in ("time_to_first_token", "request_latency")
    ):
        return "genai_perf_json"
    return None


def parse(text: str, source_format: str) -> ParsedFile:
    out = ParsedFile(source_format)
    if source_format == "genai_perf_json":
        data = load_json(text)
        if not isinstance(data, dict):
            raise UnreadableFile("expected a GenAI-Perf / AIPerf JSON object")
        stats = data["records"] if isinstance(data.get("records"), dict) else data
        metrics: dict[str, dict[str, Any]] = {}
        for key, value in stats.items():
            if isinstance(value, dict) and ("avg" in value or "value" in value):
                label = str(value.get("header") or key)
                unit = str(value.get("unit") or "")
                metrics[_name(label)[0]] = {**value, "unit": unit}
        run = {"metrics": metrics, "input_config": data.get("input_config"), "start_time": data.get("start_time")}
        out.records.append(RawRecord(1, run))
        out.columns = sorted(metrics)
        return out
    check_text(text, what="the GenAI-Perf CSV")
    metrics = {}
    header: list[str] | None = None
    try:
        rows = [row for _line, row in csv_rows(text)]  # bounded: rows, cells per row (safeio.limits)
    except csv.Error as exc:
        raise UnreadableFile(f"the GenAI-Perf CSV can't be read: {exc}") from exc
    for row in rows:
        if not row or not any(c.strip() for c in row):
            header = None
            continue
        if row[0].strip() == "Metric":
            header = [c.strip() for c in row]
            continue
        if header is None:
            continue
        name, unit = _name(row[0])
        cells = dict(zip(header[1:], row[1:], strict=False))
        if "Value" in cells:
            cells = {"avg": cells["Value"]}
        metrics[name] = {**cells, "unit": unit}
        out.columns.append(row[0])
    if not metrics:
        raise UnreadableFile("the GenAI-Perf CSV has no metric rows under its 'Metric,...' header")
    out.records.append(RawRecord(1, {"metrics": metrics}))
    return out


def _stimulus(config: dict[str, Any]) -> dict[str, Any]:
    """GenAI-Perf 0.0.13+ (``input_config`` grouped by section) keeps the load under
    ``perf_analyzer.stimulus`` (``{"concurrency": 1}`` or ``{"request_rate": ...}``)."""
    pa = config.get("perf_analyzer") if isinstance(config.get("perf_analyzer"), dict) else {}
    stimulus = pa.get("stimulus")
    return stimulus if isinstance(stimulus, dict) else {}


def _first(*sections: dict[str, Any], key: str) -> Any:
    """``key`` from the first section that holds a value for it (AIPerf ``loadgen``, GenAI-Perf ``stimulus``, the
    flat GenAI-Perf <= 0.0.12 ``input_config``)."""
    return next((s[key] for s in sections if s.get(key) is not None), None)


def _metric(metrics: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    """A metric row by its spaced name; the JSON keys use underscores (``request_count``)."""
    return metrics.get(name) or metrics.get(name.replace(" ", "_")) or {}


def _to_ms(value: float | None, unit: str) -> float | None:
    if value is None:
        return None
    return value * _TIME_UNITS_MS.get(unit.replace("seconds", "s"), 1.0)


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    rec = record.fields
    metrics: dict[str, dict[str, Any]] = rec["metrics"]
    config = rec.get("input_config") if isinstance(rec.get("input_config"), dict) else {}
    values: list[tuple[Metric, Any, Statistic]] = []
    scoped: list[tuple[Metric, Any, Statistic]] = []
    for name, cells in metrics.items():
        if name not in _METRICS:
            continue
        metric, scope = _METRICS[name]
        unit = cells.get("unit", "")
        for col, stat in _STATS if metric.is_time or scope is Scope.PER_SEQ else (("avg", Statistic.NONE),):
            value = number(cells.get(col))
            value = _to_ms(value, unit) if metric.is_time else value
            (scoped if scope is Scope.PER_SEQ else values).append((metric, value, stat))
    if all(v is None for _, v, _ in values + scoped):
        raise FieldError("Metric", "no Time to First Token, Inter Token Latency, Request Latency or throughput row")
    endpoint = config.get("endpoint") if isinstance(config.get("endpoint"), dict) else {}
    names = endpoint.get("model_names") or config.get("model") or config.get("model_names") or []
    model = str(names[0] if isinstance(names, list) and names else names or "")
    loadgen = config.get("loadgen") if isinstance(config.get("loadgen"), dict) else {}
    stimulus = _stimulus(config)
    concurrency = _first(loadgen, stimulus, config, key="concurrency")
    rate = _first(loadgen, stimulus, config, key="request_rate")
    service_kind = str(config.get("service_kind") or endpoint.get("service_kind") or "")
    backend = str(config.get("backend") or endpoint.get("backend") or "") if service_kind == "triton" else ""
    fields, flags = identity(rec, ctx, engine=backend, models=(model,))
    if not backend:
        flags.append("engine not recorded: GenAI-Perf / AIPerf is a client and does not name the server's engine")
    if concurrency is None and rate is None:
        load, batch, req_rate = Load.CONCURRENT, None, None
        why = "the JSON's input_config names none" if config else "the CSV has no run settings"
        flags.append(f"load not recorded in this file ({why}): concurrency not given")
    else:
        load, batch, req_rate = load_of(concurrency, rate, flags)
    lengths = {field: number(metrics[name].get("avg")) for name, field in _LENGTHS.items() if name in metrics}
    common = {
        "gpus": 1,
        "batch": batch,
        "load": load,
        "request_rate": req_rate,
        "input_len": round(lengths["input_len"]) if lengths.get("input_len") else None,
        "output_len": round(lengths["output_len"]) if lengths.get("output_len") else None,
        "row": record.row,
        "measured_at": get_datetime(rec, "start_time") if rec.get("start_time") else None,
        "notes": "GenAI-Perf/AIPerf: Inter Token Latency stored as TPOT; lengths are the mean per request",
    }
    extra = {
        "request_count": number(_metric(metrics, "request count").get("avg")),
        "request_throughput": number(_metric(metrics, "request throughput").get("avg")),
        "cli_command": config.get("cli_command"),
    }
    extra = {k: v for k, v in extra.items() if v is not None}
    out = build(fields, flags, values, ctx, extra=extra, **common) if any(v for _, v, _ in values) else []
    if any(v for _, v, _ in scoped):
        out += build(fields, flags, scoped, ctx, extra=extra, scope=Scope.PER_SEQ, **common)
    return out
