"""TensorRT-LLM ``trtllm-bench throughput`` and ``trtllm-bench latency`` reports (the console text).

The report is a run of sections (``= ENGINE DETAILS``, ``= WORLD + RUNTIME INFORMATION``, ``= REQUEST DETAILS``,
``= PERFORMANCE OVERVIEW``, ``= DATASET DETAILS``) of ``Label:  value`` lines; each PERFORMANCE OVERVIEW is one
record (row = its heading line), carrying the details printed before it in the same log.

Figures: "Token Throughput (tokens/sec)" (<= 0.17; output tokens / total latency) and "Total Output Throughput"
-> ``output_tok_s``; "Per User Output Throughput" -> ``output_tok_s`` per sequence; "Per GPU Output Throughput" ->
``output_tok_s`` per GPU; "Total Token Throughput" -> ``total_tok_s``; "Average request latency" and
``[Latency] P50/P90/P95/P99`` -> ``e2e_ms``; TTFT / TPOT averages and percentiles where printed (streaming runs).
Load: ``latency`` runs one request at a time (CONCURRENT, 1); ``throughput`` with ``--concurrency N`` ->
CONCURRENT N; without it every request is queued at once (MAX_LOAD). ``gpus`` = TP x PP. The model is "Model:" /
"Model Name:" / ``--model``; the format is "Quantization:" (else the engine "Dtype:"), the KV cache "KV Cache Dtype:".
"""

from __future__ import annotations

import re
from typing import Any

from advisor.measurement import Load, Measurement, Metric, Scope, Statistic
from measurements.fields import FieldError
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.serving import build, identity, number
from safeio.limits import text_lines

FORMATS = ("trtllm_bench_text",)
DESCRIPTION = "trtllm-bench throughput or latency report (console text)"

_HEADING = re.compile(r"^\s*=\s+([A-Z][A-Z +&]+?)\s*$")
_KV = re.compile(r"^\s*([A-Za-z][^:\[\]]*?(?:\[[A-Z]+\][^:]*?)?)\s*:\s+(\S.*?)\s*$")
_PCT = re.compile(r"^\s*\[(\w+)\]\s*(P\d+|MINIMUM|MAXIMUM|AVERAGE)\s*:\s*([-\d.Ee+]+)")
_VERSION = re.compile(r"TensorRT-LLM version:\s*(\S+)")
_COMMAND = re.compile(r"trtllm-bench\b(?P<args>.*)")
_RUNNING = re.compile(r"Running benchmark for (\S+)")
_SIGNATURE = re.compile(r"^=\s+PERFORMANCE OVERVIEW\s*$", re.M)
_TRT_MARKS = re.compile(r"\[TRT-LLM\]|TensorRT-LLM|^=\s+(?:ENGINE DETAILS|WORLD \+ RUNTIME INFORMATION)\s*$", re.M)

_STATS = {
    "AVERAGE": Statistic.MEAN,
    "P50": Statistic.MEDIAN,
    "P90": Statistic.P90,
    "P95": Statistic.P95,
    "P99": Statistic.P99,
}
_PCT_METRICS = {"latency": Metric.E2E_MS, "ttft": Metric.TTFT_MS, "tpot": Metric.TPOT_MS, "itl": Metric.ITL_MS}


def sniff_text(text: str) -> str | None:
    head = text[:200_000]
    if _SIGNATURE.search(head) and _TRT_MARKS.search(head):
        return "trtllm_bench_text"
    return None


def parse(text: str, source_format: str) -> ParsedFile:
    out = ParsedFile(source_format)
    state: dict[str, Any] = {}
    current: dict[str, Any] | None = None
    section = ""
    for lineno, line in text_lines(text, what="the trtllm-bench report"):
        m = _VERSION.search(line)
        if m:
            state["version_line"] = m.group(1)
        m = _COMMAND.search(line)
        if m and "--" in m.group("args"):
            state["command"] = line.strip()
        m = _RUNNING.search(line)
        if m:
            state["running_model"] = m.group(1)
        if "Preparing to run latency benchmark" in line:
            state["mode"] = "latency"
        elif "Preparing to run throughput benchmark" in line:
            state["mode"] = "throughput"
        m = _HEADING.match(line)
        if m:
            section = m.group(1).strip()
            if section == "PERFORMANCE OVERVIEW":
                current = dict(state)
                out.records.append(RawRecord(lineno, current))
            elif section in ("ENGINE DETAILS", "ENGINE BUILD INFO") and current is not None:
                current = None  # the next run of the same log starts
            continue
        m = _PCT.match(line)
        if m:
            key = f"{m.group(1).lower()} {m.group(2).upper()}"
            (current if current is not None else state)[key] = m.group(3)
            continue
        m = _KV.match(line)
        if m and section:
            key = f"{section.lower()}: {m.group(1).strip().lower()}"
            (current if current is not None else state)[key] = m.group(2)
    if not out.records:
        raise UnreadableFile("the trtllm-bench output has no '= PERFORMANCE OVERVIEW' section")
    return out


