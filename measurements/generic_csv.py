"""The generic CSV schema, for results from any tool or your own scripts.

One row per measured configuration. Columns (header names exactly as below, any order; unknown
columns are kept in ``extra``):

| column | meaning | required |
|---|---|---|
| hardware | device name or catalog SKU id (``NVIDIA H100 80GB HBM3``, ``h100_sxm5_80gb``) | yes |
| model | model name, Hugging Face repo id or file name (``meta-llama/Llama-3.1-8B-Instruct``) | yes |
| format | quantization label or format id (``fp8``, ``awq``, ``Q4_K_M``, ``int4_awq_w4a16``) | no |
| engine | ``vllm``, ``tensorrt_llm``, ``sglang``, ``llama_cpp``, ``mlx``, ``transformers``, ``onnxruntime``, ``openvino`` | no |
| engine_version | e.g. ``0.11.0`` | no |
| gpus | number of devices used (tensor/pipeline parallel) | no |
| batch | concurrent sequences | no |
| input_len, output_len | prompt and generated tokens per request | no |
| prefill_tok_s | prompt tokens per second | one metric |
| decode_tok_s | generated tokens per second (all sequences together) | one metric |
| ttft_ms, tpot_ms | time to first token, time per output token, milliseconds | one metric |
| memory_gb | peak device memory, GB | one metric |
| quality_metric, quality_value | e.g. ``mmlu/acc``, ``0.683`` | one metric |
| quality_reference | the same metric for the full-precision model | no |
| date | ISO 8601, e.g. ``2026-11-27T10:00:00Z`` | no |
| notes | free text | no |

Numbers use a dot as decimal separator and no thousands separators; empty = not measured.
At least one of the metric columns must hold a value.
"""

from __future__ import annotations

from measurements.fields import FieldError, get_datetime, get_float, get_int, get_str
from measurements.normalize import ENGINE_IDS
from measurements.records import NormalizedRow, ParsedFile, RawRecord
from measurements.rowbuild import ImportContext, set_format, set_hardware, set_model
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
    "prefill_tok_s",
    "decode_tok_s",
    "ttft_ms",
    "tpot_ms",
    "memory_gb",
    "quality_metric",
    "quality_value",
    "quality_reference",
    "date",
    "notes",
]
REQUIRED = ("hardware", "model")
METRICS = ("prefill_tok_s", "decode_tok_s", "ttft_ms", "tpot_ms", "memory_gb", "quality_value")

#: Downloadable template: the header and two example rows (the values are illustrative, not measurements).
TEMPLATE_CSV = (
    ",".join(COLUMNS)
    + "\n"
    + "h100_sxm5_80gb,meta-llama/Llama-3.1-8B-Instruct,fp8,vllm,0.11.0,1,32,1024,128,,2500,45.0,12.5,,,,,"
    "2026-11-27T10:00:00Z,example row: replace with your measurement\n"
    + "NVIDIA GeForce RTX 4090,Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf,Q4_K_M,llama_cpp,b5163,1,1,0,0,,,,,,"
    "mmlu/acc,0.65,0.68,,example quality row: replace with your measurement\n"
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


def normalize(record: RawRecord, ctx: ImportContext) -> NormalizedRow:
    rec = record.fields
    hardware = get_str(rec, "hardware", required=ctx.hardware_hint is None)
    model = get_str(rec, "model", required=True)
    row = NormalizedRow(record.row)
    row.gpus = get_int(rec, "gpus", minimum=1)
    row.batch = get_int(rec, "batch", minimum=1)
    row.input_len = get_int(rec, "input_len")
    row.output_len = get_int(rec, "output_len")
    row.prefill_tok_s = get_float(rec, "prefill_tok_s")
    row.decode_tok_s = get_float(rec, "decode_tok_s")
    row.ttft_ms = get_float(rec, "ttft_ms")
    row.tpot_ms = get_float(rec, "tpot_ms")
    row.memory_gb = get_float(rec, "memory_gb")
    row.quality_value = get_float(rec, "quality_value", minimum=None)
    row.quality_reference = get_float(rec, "quality_reference", minimum=None)
    row.quality_metric = get_str(rec, "quality_metric")
    if row.quality_value is not None and not row.quality_metric:
        raise FieldError("quality_metric", "required when quality_value is given (e.g. mmlu/acc)")
    if all(getattr(row, m) is None for m in METRICS):
        raise FieldError("decode_tok_s", f"no measurement: fill at least one of {', '.join(METRICS)}")
    for name, value in (("prefill_tok_s", row.prefill_tok_s), ("decode_tok_s", row.decode_tok_s)):
        if value == 0:
            raise FieldError(name, "throughput is 0 (leave empty when not measured)")
    engine = get_str(rec, "engine").lower().replace("-", "_").replace(".", "_")
    engine = {"llama_cpp": "llama_cpp", "llamacpp": "llama_cpp", "trt_llm": "tensorrt_llm", "hf": "transformers"}.get(
        engine, engine
    )
    row.engine = engine
    if engine and engine not in ENGINE_IDS:
        row.flags.append(f"engine not in catalog: {engine!r}")
    row.engine_version = get_str(rec, "engine_version")
    row.measured_at = get_datetime(rec, "date")
    row.notes = get_str(rec, "notes")
    row.test = "generic"
    set_hardware(row, hardware, ctx)
    set_model(row, (model,))
    set_format(row, get_str(rec, "format"), model)
    row.extra = {k: v for k, v in rec.items() if k not in COLUMNS and v not in ("", None)}
    return row
