"""optimum-benchmark results: ``benchmark.json`` (``{"config": ..., "report": ...}``) and ``benchmark_report.json``
(the report alone). One file is one run (one record). ``benchmark_config.json`` holds no figures and is refused
with that reason.

Report targets: ``prefill.throughput`` -> ``prefill_tok_s``: the inference scenario reports it in samples/s
(``PREFILL_THROUGHPUT_UNIT = "samples/s"`` in optimum_benchmark/scenarios/inference/scenario.py, checked
2026-12-06; a sample is one sequence of the batch: 1 / 0.032447 s = 30.819 samples/s at batch 1), so tokens/s =
samples/s x ``input_shapes.sequence_length`` (flagged); older reports that give tokens/s are taken as they are.
``decode.throughput`` (tokens/s) -> ``decode_tok_s``; ``per_token.latency`` -> ``tpot_ms``; ``prefill.latency`` ->
``ttft_ms`` (the prefill step of the static batch); latencies as mean, p50 (median), p90, p95, p99 (seconds in the
file). Memory: ``max_allocated`` (MB, the PyTorch allocator's peak) of every stage that measured it
(``load_model``, ``prefill``, ``decode``, ...) -> one ``memory_gb``, the largest, with the stage it came from in
``extra["memory_stage"]`` and the notes, and every stage's figure in ``extra["max_allocated_mb"]``.
A non-generation run (``forward`` only, samples/s) becomes ``prefill_tok_s`` = samples/s x ``sequence_length``
from the config (flagged), and is refused without a config. Conditions: STATIC load at ``input_shapes.batch_size``,
``input_len`` = ``sequence_length``, ``output_len`` = ``max_new_tokens``.

Hardware from the config's ``environment``: the ``gpu`` list entries at the backend's ``device_ids`` (the list is
NVML's, in index order, and the backend sets ``CUDA_DEVICE_ORDER=PCI_BUS_ID`` and ``CUDA_VISIBLE_DEVICES=device_ids``
(optimum_benchmark/backends/config.py), so an id is a position in that list), or the ``cpu`` when the backend ran
on ``device: cpu``. Engine from the backend name (``pytorch`` -> transformers, whose version is the environment's
``transformers_version``: the backend ``version`` of the PyTorch backend is torch's, kept in ``extra``); format from
``quantization_scheme`` (checked against ``quantization_config.bits``), else ``torch_dtype``.
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

_TARGETS = ("load_model", "load", "forward", "prefill", "decode", "per_token", "call", "generate")
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
#: The units a stage's throughput can carry, for the message when a file gives another.
_THROUGHPUT_UNITS = "tokens/s, or samples/s (one sequence each: x input_shapes.sequence_length)"


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


def _throughput(target: dict[str, Any], name: str, seq_len: float | None, flags: list[str]) -> float | None:
    """Tokens/s of a stage's ``throughput`` (``None`` when the stage has none); samples/s x ``seq_len``."""
    thr = target.get("throughput")
    if thr is None:
        return None
    column = f"{name}.throughput"
    if not isinstance(thr, dict):
        raise FieldError(column, f"expected an object with unit and value, got {type(thr).__name__}")
    value = thr.get("value")
    rate = number(value)
    if rate is None or isinstance(value, str):
        raise FieldError(column, f"expected a number as value, got {value!r}")
    unit = str(thr.get("unit", ""))
    if unit == "tokens/s":
        return rate
    if unit != "samples/s":
        raise FieldError(column, f"unit {unit!r} not understood (accepted: {_THROUGHPUT_UNITS})")
    if seq_len is None:
        raise FieldError(
            column,
            f"a {name} throughput in samples/s ({rate:g}) needs the sequence length from the config: upload "
            "benchmark.json (config and report together)",
        )
    flags.append(f"{name} tok/s = {name} {rate:g} samples/s x sequence_length {seq_len:g}")
    return rate * seq_len


