"""The generic CSV schema, for results from any tool or your own scripts.

One row per measured configuration. Columns (header names exactly as below, any order; unknown
columns are kept in ``extra``):

| column | meaning | required |
|---|---|---|
| hardware | device name or catalog SKU id (``NVIDIA H100 80GB HBM3``, ``h100_sxm5_80gb``) | yes |
| model | model name, Hugging Face repo id or file name (``meta-llama/Llama-3.1-8B-Instruct``) | yes |
| format | quantization label or format id (``fp8``, ``awq``, ``Q4_K_M``, ``int4_awq_w4a16``) | no |
| engine | an engine id or the name people type (``vllm``, ``llama.cpp``, ``trt-llm``, ``sglang``, ``mlx``, ...) | no |
| engine_version | e.g. ``0.11.0`` | no |
| gpus | number of devices used (tensor/pipeline parallel) | no |
| batch | sequences run together, or requests in flight for ``load = concurrent`` | no |
| load | ``static`` (default: one batch run together), ``concurrent`` (a server kept at ``batch`` requests), ``max_load`` (everything queued at once), ``rate`` | no |
| input_len, output_len | prompt and generated tokens per request | no |
| context_depth | tokens already in the KV cache before the test | no |
| prefill_tok_s | prompt tokens per second | one metric |
| decode_tok_s | generated tokens per second of the decode phase (all sequences together) | one metric |
| output_tok_s, total_tok_s | output (or prompt + output) tokens / wall time of the whole run | one metric |
| ttft_ms, tpot_ms, itl_ms, e2e_ms | time to first token, per output token, between tokens, per request (ms, means) | one metric |
| memory_gb | peak device memory, GB | one metric |
| quality_metric, quality_value | e.g. ``mmlu/acc``, ``0.683`` | one metric |
| quality_reference | the same metric for the full-precision model | no |
| date | ISO 8601, e.g. ``2026-11-27T10:00:00Z`` | no |
| notes | free text | no |

Numbers use a dot as decimal separator and no thousands separators; empty = not measured.
At least one of the metric columns must hold a value.
"""

from __future__ import annotations

from advisor.measurement import Load, Measurement, Metric
from measurements.fields import FieldError, get_datetime, get_float, get_int, get_str
from measurements.records import ParsedFile, RawRecord
from measurements.rowbuild import (
    Fields,
    ImportContext,
    measurements_from,
    set_engine,
    set_format,
    set_hardware,
    set_model,
)
from measurements.tabular import read_csv

FORMATS = ("generic_csv",)
COLUMNS = [
    "hardware",
    "model",
    "format",
    "engine",
    "engine_version",
    "gpus",
    "batch",
    "input_len",
    "output_len",
    "context_depth",
    "load",
    "prefill_tok_s",
    "output_tok_s",
    "total_tok_s",
    "decode_tok_s",
    "ttft_ms",
    "tpot_ms",
    "itl_ms",
    "e2e_ms",
    "memory_gb",
    "quality_metric",
    "quality_value",
    "quality_reference",
    "date",
    "notes",
]
REQUIRED = ("hardware", "model")
METRICS = (
    "prefill_tok_s",
    "decode_tok_s",
    "output_tok_s",
    "total_tok_s",
    "ttft_ms",
    "tpot_ms",
    "itl_ms",
    "e2e_ms",
    "memory_gb",
    "quality_value",
)
_SPEED_METRICS = tuple(Metric(m) for m in METRICS if m != "quality_value")
_LOADS = {load.value for load in Load}

