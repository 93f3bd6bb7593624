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

The 0.16 ``trtllm-bench latency`` report (the layout of the TensorRT-LLM performance tuning guide, "Benchmarking
Default Performance") has no PERFORMANCE OVERVIEW: its figures are in ``= GENERAL OVERVIEW``, ``= THROUGHPUT
OVERVIEW`` and ``= LATENCY OVERVIEW`` (then GENERATION LATENCY BREAKDOWN and ACCEPTANCE BREAKDOWN); GENERAL
OVERVIEW opens the record. What each line measures, from the code that prints exactly this layout (NVIDIA/
TensorRT-LLM ``tensorrt_llm/bench/benchmark/low_latency.py`` ``report_statistics``, with ``BenchmarkStatistics`` /
``StatsKeeper`` of ``tensorrt_llm/bench/benchmark/dataclasses`` and ``utils/general.py``; the version was matched by
the layout, not by a tag; checked 2026-12-06):

- "Total Token Throughput (tokens/sec)" prints ``token_throughput_ns`` = ``total_output_tokens / total_latency_ns``:
  OUTPUT tokens per second of wall time -> ``output_tok_s`` (the guide's sample: 100 x 2048 / 6345.624 s = 32.2742).
  The label is checked against the report's own counts (requests x average lengths / "Total Latency"): where the
  figure is (input + output) / time instead, it is ``total_tok_s``.
- "Generation Token Throughput" = the mean over requests of each request's generated tokens (after the first) /
  its generation time -> ``decode_tok_s`` per sequence (2047 / 63.3083 s = 32.3338 in the sample).
- "Average request latency" -> ``e2e_ms`` mean; "Average time-to-first-token" -> ``ttft_ms`` mean; "Average
  inter-token latency" (mean over requests of each request's mean gap) -> ``itl_ms`` mean.
- GENERATION LATENCY BREAKDOWN (request latency minus TTFT) has no metric of its own: kept in ``extra`` as printed
  (its "P90" line prints the median, ``generation_latency_percentiles.p50``, in that code).
- Load: the latency benchmark runs one request at a time ("enforces a batch size of 1", the guide) -> CONCURRENT 1.

Every figure of that layout is printed with 4 decimals (``:.4f``): a value with fewer, or a missing THROUGHPUT or
LATENCY OVERVIEW, means a cut or edited copy and the record is refused with what was expected.
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
_SIGNATURE = re.compile(r"^=\s+(?:PERFORMANCE|GENERAL) OVERVIEW\s*$", re.M)
#: Sections that open a record: PERFORMANCE OVERVIEW (throughput / latency reports), GENERAL OVERVIEW (0.16 latency).
_RECORD_SECTIONS = ("PERFORMANCE OVERVIEW", "GENERAL OVERVIEW")
SECTIONS_KEY = "_sections"  # record key: the sections that followed the record's opening one, in order
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
            if section in _RECORD_SECTIONS:
                current = dict(state)
                current[SECTIONS_KEY] = [section]
                out.records.append(RawRecord(lineno, current))
            elif section in ("ENGINE DETAILS", "ENGINE BUILD INFO") and current is not None:
                current = None  # the next run of the same log starts
            elif current is not None:
                current[SECTIONS_KEY].append(section)
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
        raise UnreadableFile(
            "the trtllm-bench output has no '= PERFORMANCE OVERVIEW' section (throughput and latency reports) nor "
            "'= GENERAL OVERVIEW' section (0.16 latency report)"
        )
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
    if (rec.get(SECTIONS_KEY) or [""])[0] == "GENERAL OVERVIEW":
        return _normalize_overview(record, ctx)
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
    fields, flags, extra, common = _setting(record, ctx)
    out = build(fields, flags, total, ctx, extra=extra, **common) if any(v for _, v, _ in total) else []
    if any(v for _, v, _ in per_user):
        out += build(fields, flags, per_user, ctx, extra=extra, scope=Scope.PER_SEQ, **common)
    if any(v for _, v, _ in per_gpu):
        out += build(fields, flags, per_gpu, ctx, extra=extra, scope=Scope.PER_GPU, **common)
    return out


def _setting(record: RawRecord, ctx: ImportContext, *, mode: str = "") -> tuple[dict, list[str], dict, dict]:
    """What ran and under which conditions, as the report (and the log around it) states: identity fields, flags,
    the ``extra`` kept as given and the keyword arguments every measurement of the record shares."""
    rec = record.fields
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
    mode = str(rec.get("mode") or mode or ("latency" if re.search(r"\blatency\b", command) else "throughput"))
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
    return fields, flags, extra, common


# -- the 0.16 latency report: GENERAL / THROUGHPUT / LATENCY OVERVIEW ----------------------------------------------
_FOUR_DECIMALS = re.compile(r"\d+\.\d{4}")  # every figure of the layout is printed with ``:.4f``
#: (section, label) -> (metric, statistic, scope) for the figures stored as they are (lowercase, as parsed).
_OVERVIEW_FIGURES: dict[tuple[str, str], tuple[Metric, Statistic, Scope]] = {
    ("general overview", "average request latency (ms)"): (Metric.E2E_MS, Statistic.MEAN, Scope.TOTAL),
    ("latency overview", "average time-to-first-token (ms)"): (Metric.TTFT_MS, Statistic.MEAN, Scope.TOTAL),
    ("latency overview", "average inter-token latency (ms)"): (Metric.ITL_MS, Statistic.MEAN, Scope.TOTAL),
    ("throughput overview", "generation token throughput (tokens/sec)"): (
        Metric.DECODE_TOK_S,
        Statistic.NONE,
        Scope.PER_SEQ,
    ),
}
_TOKEN_THROUGHPUT = ("throughput overview", "total token throughput (tokens/sec)")
#: The lines the figures are checked with (requests x average lengths / total latency).
_COUNTS = {
    "requests": ("general overview", "number of requests"),
    "input": ("general overview", "average input length (tokens)"),
    "output": ("general overview", "average output length (tokens)"),
    "total_ms": ("latency overview", "total latency (ms)"),
}
_REQUIRED_SECTIONS = ("GENERAL OVERVIEW", "THROUGHPUT OVERVIEW", "LATENCY OVERVIEW")
_LAYOUT = (
    "a trtllm-bench 0.16 latency report prints GENERAL OVERVIEW (requests, average lengths, average request "
    "latency), THROUGHPUT OVERVIEW (request, total token and generation token throughput) and LATENCY OVERVIEW "
    "(total latency, average time-to-first-token, average inter-token latency), each figure with 4 decimals"
)
_AGREE = 0.002  # relative tolerance of a figure recomputed from the report's 4-decimal counts


def _overview_figure(rec: dict[str, Any], section: str, label: str, *, whole: bool = False) -> float:
    """A figure of the layout, refused when missing or not printed as trtllm-bench prints it (a cut or edited copy)."""
    column = f"{section.upper()}: {label}"
    value = rec.get(f"{section}: {label}")
    if value is None:
        raise FieldError(column, f"the line is missing: {_LAYOUT}; the copy looks cut or edited")
    text = str(value).strip()
    if not (text.isdigit() if whole else _FOUR_DECIMALS.fullmatch(text)):
        expected = "a whole number" if whole else "a number with 4 decimals such as 32.2742"
        raise FieldError(column, f"expected {expected}, got {text!r}: the copy looks cut or edited ({_LAYOUT})")
    return float(text)


def _normalize_overview(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    rec = record.fields
    sections = list(rec.get(SECTIONS_KEY) or [])
    missing = [s for s in _REQUIRED_SECTIONS if s not in sections]
    if missing:
        after = sections[-1] if sections else "GENERAL OVERVIEW"
        raise FieldError(
            missing[0],
            f"the report stops after '{after}' (no {', '.join(missing)} section): {_LAYOUT}; the copy looks truncated",
        )
    counts = {k: _overview_figure(rec, *key, whole=k == "requests") for k, key in _COUNTS.items()}
    values: dict[tuple[Metric, Statistic, Scope], float] = {
        target: _overview_figure(rec, *key) for key, target in _OVERVIEW_FIGURES.items()
    }
    flags_pre: list[str] = []
    token_tp = _overview_figure(rec, *_TOKEN_THROUGHPUT)
    seconds = counts["total_ms"] / 1000.0
    output_rate = counts["requests"] * counts["output"] / seconds if seconds else 0.0
    total_rate = counts["requests"] * (counts["input"] + counts["output"]) / seconds if seconds else 0.0
    if total_rate and abs(token_tp - total_rate) <= _AGREE * token_tp < abs(token_tp - output_rate):
        token_metric = Metric.TOTAL_TOK_S  # a version that counts prompt tokens under the same label
    else:
        token_metric = Metric.OUTPUT_TOK_S  # token_throughput_ns = total_output_tokens / total_latency_ns
        if not output_rate or abs(token_tp - output_rate) > _AGREE * token_tp:
            flags_pre.append(
                f"'Total Token Throughput' {token_tp:g} is not requests x average output length / total latency "
                f"({output_rate:.4f}): stored as output tok/s, the quantity trtllm-bench 0.16 prints under that label"
            )
    values[(token_metric, Statistic.NONE, Scope.TOTAL)] = token_tp
    version = _get(rec, "tensorrt-llm version") or str(rec.get("version_line") or "")
    mode = "latency" if version.startswith("0.16") else ""  # in 0.16 only ``trtllm-bench latency`` prints it
    if not rec.get("mode") and not mode:
        flags_pre.append("benchmark mode not in the log: GENERAL OVERVIEW layout read as a latency run")
        mode = "latency"
    fields, flags, extra, common = _setting(record, ctx, mode=mode)
    flags[:0] = flags_pre
    extra.update(
        {
            "total_latency_ms": counts["total_ms"],
            "request_throughput_req_s": number(rec.get("throughput overview: request throughput (req/sec)")),
            "acceptance_rate": number(rec.get("latency overview: acceptance rate (speculative)")),
            "generation_latency_ms": {
                k.split(": ", 1)[1].split(" ")[0].upper(): number(v)
                for k, v in rec.items()
                if k.startswith("generation latency breakdown: ")
            },
        }
    )
    extra = {k: v for k, v in extra.items() if v not in (None, {}, "")}
    out: list[Measurement] = []
    for scope in (Scope.TOTAL, Scope.PER_SEQ):
        group = [(m, v, st) for (m, st, sc), v in values.items() if sc is scope]
        out += build(fields, flags, group, ctx, extra=extra, scope=scope, **common)
    return out
