"""One estimate for (model, format, hardware, workload): support verdict, memory, speed, quality.

Also calibration: ``calibrate(measurements, targets)`` fits a per-phase efficiency multiplier for each
(hardware, engine, format) from measured rows (geometric mean of measured / estimated), falling back to
(hardware, engine, any format) and (hardware, any engine, any format). An exactly matching measurement
replaces the estimate (basis "measured").
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from advisor.formats import Format, FormatKind, default_formats, get_format
from advisor.memory import MemoryEstimate, estimate_memory
from advisor.quality import QualityEstimate, expected_quality
from advisor.speed import PhaseFactors, SpeedEstimate, estimate_speed
from advisor.support import Verdict, resolve_support
from advisor.workload import Workload

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from advisor.evidence import Measurement
    from advisor.hardware import HardwareTarget
    from advisor.models import ModelSpec
    from hardware_db.schema import Engine

ANY = "*"
#: Engines that shard every layer across GPUs (tensor parallelism); the others split layers (llama.cpp, MLX,
#: transformers' device_map), which adds memory but no speed.
TENSOR_PARALLEL_ENGINES = ("vllm", "sglang", "tensorrt_llm")
MIN_CALIBRATED_BAND = math.log(1.15)


@dataclass(frozen=True)
class CalibrationFactor:
    scale: float  # measured / estimated, geometric mean
    n: int
    log_sd: float
    sources: tuple[str, ...] = ()

    @property
    def band(self) -> tuple[float, float]:
        spread = max(2 * self.log_sd, MIN_CALIBRATED_BAND)
        return math.exp(-spread), math.exp(spread)


@dataclass(frozen=True)
class Calibration:
    """Per-phase efficiency multipliers keyed by (phase, hardware sku, engine, format); ``*`` = any."""

    factors: Mapping[tuple[str, str, str, str], CalibrationFactor] = field(default_factory=dict)
    n_measurements: int = 0
    skipped: tuple[str, ...] = ()

    def lookup(self, phase: str, sku: str | None, engine: str | None, fmt: str) -> CalibrationFactor | None:
        if not sku:
            return None
        for key in ((phase, sku, engine or ANY, fmt), (phase, sku, ANY, fmt), (phase, sku, engine or ANY, ANY)):
            if key in self.factors:
                return self.factors[key]
        return self.factors.get((phase, sku, ANY, ANY))


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


def _matching_measurement(
    measurements: Iterable[Measurement], hardware: HardwareTarget, model: ModelSpec, fmt: Format, w: Workload
) -> Measurement | None:
    for m in measurements:
        if (
            m.hardware_sku == hardware.sku_id
            and hardware.sku_id
            and m.model_id == model.id
            and m.format_id == fmt.id
            and (m.gpus or 1) == w.gpus
            and m.batch in (None, w.batch)
            and m.input_len in (None, w.input_len)
            and m.output_len in (None, w.output_len)
            and (m.decode_tok_s or m.prefill_tok_s)
        ):
            return m
    return None


def _measured_speed(base: SpeedEstimate, m: Measurement, w: Workload) -> SpeedEstimate:
    decode = m.decode_tok_s if m.decode_tok_s is not None else base.decode_tok_s
    prefill = m.prefill_tok_s if m.prefill_tok_s is not None else base.prefill_tok_s
    tpot = (w.batch / decode * 1e3) if decode else base.tpot_ms
    ttft = (w.batch * w.input_len / prefill * 1e3) if prefill else base.ttft_ms
    e2e = (ttft / 1e3 + w.output_len * tpot / 1e3) if (ttft and tpot) else base.e2e_s
    band = {k: (v, v) for k, v in (("decode_tok_s", decode), ("prefill_tok_s", prefill)) if v}
    return SpeedEstimate(
        prefill_tok_s=prefill,
        decode_tok_s=decode,
        decode_tok_s_per_seq=(decode / w.batch) if decode else None,
        ttft_ms=ttft,
        tpot_ms=tpot,
        e2e_s=e2e,
        output_tok_s=(w.batch * w.output_len / e2e) if (e2e and w.output_len) else None,
        math_format=base.math_format,
        prefill_bound=base.prefill_bound,
        decode_bound=base.decode_bound,
        basis="measured",
        band=band,
        notes=(*base.notes, f"measured: {m.source or m.label or 'uploaded row'}"),
        efficiency=base.efficiency,
    )


def estimate(
    model: ModelSpec,
    fmt: Format | str,
    hardware: HardwareTarget,
    workload: Workload | None = None,
    engine: str | None = None,
    *,
    calibration: Calibration | None = None,
    measurements: Iterable[Measurement] = (),
    engines: Mapping[str, Engine] | None = None,
    formats: dict[str, Format] | None = None,
    finetune: bool = False,
    verdict: Verdict | None = None,
) -> Estimate:
    """Everything the advisor knows about running ``model`` in ``fmt`` on ``hardware``."""
    w = workload or Workload()
    f = fmt if isinstance(fmt, Format) else get_format(fmt, formats)
    if f.kind is not FormatKind.WEIGHTS:
        raise ValueError(f"{f.id} is a KV-cache format: pass it as Workload(kv_format=...)")
    v = verdict or resolve_support(hardware, f, engine, engines=engines, formats=formats)
    mem = estimate_memory(model, f, w, hardware, finetune=finetune, formats=formats)
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
    speed_w = w
    if w.gpus > 1 and v.engine_paths and not any(e in TENSOR_PARALLEL_ENGINES for e in v.engines):
        speed_w = replace(w, gpus=1)  # layer split: each token still walks every layer in turn
    speed = estimate_speed(
        model, f, speed_w, hardware, v, factors=factors, basis=basis, band_scale=band, formats=formats, engine=engine
    )
    if speed_w is not w:
        speed = replace(
            speed,
            notes=(
                *speed.notes,
                f"{', '.join(v.engines)} splits layers across GPUs (no tensor parallelism): no speed-up",
            ),
        )
    hit = _matching_measurement(measurements, hardware, model, f, w)
    if hit is not None:
        speed = _measured_speed(speed, hit, w)
    return Estimate(
        model_id=model.id,
        hardware=hardware.sku_id or hardware.name,
        format_id=f.id,
        engine=engine,
        workload=w,
        support=v,
        memory=mem,
        speed=speed,
        quality=_quality(model, f, formats),
    )


def _quality(model: ModelSpec, f: Format, formats: dict[str, Format] | None) -> QualityEstimate:
    table = formats or default_formats()
    native = table.get(model.native_dtype)
    return expected_quality(
        f,
        model.params_b,
        model.native_dtype,
        native_weight_bits=native.weight_bits if native is not None else None,
        has_release=any(r.format_id == f.id for r in model.releases),
    )


def _model_for(m: Measurement, models: Mapping[str, ModelSpec] | None) -> ModelSpec | None:
    if m.model_id and models and m.model_id in models:
        return models[m.model_id]
    if m.params_b:
        from advisor.models import custom_model

        return custom_model(params_b=m.params_b)
    return None


@dataclass(frozen=True)
class CalibrationRatio:
    """One measured / estimated comparison (natural log) for a phase on (hardware sku, engine, format)."""

    phase: str  # "prefill" | "decode"
    sku: str
    engine: str  # "" or "*" = any
    format_id: str
    log_ratio: float
    label: str = ""


def calibration_from_ratios(ratios: Iterable[CalibrationRatio]) -> Calibration:
    """Geometric-mean multipliers per (phase, sku, engine, format), with fallbacks to any engine / any format.

    The single fitting rule behind ``calibrate()`` (from stored measurements) and the validation set's
    dev-only calibration (``advisor.validation.calibrate_on_dev``)."""
    grouped: dict[tuple[str, str, str, str], list[tuple[float, str]]] = defaultdict(list)
    n = 0
    for r in ratios:
        n += 1
        eng = r.engine or ANY
        for key in (
            (r.phase, r.sku, eng, r.format_id),
            (r.phase, r.sku, ANY, r.format_id),
            (r.phase, r.sku, eng, ANY),
            (r.phase, r.sku, ANY, ANY),
        ):
            grouped[key].append((r.log_ratio, r.label))
    factors = {}
    for key, rows in sorted(grouped.items()):
        logs = sorted(set(rows))  # the same row reached via two keys counts once
        vals = [lr for lr, _ in logs]
        mean = sum(vals) / len(vals)
        sd = math.sqrt(sum((x - mean) ** 2 for x in vals) / (len(vals) - 1)) if len(vals) > 1 else 0.0
        factors[key] = CalibrationFactor(math.exp(mean), len(vals), sd, tuple(src for _, src in logs))
    return Calibration(factors=factors, n_measurements=n)


def calibrate(
    measurements: Iterable[Measurement],
    targets: Mapping[str, HardwareTarget] | Callable[[str], HardwareTarget | None],
    models: Mapping[str, ModelSpec] | None = None,
    *,
    engines: Mapping[str, Engine] | None = None,
    formats: dict[str, Format] | None = None,
) -> Calibration:
    """Fit per-phase efficiency multipliers from measured rows (see the module docstring)."""
    table = formats or default_formats()
    all_ratios: list[CalibrationRatio] = []
    skipped: list[str] = []
    used = 0
    for i, m in enumerate(measurements):
        label = m.source or m.label or f"row {i}"
        target = (
            (targets.get(m.hardware_sku) if hasattr(targets, "get") else targets(m.hardware_sku))
            if m.hardware_sku
            else None
        )  # type: ignore[union-attr,operator]
        model = _model_for(m, models)
        if target is None or model is None or not m.format_id or m.format_id not in table:
            skipped.append(f"{label}: unknown hardware, model or format")
            continue
        f = table[m.format_id]
        if f.kind is not FormatKind.WEIGHTS:
            skipped.append(f"{label}: {f.id} is not a weight format")
            continue
        w = Workload(
            batch=m.batch or 1,
            input_len=max(1, m.input_len or 512),
            output_len=max(0, m.output_len if m.output_len is not None else 128),
            gpus=m.gpus or 1,
        )
        est = estimate_speed(model, f, w, target, resolve_support(target, f, m.engine or None, engines=engines))
        row_used = False
        pre_rate = (1e3 / m.ttft_ms) if (m.ttft_ms and not m.prefill_tok_s) else None  # a time: compare as a rate
        est_pre_rate = (1e3 / est.ttft_ms) if (pre_rate and est.ttft_ms) else None
        for phase, measured, predicted in (
            ("prefill", m.prefill_tok_s, est.prefill_tok_s),
            ("prefill", pre_rate, est_pre_rate),
            ("decode", m.decode_tok_s or ((1e3 / m.tpot_ms) * w.batch if m.tpot_ms else None), est.decode_tok_s),
        ):
            if measured and predicted and measured > 0:
                all_ratios.append(
                    CalibrationRatio(
                        phase, target.sku_id or "", m.engine or ANY, f.id, math.log(measured / predicted), label
                    )
                )
                row_used = True
        if row_used:
            used += 1
        else:
            skipped.append(f"{label}: no prefill or decode figure to compare")
    cal = calibration_from_ratios(all_ratios)
    return Calibration(factors=cal.factors, n_measurements=used, skipped=tuple(skipped))
