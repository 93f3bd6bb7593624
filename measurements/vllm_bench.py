"""vLLM serving benchmark results: the JSON that ``vllm bench serve --save-result`` /
``benchmarks/benchmark_serving.py --save-result`` writes (one object; ``--append-result`` gives one
object per line), and the console summary block ("==== Serving Benchmark Result ====").

Every figure becomes a measurement: ``output_throughput`` -> ``output_tok_s`` (output tokens over the whole run,
all requests together), ``total_token_throughput`` -> ``total_tok_s``, ``<stat>_ttft_ms`` / ``tpot`` / ``itl`` /
``e2el`` -> latencies with their statistic. Load: ``max_concurrency`` -> CONCURRENT at that batch; request rate
``inf`` (the tool's default) -> MAX_LOAD; a finite rate -> RATE. ``input_len`` / ``output_len`` = mean tokens per
request (``total_input_tokens`` / ``completed``). A device named with a leading count (``--metadata
gpu=4xNVIDIA_L40S``) gives the device and the GPU count. The OpenAI-compatible client backends (``openai``,
``openai-chat``) do not name the server: vLLM is assumed and flagged.
"""

from __future__ import annotations

import re
from typing import Any

from advisor.measurement import Load, Measurement, Metric, Statistic
from measurements.fields import FieldError, get_datetime, get_float, get_int, get_str
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import (
    Fields,
    ImportContext,
    assume_native_format,
    measurements_from,
    set_format,
    set_hardware,
    set_model,
)
from measurements.serving import ResultBlocks, per_request, split_device_count
from measurements.tabular import load_json, read_json_objects, read_jsonl
from safeio.limits import text_lines

FORMATS = ("vllm_serve_json", "vllm_serve_jsonl", "vllm_serve_console")
SIGNATURE_FIELDS = frozenset({"request_throughput", "output_throughput", "mean_ttft_ms", "mean_tpot_ms"})
_CONSUMED = frozenset(
    [
        "output_throughput",
        "total_token_throughput",
        *(f"{s}_{k}_ms" for s in ("mean", "median", "p90", "p95", "p99") for k in ("ttft", "tpot", "itl", "e2el")),
        "max_concurrency",
        "date",
        "model_id",
        "total_input_tokens",
        "total_output_tokens",
        "completed",
    ]
)
# Client backends of benchmark_serving.py -> engine id. The OpenAI-compatible ones could be any server: vLLM is
# assumed and the record says so (dstack's SGLang prefill/decode runs were measured with `vllm bench serve`).
_OPENAI_COMPATIBLE = frozenset({"openai", "openai-chat", "openai-responses"})
_BACKEND_ENGINE = {
    "vllm": "vllm",
    "openai": "vllm",
    "openai-chat": "vllm",
    "openai-responses": "vllm",
    "sglang": "sglang",
    "tensorrt-llm": "tensorrt_llm",
    "trt-llm": "tensorrt_llm",
}


def looks_like_vllm(obj: Any) -> bool:
    return isinstance(obj, dict) and len(SIGNATURE_FIELDS & obj.keys()) >= 2


def parse(text: str, source_format: str) -> ParsedFile:
    if source_format == "vllm_serve_console":
        return parse_console(text)
    if source_format == "vllm_serve_jsonl":
        return read_jsonl(text, source_format)
    data = load_json(text)
    items = data if isinstance(data, list) else [data]
    out = read_json_objects(items, source_format)
    if not out.records and not out.rejections:
        raise UnreadableFile("the JSON holds no benchmark results")
    return out


