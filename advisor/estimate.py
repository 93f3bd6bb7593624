"""One estimate for (model, format, hardware, workload): support verdict, memory, speed, quality.

A calibration (``advisor.calibration``) scales the phase speeds; a measurement of exactly this configuration
(``advisor.comparison`` decides which quantity it measured and for which workload) replaces the estimate of
that quantity (basis "measured").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

from advisor.context import Context, default_context
from advisor.formats import Format, FormatKind, get_format
from advisor.memory import MemoryEstimate, estimate_memory
from advisor.quality import QualityEstimate, model_quality
from advisor.speed import PhaseFactors, SpeedEstimate, estimate_speed, sixteen_bit
from advisor.support import Verdict, resolve_support
from advisor.workload import Workload
from hardware_db.schema import Support

if TYPE_CHECKING:
    from collections.abc import Iterable

    from advisor.calibration import Calibration
    from advisor.hardware import HardwareTarget
    from advisor.measurement import Measurement
    from advisor.models import ModelSpec

#: Engines that shard every layer across GPUs (tensor parallelism); the others split layers (llama.cpp, MLX,
#: transformers' device_map), which adds memory but no speed.
TENSOR_PARALLEL_ENGINES = ("vllm", "sglang", "tensorrt_llm")


@dataclass(frozen=True)
class Estimate:
    model_id: str
    hardware: str  # sku id, or the target's name for probe-built targets
    format_id: str
    engine: str | None
    workload: Workload
    support: Verdict
    memory: MemoryEstimate
    speed: SpeedEstimate
    quality: QualityEstimate

    def to_dict(self) -> dict:
        """Flat JSON-ready summary (the CLI's ``estimate --json``) plus the full nested parts."""
        s, m = self.speed, self.memory
        return {
            "model": self.model_id,
            "hardware": self.hardware,
            "format": self.format_id,
            "engine": self.engine,
            "gpus": self.workload.gpus,
            "batch": self.workload.batch,
            "input_len": self.workload.input_len,
            "output_len": self.workload.output_len,
            "support": self.support.level.value,
            "reason": self.support.reason,
            "why_not": self.support.why_not,
            "engines": list(self.support.engines),
            "decode_tok_s": s.decode_tok_s,
            "decode_tok_s_per_seq": s.decode_tok_s_per_seq,
            "prefill_tok_s": s.prefill_tok_s,
            "ttft_ms": s.ttft_ms,
            "tpot_ms": s.tpot_ms,
            "e2e_s": s.e2e_s,
            "output_tok_s": s.output_tok_s,
            "math_format": s.math_format,
            "basis": s.basis,
            "band": {k: list(v) for k, v in s.band.items()},
            "memory_gb": m.total_gb,
            "memory_per_gpu_gb": m.per_gpu_gb,
            "available_gb": m.available_gb,
            "fits": m.fits,
            "quality_ppl_increase_pct": self.quality.ppl_increase_pct,
            "quality_level": self.quality.level,
            "detail": {
                "memory": asdict(m),
                "speed": {k: v for k, v in asdict(s).items() if k not in ("band",)},
                "quality": asdict(self.quality),
                "support": {
                    "level": self.support.level.value,
                    "reason": self.support.reason,
                    "source": self.support.source,
                    "fallback": self.support.fallback,
                    "engine_paths": [asdict(r) | {"level": r.level.value} for r in self.support.engine_paths],
                },
            },
        }


#: Estimate quantities a matching measurement replaces (``advisor.comparison`` quantity -> SpeedEstimate field).
_MEASURED_FIELDS = ("decode_tok_s", "prefill_tok_s", "tpot_ms", "ttft_ms")


def _measured(
    measurements: Iterable[Measurement],
    hardware: HardwareTarget,
    model: ModelSpec,
    fmt: Format,
    w: Workload,
    engine: str | None,
) -> dict[str, Measurement]:
    """Measurements of exactly this (SKU, model, format, engine, workload), by the quantity they measured."""
    from advisor.comparison import NotComparable, expectation

    hits: dict[str, Measurement] = {}
    if not hardware.sku_id:
        return hits
    for m in measurements:
        if (m.hardware_sku, m.model_id, m.format_id) != (hardware.sku_id, model.id, fmt.id):
            continue
        if engine and m.engine and m.engine != engine:
            continue
        try:
            ex = expectation(m)
        except NotComparable:
            continue
        if ex.max_load or ex.quantity not in _MEASURED_FIELDS or m.scope.value != "total":
            continue
        e = ex.workload
        same = (e.batch, e.gpus, e.prefix_len, e.kv_format) == (w.batch, w.gpus, w.prefix_len, w.kv_format)
        lengths = e.input_len == w.input_len if ex.quantity in ("prefill_tok_s", "ttft_ms") else True
        if same and lengths:
            hits.setdefault(ex.quantity, m)
    return hits


def _measured_speed(base: SpeedEstimate, hits: dict[str, Measurement], w: Workload) -> SpeedEstimate:
    def rate(q: str, t: str, per: float) -> float | None:
        if q in hits:
            return hits[q].value
        if t in hits:
            return per / hits[t].value * 1e3
        return None

    decode = rate("decode_tok_s", "tpot_ms", w.batch) or base.decode_tok_s
    prefill = rate("prefill_tok_s", "ttft_ms", w.batch * w.input_len) or base.prefill_tok_s
    tpot = (w.batch / decode * 1e3) if decode else base.tpot_ms
    ttft = (w.batch * w.input_len / prefill * 1e3) if prefill else base.ttft_ms
    e2e = (ttft / 1e3 + w.output_len * tpot / 1e3) if (ttft and tpot) else base.e2e_s
    band = {k: (v, v) for k, v in (("decode_tok_s", decode), ("prefill_tok_s", prefill)) if v}
    where = "; ".join(sorted({m.where or m.label or "uploaded row" for m in hits.values()}))
    return replace(
        base,
        prefill_tok_s=prefill,
        decode_tok_s=decode,
        decode_tok_s_per_seq=(decode / w.batch) if decode else None,
        ttft_ms=ttft,
        tpot_ms=tpot,
        e2e_s=e2e,
        output_tok_s=(w.batch * w.output_len / e2e) if (e2e and w.output_len) else None,
        basis="measured",
        band=band,
        notes=(*base.notes, f"measured: {where}"),
    )


def estimate(
    model: ModelSpec,
    fmt: Format | str,
    hardware: HardwareTarget,
    workload: Workload | None = None,
    engine: str | None = None,
    *,
    ctx: Context | None = None,
    calibration: Calibration | None = None,
    measurements: Iterable[Measurement] = (),
    finetune: bool = False,
    verdict: Verdict | None = None,
    backend: str | None = None,
    prefer_engines: tuple[str, ...] = (),
) -> Estimate:
    """Everything the advisor knows about running ``model`` in ``fmt`` on ``hardware``.

    ``engine`` (an engine id) selects that engine's routes and efficiencies; with none, the speed is that of the
    engine that runs the format here and finishes the workload (its prompts and its outputs) soonest, so the answer
    never depends on the order engines are listed in.
    ``backend`` (cuda, rocm, metal, vulkan, cpu, ...) defaults to the device's usual one. ``prefer_engines``: with
    no engine named, the fastest of these when any of them runs the format (serving: vLLM, SGLang, TensorRT-LLM
    rather than a library without a server)."""
    ctx = ctx or default_context()
    w = workload or Workload()
    f = fmt if isinstance(fmt, Format) else get_format(fmt, ctx.formats)
    if f.kind is not FormatKind.WEIGHTS:
        raise ValueError(f"{f.id} is a KV-cache format: pass it as Workload(kv_format=...)")
    v = verdict or resolve_support(hardware, f, engine, ctx=ctx)
    mem = estimate_memory(model, f, w, hardware, finetune=finetune, formats=ctx.formats)
    speed = speed_for(model, f, w, hardware, v, ctx, engine, backend, calibration, prefer_engines)
    hits = _measured(measurements, hardware, model, f, w, engine)
    if hits:
        speed = _measured_speed(speed, hits, w)
    return Estimate(
        model_id=model.id,
        hardware=hardware.sku_id or hardware.name,
        format_id=f.id,
        engine=speed.engine or engine,
        workload=w,
        support=v,
        memory=mem,
        speed=speed,
        quality=_quality(model, f, ctx),
    )


def speed_for(
    model: ModelSpec,
    f: Format,
    w: Workload,
    hardware: HardwareTarget,
    v: Verdict,
    ctx: Context,
    engine: str | None = None,
    backend: str | None = None,
    calibration: Calibration | None = None,
    prefer_engines: tuple[str, ...] = (),
) -> SpeedEstimate:
    """The speed through ``engine``, or with none named, through the engine with a route that finishes the workload
    soonest (highest output tokens/s over prefill and decode; of
    ``prefer_engines`` when one of them has a route; ties: engine id), with its calibration factors; an engine that
    splits layers instead of tensors gains no speed from GPUs."""
    if engine is None and not v.engine_paths and v.level is Support.EMULATED:
        # an emulated format runs in whichever engine runs the device's native 16-bit format, converting as it
        # loads: the same engine's efficiencies, so it is never credited with another engine's better ones
        native_id = sixteen_bit(hardware)
        native = ctx.formats.get(native_id)
        if native is not None and native_id != f.id:
            nv = resolve_support(hardware, native, None, ctx=ctx)
            if nv.engine_paths:
                ref = speed_for(model, native, w, hardware, nv, ctx, None, backend, None, prefer_engines)
                engine = ref.engine or None
    if engine is not None or not v.engine_paths:
        return _speed_one(model, f, w, hardware, v, ctx, engine, backend, calibration)
    candidates = sorted(set(v.engines) & set(prefer_engines)) or sorted(set(v.engines))
    best: tuple[float, SpeedEstimate] | None = None
    for eid in candidates:
        s = _speed_one(model, f, w, hardware, v, ctx, eid, backend, calibration)
        # the engine that finishes the workload soonest (its prompts and its outputs), decode rate when unknown
        rate = (s.output_tok_s or 0.0) + (s.decode_tok_s or 0.0) * 1e-9
        if best is None or rate > best[0]:
            best = (rate, s)
    return best[1]  # type: ignore[index]


def _speed_one(model, f, w, hardware, v, ctx, engine, backend, calibration) -> SpeedEstimate:
    factors, basis, band = PhaseFactors(), "estimated", None
    if calibration is not None:
        pre = calibration.lookup("prefill", hardware.sku_id, engine, f.id)
        dec = calibration.lookup("decode", hardware.sku_id, engine, f.id)
        if pre or dec:
            factors = PhaseFactors(prefill=pre.scale if pre else 1.0, decode=dec.scale if dec else 1.0)
            n = max(pre.n if pre else 0, dec.n if dec else 0)
            basis = f"calibrated from {n} measurement{'s' if n != 1 else ''}"
            used = dec or pre
            band = used.band if used else None
    layer_split = w.gpus > 1 and engine is not None and engine not in TENSOR_PARALLEL_ENGINES
    speed_w = replace(w, gpus=1) if layer_split else w  # layer split: each token still walks every layer in turn
    speed = estimate_speed(
        model,
        f,
        speed_w,
        hardware,
        v,
        ctx=ctx,
        engine=engine,
        backend=backend,
        factors=factors,
        basis=basis,
        band_scale=band,
    )
    if layer_split:
        note = f"{engine} splits layers across GPUs (no tensor parallelism): no speed-up"
        speed = replace(speed, notes=(*speed.notes, note))
    return speed


def _quality(model: ModelSpec, f: Format, ctx: Context) -> QualityEstimate:
    """The same quality the ranking uses (``advisor.quality.model_quality``: published evidence, then the format
    table), with the model's own published format as the reference."""
    return model_quality(model, f, native=ctx.formats.get(model.native_dtype or ""))
