"""vLLM offline benchmarks: the ``--output-json`` of ``vllm bench latency`` / ``benchmarks/benchmark_latency.py``
and of ``vllm bench throughput`` / ``benchmarks/benchmark_throughput.py`` (the vLLM nightly and CI suites keep one
such file per test, ``latency_<model>_tp<N>.json``, ``throughput_<model>_tp<N>.json``).

Latency: ``avg_latency`` (s, one batch generating ``output_len`` tokens) -> ``e2e_ms`` mean; ``percentiles``
50/90/99 -> median/p90/p99. STATIC load; the batch size and lengths are arguments the file does not keep (newer
versions keep them under ``args``; else flagged). Throughput: ``tokens_per_second`` ((prompt + output) tokens /
elapsed time) -> ``total_tok_s``; ``output_tokens_per_second`` (newer) -> ``output_tok_s``; every request queued at
once (MAX_LOAD); lengths from ``input_len`` / ``output_len`` when the file keeps them. Neither file names the model or
the hardware: the model comes from the file name when it names one, the hardware from the user's hint.
"""

from __future__ import annotations

from typing import Any

from advisor.measurement import Load, Measurement, Metric, Statistic
from measurements.fields import FieldError
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.serving import build, identity, number
from measurements.tabular import load_json

FORMATS = ("vllm_latency_json", "vllm_throughput_json")
DESCRIPTION = "vLLM bench latency / bench throughput --output-json"

_PCTS = (("50", Statistic.MEDIAN), ("90", Statistic.P90), ("95", Statistic.P95), ("99", Statistic.P99))


def sniff_json(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    if "avg_latency" in data and ("latencies" in data or "percentiles" in data):
        return "vllm_latency_json"
    if {"elapsed_time", "num_requests", "tokens_per_second"} <= data.keys():
        return "vllm_throughput_json"
    return None


def parse(text: str, source_format: str) -> ParsedFile:
    data = load_json(text)
    if sniff_json(data) != source_format:
        raise UnreadableFile("expected a vLLM bench latency or throughput result JSON")
    out = ParsedFile(source_format)
    out.records.append(RawRecord(1, data))
    return out


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    rec = record.fields
    args = rec.get("args") if isinstance(rec.get("args"), dict) else {}
    latency = "avg_latency" in rec
    if latency:
        pct = rec.get("percentiles") if isinstance(rec.get("percentiles"), dict) else {}
        avg = number(rec.get("avg_latency"))
        values = [(Metric.E2E_MS, avg * 1000 if avg is not None else None, Statistic.MEAN)]
        values += [(Metric.E2E_MS, v * 1000 if (v := number(pct.get(k))) is not None else None, s) for k, s in _PCTS]
    else:
        values = [
            (Metric.TOTAL_TOK_S, number(rec.get("tokens_per_second")), Statistic.NONE),
            (Metric.OUTPUT_TOK_S, number(rec.get("output_tokens_per_second")), Statistic.NONE),
        ]
    if all(v is None for _, v, _ in values):
        raise FieldError("avg_latency" if latency else "tokens_per_second", "required value is missing")
    model = str(args.get("model") or rec.get("model") or "")
    fields, flags = identity(
        rec,
        ctx,
        engine="vllm",
        engine_version=str(rec.get("vllm_version") or ""),
        models=(model,),
        format_label=str(args.get("quantization") or ""),
        kv_label=str(args.get("kv_cache_dtype") or ""),
    )
    tp = number(args.get("tensor_parallel_size")) or 1
    in_len = number(args.get("input_len", rec.get("input")))
    out_len = number(args.get("output_len", rec.get("output", rec.get("ouput"))))  # sic: some scripts write "ouput"
    if latency:
        batch = number(args.get("batch_size"))
        if batch is None:
            flags.append(
                "batch size, input and output lengths not in the file (the run's --batch-size, --input-len, --output-len)"
            )
        load = Load.STATIC
    else:
        batch = None
        load = Load.MAX_LOAD
        if in_len is None:
            flags.append("input/output lengths not in the file: total_num_tokens / num_requests is their sum")
    extra = {k: rec[k] for k in ("num_requests", "total_num_tokens", "requests_per_second", "elapsed_time") if k in rec}
    return build(
        fields,
        flags,
        values,
        ctx,
        extra=extra,
        gpus=int(tp),
        batch=int(batch) if batch else None,
        load=load,
        input_len=int(in_len) if in_len else None,
        output_len=int(out_len) if out_len else None,
        row=record.row,
        notes="vllm bench latency: one batch end to end" if latency else "vllm bench throughput (offline)",
    )