# Console summary lines ("Label:   value") -> the JSON key benchmark_serving.py uses for the same number.
_CONSOLE_KEYS = {
    "successful requests": "completed",
    "failed requests": "failed",
    "maximum request concurrency": "max_concurrency",
    "max request concurrency": "max_concurrency",
    "benchmark duration (s)": "duration",
    "total input tokens": "total_input_tokens",
    "total generated tokens": "total_output_tokens",
    "request throughput (req/s)": "request_throughput",
    "output token throughput (tok/s)": "output_throughput",
    "peak output token throughput (tok/s)": "max_output_tokens_per_s",
    "total token throughput (tok/s)": "total_token_throughput",
    "request goodput (req/s)": "request_goodput",
    "mean ttft (ms)": "mean_ttft_ms",
    "median ttft (ms)": "median_ttft_ms",
    "p99 ttft (ms)": "p99_ttft_ms",
    "mean tpot (ms)": "mean_tpot_ms",
    "median tpot (ms)": "median_tpot_ms",
    "p99 tpot (ms)": "p99_tpot_ms",
    "mean itl (ms)": "mean_itl_ms",
    "median itl (ms)": "median_itl_ms",
    "p99 itl (ms)": "p99_itl_ms",
    "mean e2el (ms)": "mean_e2el_ms",
    "median e2el (ms)": "median_e2el_ms",
    "p99 e2el (ms)": "p99_e2el_ms",
    "backend": "backend",
    "traffic request rate": "request_rate",
    "request rate": "request_rate",
}
_NAMESPACE_ARGS = re.compile(
    r"\b(model|tokenizer|backend|max_concurrency|request_rate|random_input_len|random_output_len)=('[^']*'|[^,)\s]+)"
)


_CMD_ARGS = re.compile(r"--(model|backend|max-concurrency|request-rate)[= ]+('[^']*'|\"[^\"]*\"|\S+)")


def _command_args(command: str) -> dict[str, str]:
    """``--model``, ``--backend``, ``--max-concurrency``, ``--request-rate`` of a benchmark command line (``vllm
    bench serve``, ``benchmark_serving.py``, ``sglang.bench_serving``, backslash continuations joined), as
    ``Namespace`` keys; SGLang's client defaults to its own backend. {} for any other line."""
    if "--model" not in command or not any(
        k in command for k in ("vllm", "benchmark_serving", "bench_serving", "bench serve")
    ):
        return {}
    args = {k.replace("-", "_"): v.strip("'\"") for k, v in _CMD_ARGS.findall(command)}
    if "sglang" in command and "backend" not in args:
        args["backend"] = "sglang"
    return args


def parse_console(text: str) -> ParsedFile:
    """Each summary block is one record (row = the block's banner line number); the ``Namespace(...)``
    line printed before it, when present, gives the model and concurrency."""
    out = ParsedFile("vllm_serve_console")
    namespace: dict[str, str] = {}
    blocks = ResultBlocks(out, _CONSOLE_KEYS)
    pending = ""  # a command line continued with a trailing backslash
    for lineno, line in text_lines(text, what="the vLLM console output"):  # bounded (safeio.limits)
        if line.rstrip().endswith("\\") and len(pending) < 65536:
            pending += line.rstrip()[:-1] + " "
            continue
        command, pending = pending + line, ""
        namespace.update(_command_args(command))
        if "Namespace(" in line:
            namespace = {k: v.strip("'") for k, v in _NAMESPACE_ARGS.findall(line)}
            continue
        blocks.feed(lineno, line, namespace)
    for rec in out.records:
        f = rec.fields
        if "model_id" not in f and f.get("args.model"):
            f["model_id"] = f["args.model"]
        if "max_concurrency" not in f and f.get("args.max_concurrency") not in (None, "None"):
            f["max_concurrency"] = f["args.max_concurrency"]
        if "backend" not in f and f.get("args.backend"):
            f["backend"] = f["args.backend"]
        if f.get("max_concurrency") in ("not set", "None"):
            f["max_concurrency"] = None
    return out


#: Result keys -> (metric, statistic). Every figure a run reports becomes its own measurement.
_METRIC_KEYS: tuple[tuple[str, Metric, Statistic], ...] = (
    ("output_throughput", Metric.OUTPUT_TOK_S, Statistic.NONE),
    ("total_token_throughput", Metric.TOTAL_TOK_S, Statistic.NONE),
    *(
        (f"{stat}_{key}_ms", metric, Statistic(stat if stat != "p50" else "median"))
        for key, metric in (
            ("ttft", Metric.TTFT_MS),
            ("tpot", Metric.TPOT_MS),
            ("itl", Metric.ITL_MS),
            ("e2el", Metric.E2E_MS),
        )
        for stat in ("mean", "median", "p90", "p95", "p99")
    ),
)
_RATE_KEYS = ("request_rate", "args.request_rate")


