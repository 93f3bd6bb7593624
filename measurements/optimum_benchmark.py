"""optimum-benchmark results: ``benchmark.json`` (``{"config": ..., "report": ...}``) and ``benchmark_report.json``
(the report alone). One file is one run (one record). ``benchmark_config.json`` holds no figures and is refused
with that reason.

Report targets: ``prefill.throughput`` (tokens/s) -> ``prefill_tok_s``; ``decode.throughput`` (tokens/s) ->
``decode_tok_s``; ``per_token.latency`` -> ``tpot_ms``; ``prefill.latency`` -> ``ttft_ms`` (the prefill step of the
static batch); latencies as mean, p50 (median), p90, p95, p99 (seconds in the file); ``*.memory.max_allocated``
(MB) -> ``memory_gb``. A non-generation run (``forward`` only, samples/s) becomes ``prefill_tok_s`` = samples/s x
``sequence_length`` from the config (flagged), and is refused without a config. Conditions: STATIC load at
``input_shapes.batch_size``, ``input_len`` = ``sequence_length``, ``output_len`` = ``max_new_tokens``.
Hardware from the config's ``environment``: the first ``gpu`` name, or the ``cpu`` when the backend ran on
``device: cpu``; engine from the backend name (``pytorch`` -> transformers), format from ``torch_dtype`` or
``quantization_scheme``.
"""

from __future__ import annotations

from typing import Any

from advisor.measurement import Load, Measurement, Metric, Statistic
from measurements.fields import FieldError
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.serving import build, identity, number
from measurements.tabular import load_json

FORMATS = ("optimum_benchmark_json",)
DESCRIPTION = "optimum-benchmark benchmark.json or benchmark_report.json"

_TARGETS = ("load", "forward", "prefill", "decode", "per_token", "call", "generate")
_STATS = (
    ("mean", Statistic.MEAN),
    ("p50", Statistic.MEDIAN),
    ("p90", Statistic.P90),
    ("p95", Statistic.P95),
    ("p99", Statistic.P99),
)
_ENGINES = {
    "pytorch": "transformers",
    "py-txi": "tei",
    "onnxruntime": "onnxruntime",
    "openvino": "openvino",
    "vllm": "vllm",
    "tensorrt-llm": "tensorrt_llm",
    "llama_cpp": "llama_cpp",
    "ipex": "ipex",
}
_DTYPES = {"float16": "fp16", "bfloat16": "bf16", "float32": "fp32"}


def _is_report(obj: Any) -> bool:
    return isinstance(obj, dict) and any(
        isinstance(obj.get(t), dict) and {"latency", "throughput", "memory"} & obj[t].keys() for t in _TARGETS
    )


