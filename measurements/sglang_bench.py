"""SGLang ``python -m sglang.bench_serving``: the console summary ("==== Serving Benchmark Result ====") and the
``--output-file`` JSON lines (one object per run, appended).

SGLang prints the same banner as vLLM's ``bench serve``; the two are told apart by what only SGLang prints: a
``Backend:`` line inside the block (vLLM's block has none), ``Total generated tokens (retokenized)``, ``Mean E2E
Latency (ms)``, or a ``sglang.bench_serving`` command line. ``Backend`` is the *client* backend: ``sglang`` (the
SGLang server, engine ``sglang``), else the server it named (``vllm``, ``lmdeploy``, ``trt`` ...).

Figures: ``output_throughput`` -> ``output_tok_s``, ``total_throughput`` (older "Total throughput") and
``total_token_throughput`` -> ``total_tok_s``, ``<mean|median|p90|p95|p99>_<ttft|tpot|itl|e2e_latency>_ms`` ->
latencies with their statistic. Load: ``max_concurrency`` -> CONCURRENT; ``request_rate`` inf -> MAX_LOAD; finite
-> RATE. ``input_len``/``output_len`` are the mean tokens per request (``total_input_tokens / completed``).
The JSONL names no model and no hardware: the model comes from ``server_info.model_path`` (newer versions), a
``--model`` argument in the console text, else the file name; the hardware from the user's hint.
"""

from __future__ import annotations

import re
from typing import Any

from advisor.measurement import Measurement, Metric, Statistic
from measurements.fields import FieldError
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.serving import RESULT_BANNER, ResultBlocks, build, identity, load_of, number, per_request
from measurements.tabular import load_json, read_jsonl
from safeio.limits import text_lines

FORMATS = ("sglang_serve_console", "sglang_serve_jsonl")
DESCRIPTION = "SGLang bench_serving console summary or --output-file JSONL"

_SGLANG_MARKS = re.compile(
    r"^\s*Backend:\s|Total generated tokens \(retokenized\)|Mean E2E Latency \(ms\)|sglang\.bench_serving", re.M
)
_CMD_MODEL = re.compile(r"--(?:model|model-path|tokenizer)[= ](\S+)")
_NAMESPACE_ARGS = re.compile(
    r"\b(model|tokenizer|backend|max_concurrency|request_rate|random_input_len|random_output_len|dataset_name)="
    r"('[^']*'|[^,)\s]+)"
)

# Console label -> the key SGLang's JSONL uses for the same figure.
_CONSOLE_KEYS = {
    "backend": "backend",
    "traffic request rate": "request_rate",
    "max request concurrency": "max_concurrency",
    "max reqeuest concurrency": "max_concurrency",  # sic, SGLang <= 0.4
    "successful requests": "completed",
    "benchmark duration (s)": "duration",
    "total input tokens": "total_input_tokens",
    "total generated tokens": "total_output_tokens",
    "total generated tokens (retokenized)": "total_output_tokens_retokenized",
    "request throughput (req/s)": "request_throughput",
    "input token throughput (tok/s)": "input_throughput",
    "output token throughput (tok/s)": "output_throughput",
    "total token throughput (tok/s)": "total_throughput",
    "total throughput (tok/s)": "total_throughput",
    "concurrency": "concurrency",
    **{
        f"{stat} {label} (ms)": f"{key_stat}_{key}_ms"
        for stat, key_stat in (("mean", "mean"), ("median", "median"), ("p90", "p90"), ("p95", "p95"), ("p99", "p99"))
        for label, key in (("e2e latency", "e2e_latency"), ("ttft", "ttft"), ("tpot", "tpot"), ("itl", "itl"))
    },
}

_LATENCIES = (
    ("ttft", Metric.TTFT_MS),
    ("tpot", Metric.TPOT_MS),
    ("itl", Metric.ITL_MS),
    ("e2e_latency", Metric.E2E_MS),
)
_STATS = (
    ("mean", Statistic.MEAN),
    ("median", Statistic.MEDIAN),
    ("p90", Statistic.P90),
    ("p95", Statistic.P95),
    ("p99", Statistic.P99),
)
_CONSUMED = frozenset(
    {
        "output_throughput",
        "total_throughput",
        "total_token_throughput",
        "max_concurrency",
        "request_rate",
        "backend",
        "total_input_tokens",
        "total_output_tokens",
        "completed",
        *(f"{s}_{k}_ms" for s, _ in _STATS for k, _ in _LATENCIES),
    }
)
#: SGLang's client backends -> the engine that served the requests.
_BACKEND_ENGINE = {
    "sglang": "sglang",
    "sglang-native": "sglang",
    "sglang-oai": "sglang",
    "sglang-oai-chat": "sglang",
    "vllm": "vllm",
    "vllm-chat": "vllm",
    "lmdeploy": "lmdeploy",
    "trt": "tensorrt_llm",
    "gserver": "gserver",
    "truss": "truss",
}