def _load(rec: dict[str, Any], flags: list[str]) -> tuple[Load, int | None, float | None]:
    concurrency = get_int(rec, "max_concurrency", minimum=1)
    if concurrency:
        return Load.CONCURRENT, concurrency, None
    raw = next((rec[k] for k in _RATE_KEYS if rec.get(k) not in (None, "", "None")), None)
    if raw is None:
        flags.append("request rate not recorded: the tool's default (inf, every request at once) assumed")
        return Load.MAX_LOAD, None, None
    text = str(raw).strip().lower()
    if text in ("inf", "infinity"):
        return Load.MAX_LOAD, None, None
    try:
        rate = float(text)
    except ValueError:
        raise FieldError("request_rate", f"expected a number or inf, got {raw!r}") from None
    if rate != rate or rate <= 0:
        raise FieldError("request_rate", f"expected a positive number or inf, got {raw!r}")
    if rate == float("inf"):
        return Load.MAX_LOAD, None, None
    return Load.RATE, None, rate


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    rec = record.fields
    values = [(metric, get_float(rec, key), stat) for key, metric, stat in _METRIC_KEYS]
    if all(v is None for _, v, _ in values):
        raise FieldError(
            "output_throughput", "required value is missing (no output_throughput, mean_ttft_ms or mean_tpot_ms)"
        )
    completed = get_int(rec, "completed")
    total_in = get_int(rec, "total_input_tokens")
    total_out = get_int(rec, "total_output_tokens")
    model = get_str(rec, "model_id") or get_str(rec, "tokenizer_id")
    if not model:
        raise FieldError(
            "model_id",
            "required value is missing (a console summary alone does not name the model: include the "
            "'vllm bench serve --model ...' command line above it, or upload the --save-result JSON)",
        )
    fields: Fields = {}
    flags: list[str] = []
    backend = get_str(rec, "backend") or get_str(rec, "endpoint_type")
    fields["engine"] = _BACKEND_ENGINE.get(backend.lower(), "vllm")
    if backend and backend.lower() not in _BACKEND_ENGINE:
        flags.append(f"benchmark client backend {backend!r}: engine assumed vllm")
    elif backend.lower() in _OPENAI_COMPATIBLE:
        flags.append(
            f"benchmark client backend {backend!r} is an OpenAI-compatible API and does not name the server: "
            "engine assumed vllm"
        )
    fields["engine_version"] = get_str(rec, "vllm_version") or get_str(rec, "version")
    load, batch, rate = _load(rec, flags)
    in_len, out_len = per_request(total_in, completed), per_request(total_out, completed)
    tp = get_int(rec, "tensor_parallel_size", minimum=1) or get_int(rec, "tp", minimum=1)
    gpu = get_str(rec, "gpu_type") or get_str(rec, "gpu") or get_str(rec, "hardware")
    device, count = split_device_count(gpu)  # --metadata gpu=4xNVIDIA_L40S (llm-d benchmark jobs)
    set_hardware(fields, flags, device, ctx)
    if count:
        fields["hardware_raw"] = gpu
        if not tp:
            flags.append(
                f"{count} devices from {gpu!r}; how they were used (tensor parallel or replicas) is not recorded"
            )
    set_model(fields, flags, (model, get_str(rec, "tokenizer_id")), ctx)
    label = get_str(rec, "quantization") or get_str(rec, "dtype")
    set_format(fields, flags, label, ctx, model)
    if not label and fields["format_id"] is not None:
        flags.append(f"format {fields['format_id']} inferred from the model name")
    elif not label:
        assume_native_format(fields, flags, ctx)
    extra = {k: v for k, v in rec.items() if k not in _CONSUMED and not isinstance(v, list)}
    dropped = sorted(k for k, v in rec.items() if isinstance(v, list))
    if dropped:
        extra["per_request_lists_not_kept"] = dropped
    return measurements_from(
        fields,
        flags,
        values,
        ctx,
        gpus=tp or count or 1,
        batch=batch,
        load=load,
        request_rate=rate,
        input_len=in_len,
        output_len=out_len,
        row=record.row,
        measured_at=get_datetime(rec, "date"),
        notes="mean tokens per request from total_input_tokens / completed",
        extra=extra,
    )