def _decode_throughput(target: dict[str, Any]) -> float | None:
    thr = target.get("throughput")
    if thr is None:
        return None
    if not isinstance(thr, dict) or str(thr.get("unit", "")) != "tokens/s":
        raise FieldError("decode.throughput", f"expected a tokens/s throughput, got {thr!r}")
    value = thr.get("value")
    if number(value) is None or isinstance(value, str):
        raise FieldError("decode.throughput", f"expected a number as value, got {value!r}")
    return number(value)


def _forward_samples(target: dict[str, Any]) -> float:
    thr = target.get("throughput")
    if not isinstance(thr, dict) or str(thr.get("unit", "")) != "samples/s" or number(thr.get("value")) is None:
        raise FieldError("forward.throughput", f"no samples/s throughput in the forward report (got {thr!r})")
    return float(number(thr.get("value")) or 0.0)


def _peak_memory(targets: dict[str, dict[str, Any]]) -> tuple[float, str, dict[str, float]] | None:
    """(MB, stage, every stage's MB) of the largest ``max_allocated`` over the stages that measured memory."""
    by_stage: dict[str, float] = {}
    for name, target in targets.items():
        mem = target.get("memory")
        if not isinstance(mem, dict) or mem.get("max_allocated") is None:
            continue
        value = number(mem.get("max_allocated"))
        if value is None or isinstance(mem.get("max_allocated"), str):
            raise FieldError(f"{name}.memory.max_allocated", f"expected a number, got {mem.get('max_allocated')!r}")
        if str(mem.get("unit", "MB")) != "MB":
            raise FieldError(f"{name}.memory.unit", f"expected MB, got {mem.get('unit')!r}")
        by_stage[name] = value
    if not by_stage:
        return None
    stage = max(by_stage, key=lambda k: by_stage[k])
    return by_stage[stage], stage, by_stage


def _device_ids(backend: dict[str, Any]) -> list[int] | None:
    raw = backend.get("device_ids")
    if raw is None or raw == "":
        return None
    parts = [p.strip() for p in str(raw).split(",")]
    if not all(p.isdigit() for p in parts):
        raise FieldError("backend.device_ids", f"expected GPU indices such as '0' or '0,1', got {raw!r}")
    return [int(p) for p in parts]


def _gpu(env: dict[str, Any], ids: list[int] | None, flags: list[str]) -> str:
    """The GPU name at the backend's ``device_ids`` in the environment's ``gpu`` list ("" when not found)."""
    names = env.get("gpu") if isinstance(env.get("gpu"), list) else []
    names = [str(n).strip() for n in names]
    if not names:
        return ""
    if ids is None:
        if len(set(names)) == 1:
            return names[0]
        flags.append(f"no device_ids in the config and the environment lists different GPUs {names}: none taken")
        return ""
    outside = [i for i in ids if i >= len(names)]
    if outside:
        flags.append(f"device_ids {outside} are not in the environment's GPU list ({len(names)} entries): none taken")
        return ""
    used = sorted({names[i] for i in ids})
    if len(used) > 1:
        flags.append(f"the run used different GPUs {used}: the first is taken")
    return names[ids[0]]