def looks_like_sglang_console(text: str) -> bool:
    """The serving banner plus a line only SGLang's bench_serving prints."""
    return bool(RESULT_BANNER.search(text)) and bool(_SGLANG_MARKS.search(text))


def looks_like_sglang_json(obj: Any) -> bool:
    """One ``--output-file`` record: SGLang's own key names (``*_e2e_latency_ms``, the retokenized count)."""
    return isinstance(obj, dict) and bool(
        {"total_output_tokens_retokenized", "mean_e2e_latency_ms", "median_e2e_latency_ms"} & obj.keys()
    )


def sniff_text(text: str) -> str | None:
    return "sglang_serve_console" if looks_like_sglang_console(text) else None


def sniff_jsonl(obj: dict[str, Any]) -> str | None:
    return "sglang_serve_jsonl" if looks_like_sglang_json(obj) else None


def sniff_json(data: Any) -> str | None:
    """A file holding one run (one line, or the object pretty-printed)."""
    return sniff_jsonl(data) if isinstance(data, dict) else None


def parse(text: str, source_format: str) -> ParsedFile:
    if source_format == "sglang_serve_jsonl":
        if not text.lstrip().startswith("{"):
            raise UnreadableFile("expected SGLang --output-file JSON lines (one object per line)")
        try:
            whole = load_json(text)  # a single run written (or pretty-printed) as one object
        except UnreadableFile:
            whole = None
        if isinstance(whole, dict):
            out = ParsedFile(source_format)
            out.records.append(RawRecord(1, whole))
            return out
        out = read_jsonl(text, source_format)
        if not out.records and not out.rejections:
            raise UnreadableFile("the SGLang JSON-lines file holds no benchmark results")
        return out
    return parse_console(text)


def parse_console(text: str) -> ParsedFile:
    """One record per summary block (row = the banner's line); the command line or ``Namespace(...)`` printed
    above a block, when present, gives its model and arguments."""
    out = ParsedFile("sglang_serve_console")
    args: dict[str, str] = {}
    blocks = ResultBlocks(out, _CONSOLE_KEYS)
    for lineno, line in text_lines(text, what="the SGLang console output"):
        if "Namespace(" in line:
            args = {k: v.strip("'") for k, v in _NAMESPACE_ARGS.findall(line)}
            continue
        cmd = _CMD_MODEL.search(line)
        if cmd and blocks.current is None:
            args["model"] = cmd.group(1).strip("'\"")
        blocks.feed(lineno, line, args)
    if not out.records:
        raise UnreadableFile("no 'Serving Benchmark Result' block in the SGLang console output")
    return out


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    rec = record.fields
    values: list[tuple[Metric, Any, Statistic]] = [
        (Metric.OUTPUT_TOK_S, number(rec.get("output_throughput")), Statistic.NONE),
        (
            Metric.TOTAL_TOK_S,
            number(rec.get("total_throughput", rec.get("total_token_throughput"))),
            Statistic.NONE,
        ),
    ]
    values += [(metric, number(rec.get(f"{s}_{key}_ms")), stat) for key, metric in _LATENCIES for s, stat in _STATS]
    if all(v is None for _, v, _ in values):
        raise FieldError("output_throughput", "required value is missing (no throughput and no latency figure)")
    backend = str(rec.get("backend") or rec.get("args.backend") or "").strip()
    server = rec.get("server_info") if isinstance(rec.get("server_info"), dict) else {}
    model = str(
        server.get("model_path") or rec.get("model_id") or rec.get("args.model") or rec.get("args.tokenizer") or ""
    )
    flags_pre: list[str] = []
    engine = _BACKEND_ENGINE.get(backend.lower(), backend.lower() or "sglang")
    if not backend:
        flags_pre.append("backend not recorded: engine assumed sglang")
    fields, flags = identity(
        rec,
        ctx,
        engine=engine,
        engine_version=str(server.get("version") or rec.get("sglang_version") or ""),
        models=(model,),
        device="",
        format_label=str(server.get("quantization") or ""),
        kv_label=str(server.get("kv_cache_dtype") or ""),
    )
    flags[:0] = flags_pre
    load, batch, rate = load_of(
        rec.get("max_concurrency", rec.get("args.max_concurrency")),  # "not set" / None: no cap
        rec.get("request_rate", rec.get("args.request_rate")),
        flags,
    )
    completed = number(rec.get("completed"))
    total_in, total_out = number(rec.get("total_input_tokens")), number(rec.get("total_output_tokens"))
    in_len, out_len = per_request(total_in, completed), per_request(total_out, completed)
    tp = number(server.get("tp_size"))
    extra = {
        k: v for k, v in rec.items() if k not in _CONSUMED and not isinstance(v, list | dict) and not k.startswith("_")
    }
    return build(
        fields,
        flags,
        values,
        ctx,
        extra=extra,
        gpus=int(tp) if tp and tp >= 1 else 1,
        batch=batch,
        load=load,
        request_rate=rate,
        input_len=in_len,
        output_len=out_len,
        row=record.row,
        notes="SGLang bench_serving; lengths are mean tokens per request (total / completed)",
    )