def _get(rec: dict[str, Any], *labels: str) -> str:
    """The first of ``labels`` (``label`` or ``section: label``) that the record holds."""
    for label in labels:
        for key, value in rec.items():
            if key == label or key.endswith(": " + label):
                return str(value)
    return ""


def _arg(command: str, name: str) -> str:
    m = re.search(rf"--{name}[= ](\S+)", command)
    return m.group(1) if m else ""


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    rec = record.fields
    perf = "performance overview: "
    total: list[tuple[Metric, Any, Statistic]] = [
        (
            Metric.OUTPUT_TOK_S,
            number(
                rec.get(perf + "total output throughput (tokens/sec)")
                or rec.get(perf + "token throughput (tokens/sec)")
            ),
            Statistic.NONE,
        ),
        (Metric.TOTAL_TOK_S, number(rec.get(perf + "total token throughput (tokens/sec)")), Statistic.NONE),
        (Metric.E2E_MS, number(rec.get(perf + "average request latency (ms)")), Statistic.MEAN),
    ]
    for key, value in rec.items():
        if " " in key and key.split(" ")[0] in _PCT_METRICS and key.split(" ")[1] in _STATS:
            kind, stat = key.split(" ")
            if not (kind == "latency" and stat == "AVERAGE"):  # the average is "Average request latency"
                total.append((_PCT_METRICS[kind], number(value), _STATS[stat]))
    for label, metric in (("ttft", Metric.TTFT_MS), ("tpot", Metric.TPOT_MS)):
        avg = _get(rec, f"average time-to-first-token [{label}] (ms)", f"average time-per-output-token [{label}] (ms)")
        if avg and not any(m is metric and s is Statistic.MEAN for m, _, s in total):
            total.append((metric, number(avg), Statistic.MEAN))
    per_user = [
        (Metric.OUTPUT_TOK_S, number(rec.get(perf + "per user output throughput (tokens/sec/user)")), Statistic.NONE)
    ]
    per_gpu = [
        (Metric.OUTPUT_TOK_S, number(rec.get(perf + "per gpu output throughput (tokens/sec/gpu)")), Statistic.NONE)
    ]
    if all(v is None for _, v, _ in total + per_user + per_gpu):
        raise FieldError("PERFORMANCE OVERVIEW", "no throughput or latency figure in the section")
    command = str(rec.get("command") or "")
    model = _get(rec, "model", "model name") or _arg(command, "model") or str(rec.get("running_model") or "")
    quant = _get(rec, "quantization")
    dtype = _get(rec, "dtype")
    label = quant if quant and quant.lower() not in ("none", "no_quant") else ""
    if not label and dtype:
        label = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32"}.get(dtype.lower(), dtype)
    fields, flags = identity(
        rec,
        ctx,
        engine="tensorrt_llm",
        engine_version=_get(rec, "tensorrt-llm version") or str(rec.get("version_line") or ""),
        models=(model,),
        format_label=label,
        kv_label=_get(rec, "kv cache dtype"),
    )
    tp = number(_get(rec, "tp size")) or 1
    pp = number(_get(rec, "pp size")) or 1
    concurrency = _arg(command, "concurrency")
    mode = str(rec.get("mode") or ("latency" if re.search(r"\blatency\b", command) else "throughput"))
    if mode == "latency":
        load, batch = Load.CONCURRENT, 1
    elif number(concurrency):
        load, batch = Load.CONCURRENT, int(number(concurrency) or 1)
    else:
        load, batch = Load.MAX_LOAD, None
        if not command:
            flags.append("command line not in the log: no --concurrency assumed (every request queued at once)")
    in_len = number(_get(rec, "average input length (tokens)"))
    out_len = number(_get(rec, "average output length (tokens)"))
    extra = {
        k: v
        for k, v in {
            "requests": _get(rec, "number of requests"),
            "max_runtime_batch_size": _get(rec, "max runtime batch size"),
            "achieved_concurrency": _get(rec, "number of concurrent requests"),
            "backend": _get(rec, "backend"),
            "dtype": dtype,
            "command": command,
        }.items()
        if v
    }
    common = {
        "gpus": int(tp * pp),
        "batch": batch,
        "load": load,
        "input_len": round(in_len) if in_len else None,
        "output_len": round(out_len) if out_len else None,
        "row": record.row,
        "notes": f"trtllm-bench {mode}; lengths are the average per request",
    }
    out = build(fields, flags, total, ctx, extra=extra, **common) if any(v for _, v, _ in total) else []
    if any(v for _, v, _ in per_user):
        out += build(fields, flags, per_user, ctx, extra=extra, scope=Scope.PER_SEQ, **common)
    if any(v for _, v, _ in per_gpu):
        out += build(fields, flags, per_gpu, ctx, extra=extra, scope=Scope.PER_GPU, **common)
    return out