#: Downloadable template: the header and two example rows (the values are illustrative, not measurements).
_EXAMPLES = (
    {
        "hardware": "h100_sxm5_80gb",
        "model": "meta-llama/Llama-3.1-8B-Instruct",
        "format": "fp8",
        "engine": "vllm",
        "engine_version": "0.11.0",
        "gpus": "1",
        "batch": "32",
        "input_len": "1024",
        "output_len": "128",
        "decode_tok_s": "2500",
        "ttft_ms": "45.0",
        "date": "2026-11-27T10:00:00Z",
        "notes": "example row: replace with your measurement",
    },
    {
        "hardware": "NVIDIA GeForce RTX 4090",
        "model": "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
        "format": "Q4_K_M",
        "engine": "llama_cpp",
        "engine_version": "b5163",
        "gpus": "1",
        "batch": "1",
        "quality_metric": "mmlu/acc",
        "quality_value": "0.65",
        "quality_reference": "0.68",
        "notes": "example quality row: replace with your measurement",
    },
)
TEMPLATE_CSV = "".join(
    ",".join(row.get(c, "") for c in COLUMNS) + "\n" for row in ({c: c for c in COLUMNS}, *_EXAMPLES)
)


def looks_like_generic(columns: list[str]) -> bool:
    cols = {c.strip().lower() for c in columns}
    return set(REQUIRED) <= cols and bool(set(METRICS) & cols)


def parse(text: str, source_format: str = "generic_csv") -> ParsedFile:
    parsed = read_csv(text, source_format)
    lower = {c: c.strip().lower() for c in parsed.columns}
    if any(k != v for k, v in lower.items()):
        for rec in parsed.records:
            for k in list(rec.fields):
                if lower.get(k, k) != k:
                    rec.fields[lower[k]] = rec.fields.pop(k)
        parsed.columns = [lower[c] for c in parsed.columns]
    return parsed


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    rec = record.fields
    hardware = get_str(rec, "hardware", required=ctx.hardware_hint is None)
    model = get_str(rec, "model", required=True)
    values = [(metric, get_float(rec, metric.value)) for metric in _SPEED_METRICS]
    quality = get_float(rec, "quality_value", minimum=None)
    quality_metric = get_str(rec, "quality_metric")
    if quality is not None and not quality_metric:
        raise FieldError("quality_metric", "required when quality_value is given (e.g. mmlu/acc)")
    if all(v is None for _, v in values) and quality is None:
        raise FieldError("decode_tok_s", f"no measurement: fill at least one of {', '.join(METRICS)}")
    for metric, value in values:
        if value == 0:
            raise FieldError(metric.value, "value is 0 (leave empty when not measured)")
    fields: Fields = {}
    flags: list[str] = []
    set_engine(fields, flags, get_str(rec, "engine"), ctx)
    fields["engine_version"] = get_str(rec, "engine_version")
    set_hardware(fields, flags, hardware, ctx)
    set_model(fields, flags, (model,), ctx)
    set_format(fields, flags, get_str(rec, "format"), ctx, model)
    batch = get_int(rec, "batch", minimum=1)
    common = {
        "gpus": get_int(rec, "gpus", minimum=1) or 1,
        "batch": batch,
        "load": Load(get_str(rec, "load").lower()) if get_str(rec, "load").lower() in _LOADS else Load.STATIC,
        "input_len": get_int(rec, "input_len"),
        "output_len": get_int(rec, "output_len"),
        "context_depth": get_int(rec, "context_depth") or 0,
        "row": record.row,
        "measured_at": get_datetime(rec, "date"),
        "notes": get_str(rec, "notes"),
        "extra": {k: v for k, v in rec.items() if k not in COLUMNS and v not in ("", None)},
    }
    if get_str(rec, "load") and get_str(rec, "load").lower() not in _LOADS:
        raise FieldError("load", f"expected one of {', '.join(sorted(_LOADS))}, got {get_str(rec, 'load')!r}")
    out = measurements_from(fields, flags, values, ctx, **common)
    if quality is not None:
        out += measurements_from(
            fields,
            flags,
            [(Metric.QUALITY, quality)],
            ctx,
            **common,
            quality_task=quality_metric,
            quality_reference=get_float(rec, "quality_reference", minimum=None),
        )
    return out