def _format_label(backend: dict[str, Any], ctx: ImportContext, flags: list[str]) -> str:
    scheme = str(backend.get("quantization_scheme") or "").strip()
    if not scheme:
        return _DTYPES.get(str(backend.get("torch_dtype") or ""), "")
    qcfg = backend.get("quantization_config") if isinstance(backend.get("quantization_config"), dict) else {}
    bits = number(qcfg.get("bits"))
    format_id = ctx.resolver.format(scheme)
    known = ctx.resolver.format_bits(format_id) if format_id else None
    if bits is not None and known is not None and int(known[0]) != int(bits):
        flags.append(
            f"quantization_scheme {scheme!r} with quantization_config.bits {bits:g}: the catalog's {format_id} is "
            f"{int(known[0])}-bit, so the format is left unmapped"
        )
        return f"{scheme}_{bits:g}bit"
    return scheme


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
        values.append((Metric.PREFILL_TOK_S, _throughput(t["prefill"], "prefill", seq_len, flags_pre), Statistic.NONE))
        values += _latency(t["prefill"], Metric.TTFT_MS)
    if "decode" in t:
        values.append((Metric.DECODE_TOK_S, _decode_throughput(t["decode"]), Statistic.NONE))
    if "per_token" in t:
        values += _latency(t["per_token"], Metric.TPOT_MS)
    if not values and "forward" in t:
        samples = _forward_samples(t["forward"])
        if seq_len is None:
            raise FieldError(
                "forward.throughput",
                f"a forward-only report ({samples:g} samples/s) needs the sequence length from the config: upload "
                "benchmark.json (config and report together)",
            )
        values.append((Metric.PREFILL_TOK_S, samples * seq_len, Statistic.NONE))
        flags_pre.append(f"prefill tok/s = forward {samples:g} samples/s x sequence_length {seq_len:g}")
    peak = _peak_memory(t)
    if peak is not None:
        values.append((Metric.MEMORY_GB, peak[0] * 1e6 / 1e9, Statistic.NONE))
    if all(v is None for _, v, _ in values):
        raise FieldError(
            "report",
            f"no prefill, decode, per-token or forward figures in the report (stages found: {', '.join(t) or 'none'}; "
            "expected an optimum-benchmark inference report with prefill/decode/per_token or forward)",
        )
    device = str(backend.get("device") or "")
    ids = _device_ids(backend)
    hw = str(env.get("cpu") or "").strip() if device == "cpu" else _gpu(env, ids, flags_pre)
    name = str(backend.get("name") or "")
    label = _format_label(backend, ctx, flags_pre)
    if name == "pytorch":  # the PyTorch backend's "version" is torch's; the engine is transformers
        version = str(env.get("transformers_version") or "")
        if not version:
            flags_pre.append("transformers version not in the environment: engine version not given")
    else:
        version = str(backend.get("version") or "")
    fields, flags = identity(
        record.fields,
        ctx,
        engine=_ENGINES.get(name, name),
        engine_version=version,
        models=(str(backend.get("model") or ""),),
        device=hw,
        format_label=label,
    )
    flags[:0] = flags_pre
    if not config:
        flags.append("benchmark_report.json alone: batch and lengths are in the config (upload benchmark.json)")
    batch = number(shapes.get("batch_size"))
    new_tokens = number(gen.get("max_new_tokens") or scenario.get("new_tokens"))
    qcfg = backend.get("quantization_config") if isinstance(backend.get("quantization_config"), dict) else {}
    extra = {
        k: v
        for k, v in {
            "task": backend.get("task"),
            "library": backend.get("library"),
            "backend": name,
            "torch_version": backend.get("version") if name == "pytorch" else None,
            "device": device,
            "device_ids": backend.get("device_ids"),
            "torch_dtype": backend.get("torch_dtype"),
            "quantization_config": dict(qcfg) or None,
            "memory_stage": peak[1] if peak else None,
            "memory_counter": "max_allocated" if peak else None,
            "max_allocated_mb": peak[2] if peak else None,
            "optimum_benchmark_version": env.get("optimum_benchmark_version"),
        }.items()
        if v
    }
    notes = f"optimum-benchmark {config.get('name') or ''}".strip()
    if peak:
        notes += f"; memory = peak max_allocated over stages, from {peak[1]}"
    return build(
        fields,
        flags,
        values,
        ctx,
        extra=extra,
        gpus=len(ids) if ids else 1,
        batch=int(batch) if batch else None,
        load=Load.STATIC,
        input_len=int(seq_len) if seq_len else None,
        output_len=int(new_tokens) if new_tokens else None,
        row=record.row,
        notes=notes,
    )