def sniff_json(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    if _is_report(data.get("report")) or _is_report(data):
        return "optimum_benchmark_json"
    if isinstance(data.get("backend"), dict) and isinstance(data.get("scenario"), dict) and "launcher" in data:
        raise UnreadableFile(
            "this is an optimum-benchmark benchmark_config.json: it holds the settings but no results; upload "
            "benchmark.json (config and report together) or benchmark_report.json"
        )
    return None


def parse(text: str, source_format: str) -> ParsedFile:
    data = load_json(text)
    if sniff_json(data) is None:
        raise UnreadableFile("expected an optimum-benchmark benchmark.json or benchmark_report.json")
    report = data["report"] if isinstance(data.get("report"), dict) else data
    out = ParsedFile(source_format)
    out.records.append(RawRecord(1, {"report": report, "config": data.get("config") or {}}))
    return out


def _latency(target: dict[str, Any], metric: Metric) -> list[tuple[Metric, Any, Statistic]]:
    lat = target.get("latency") if isinstance(target.get("latency"), dict) else {}
    scale = 1000.0 if str(lat.get("unit", "s")) == "s" else 1.0
    return [(metric, v * scale if (v := number(lat.get(k))) is not None else None, s) for k, s in _STATS]


def _throughput(target: dict[str, Any], unit: str) -> float | None:
    thr = target.get("throughput") if isinstance(target.get("throughput"), dict) else {}
    return number(thr.get("value")) if str(thr.get("unit", "")) == unit else None


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    report: dict[str, Any] = record.fields["report"]
    config: dict[str, Any] = record.fields["config"] if isinstance(record.fields["config"], dict) else {}
    backend = config.get("backend") if isinstance(config.get("backend"), dict) else {}
    scenario = config.get("scenario") if isinstance(config.get("scenario"), dict) else {}
    env = config.get("environment") if isinstance(config.get("environment"), dict) else {}
    shapes = scenario.get("input_shapes") if isinstance(scenario.get("input_shapes"), dict) else {}
    gen = scenario.get("generate_kwargs") if isinstance(scenario.get("generate_kwargs"), dict) else {}
    seq_len = number(shapes.get("sequence_length"))
    t = {k: report[k] for k in _TARGETS if isinstance(report.get(k), dict)}
    flags_pre: list[str] = []
    values: list[tuple[Metric, Any, Statistic]] = []
    if "prefill" in t:
        values.append((Metric.PREFILL_TOK_S, _throughput(t["prefill"], "tokens/s"), Statistic.NONE))
        values += _latency(t["prefill"], Metric.TTFT_MS)
    if "decode" in t:
        values.append((Metric.DECODE_TOK_S, _throughput(t["decode"], "tokens/s"), Statistic.NONE))
    if "per_token" in t:
        values += _latency(t["per_token"], Metric.TPOT_MS)
    if not values and "forward" in t:
        samples = _throughput(t["forward"], "samples/s")
        if samples is None:
            raise FieldError("forward.throughput", "no samples/s throughput in the forward report")
        if seq_len is None:
            raise FieldError(
                "forward.throughput",
                f"a forward-only report ({samples:g} samples/s) needs the sequence length from the config: upload "
                "benchmark.json (config and report together)",
            )
        values.append((Metric.PREFILL_TOK_S, samples * seq_len, Statistic.NONE))
        flags_pre.append(f"prefill tok/s = forward {samples:g} samples/s x sequence_length {seq_len:g}")
    for target in t.values():
        mem = target.get("memory") if isinstance(target.get("memory"), dict) else {}
        mb = number(mem.get("max_allocated"))
        if mb is not None and not any(m is Metric.MEMORY_GB for m, _, _ in values):
            values.append((Metric.MEMORY_GB, mb * 1e6 / 1e9, Statistic.NONE))
    if all(v is None for _, v, _ in values):
        raise FieldError("report", "no prefill, decode, per-token or forward figures in the report")
    device = str(backend.get("device") or "")
    gpus_named = env.get("gpu") if isinstance(env.get("gpu"), list) else []
    hw = str(env.get("cpu") or "").strip() if device == "cpu" else str(gpus_named[0] if gpus_named else "")
    name = str(backend.get("name") or "")
    label = str(backend.get("quantization_scheme") or "") or _DTYPES.get(str(backend.get("torch_dtype") or ""), "")
    fields, flags = identity(
        record.fields,
        ctx,
        engine=_ENGINES.get(name, name),
        engine_version=str(backend.get("version") or env.get("transformers_version") or ""),
        models=(str(backend.get("model") or ""),),
        device=hw,
        format_label=label,
    )
    flags[:0] = flags_pre
    if not config:
        flags.append("benchmark_report.json alone: batch and lengths are in the config (upload benchmark.json)")
    batch = number(shapes.get("batch_size"))
    new_tokens = number(gen.get("max_new_tokens") or scenario.get("new_tokens"))
    ids = str(backend.get("device_ids") or "")
    extra = {
        k: v
        for k, v in {
            "task": backend.get("task"),
            "library": backend.get("library"),
            "backend": name,
            "device": device,
            "optimum_benchmark_version": env.get("optimum_benchmark_version"),
        }.items()
        if v
    }
    return build(
        fields,
        flags,
        values,
        ctx,
        extra=extra,
        gpus=len(ids.split(",")) if ids else 1,
        batch=int(batch) if batch else None,
        load=Load.STATIC,
        input_len=int(seq_len) if seq_len else None,
        output_len=int(new_tokens) if new_tokens else None,
        row=record.row,
        notes=f"optimum-benchmark {config.get('name') or ''}".strip(),
    )
