"""Which estimate a measurement must be compared with, and the comparison itself: one rule for every caller.

``expectation(m)`` turns a ``Measurement`` into the ``Workload`` it describes and the estimator quantity that
measured the same thing; ``compare(m, ctx)`` runs the estimate and returns the ``Comparison`` (predicted value,
error, speed ratio, phase). The Benchmarks page shows ``Comparison.error_pct``, calibration
(``advisor.calibration``) fits on ``Comparison.speed_ratio`` and the validation harness (``bench/validation``)
scores ``Comparison.error_pct``: the error shown for a row is the error calibration corrects.

Rules (metric x load -> estimator quantity of ``advisor.speed.SpeedEstimate``):

=================  ===========================================  ==============================================
metric             STATIC batch (llama-bench, bench latency)    CONCURRENT / MAX_LOAD (a continuous-batching
                                                                server kept full)
=================  ===========================================  ==============================================
decode_tok_s       ``decode_tok_s`` (per_seq: per sequence)     the same, at the concurrency
prefill_tok_s      ``prefill_tok_s``                            the same
ttft_ms            ``ttft_ms`` (prefill of the whole batch)     the mean wait of a burst of ``batch`` requests:
                                                                (batch + 1) / (2 batch) x ``ttft_ms``
tpot_ms, itl_ms    ``tpot_ms`` (one decode step)                ``tpot_ms`` at the concurrency
output_tok_s       ``output_tok_s`` (batch x out / e2e)         ``output_tok_s_inflight`` (steady state)
total_tok_s        the same x (in + out) / out                  the same x (in + out) / out
e2e_ms             ``e2e_s`` (prefill + out x decode step)      that TTFT + out x decode step at the concurrency
memory_gb          ``memory.total_gb`` (per_gpu: per GPU)       the same
=================  ===========================================  ==============================================

A closed-loop benchmark at concurrency N (``vllm bench serve --max-concurrency``, GenAI-Perf, a burst of N
requests) starts N requests together; their prompts are prefilled in turn, so the k-th waits k/N of the
batch's prefill. ``scope = per_gpu`` divides the all-GPU quantity by ``gpus``. MAX_LOAD rows are estimated at the largest batch
the memory estimate fits, capped at the engine's default scheduler limit (``max_batch_default`` in its engine
file). Not comparable, with the reason in ``Comparison.note``: quality scores (the quality model judges those),
open-loop request rates, a concurrency that is not given, a length the metric needs that the file does not give,
latencies at maximum load (mostly queueing), and any hardware, model or format outside the catalog.

Phase (the calibration bucket): decode for decode_tok_s, tpot_ms and itl_ms; prefill for prefill_tok_s and
ttft_ms; for whole-run metrics (output_tok_s, total_tok_s, e2e_ms) the phase with the larger share of the
estimated time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from advisor.measurement import Load, Measurement, Metric, Scope
from advisor.workload import Workload

if TYPE_CHECKING:
    from advisor.calibration import Calibration
    from advisor.context import Context
    from advisor.estimate import Estimate
    from advisor.formats import Format
    from advisor.hardware import HardwareTarget
    from advisor.models import ModelSpec

#: Batch cap for MAX_LOAD rows when the engine file names none (a scheduler default we have not checked).
FALLBACK_MAX_BATCH = 256
#: Output length assumed for a decode-rate row that states none (llama-bench's default ``-n 128``).
DEFAULT_TG_TOKENS = 128


@dataclass(frozen=True)
class Expectation:
    """What a measurement describes, in the estimator's terms."""

    workload: Workload  # batch is the row's batch; for MAX_LOAD the search starts from it
    quantity: str  # a key of ``QUANTITIES``
    phase: str  # "decode" | "prefill" | "mixed" (decided on the estimate) | "memory"
    max_load: bool = False


@dataclass(frozen=True)
class Comparison:
    measurement: Measurement
    predicted: float | None  # the estimate of exactly what was measured (None: no estimate)
    phase: str = ""  # calibration bucket: "decode" | "prefill" | "memory"
    workload: Workload | None = None  # the workload the estimate was made for (MAX_LOAD: the batch found)
    note: str = ""  # why there is no prediction, or what was assumed
    basis: str = ""  # the estimate's basis ("estimated", "calibrated from N measurements")
    hardware: str = ""  # the target the estimate used

    @property
    def error_pct(self) -> float | None:
        """(predicted - measured) / measured x 100: positive = the estimate is too high."""
        if self.predicted is None:
            return None
        return (self.predicted - self.measurement.value) / self.measurement.value * 100.0

    @property
    def speed_ratio(self) -> float | None:
        """Measured speed / estimated speed (> 1: faster than estimated); inverted for latencies. This is the
        multiplier calibration applies to the phase's estimated rate."""
        if self.predicted is None or self.predicted <= 0 or self.phase not in ("decode", "prefill"):
            return None
        ratio = self.measurement.value / self.predicted
        return 1.0 / ratio if self.measurement.metric.is_time else ratio

    @property
    def log_error(self) -> float | None:
        """ln(predicted / measured): the symmetric error the fit and the bands use."""
        if self.predicted is None or self.predicted <= 0:
            return None
        return math.log(self.predicted / self.measurement.value)


class NotComparable(ValueError):
    """The measurement has no like-for-like estimate; the message says why."""


_DECODE = {Metric.DECODE_TOK_S, Metric.TPOT_MS, Metric.ITL_MS}
_PREFILL = {Metric.PREFILL_TOK_S, Metric.TTFT_MS}
_WHOLE_RUN = {Metric.OUTPUT_TOK_S, Metric.TOTAL_TOK_S, Metric.E2E_MS}


def expectation(m: Measurement) -> Expectation:
    """The workload and estimator quantity ``m`` corresponds to; ``NotComparable`` when there is none."""
    metric = m.metric
    if metric is Metric.QUALITY:
        raise NotComparable("a quality score: judged by the quality model, not compared with a speed estimate")
    if m.load is Load.RATE:
        raise NotComparable(
            "an open-loop request rate: a steady-state estimate needs the concurrency (run with --max-concurrency)"
        )
    serving = m.load in (Load.CONCURRENT, Load.MAX_LOAD)
    if m.load is Load.MAX_LOAD and metric in (Metric.TTFT_MS, Metric.E2E_MS):
        raise NotComparable(
            f"{metric.value} at maximum load (every request sent at once) is mostly time spent queueing, which "
            "depends on the request count, not the hardware; measure it at a fixed concurrency"
        )
    if m.load is Load.CONCURRENT and not m.batch:
        raise NotComparable("the concurrency is not given, so the load is open-ended")
    batch = m.batch or 1
    prefix = max(0, m.context_depth)
    inp, out = m.input_len, m.output_len
    if metric is Metric.PREFILL_TOK_S or metric is Metric.TTFT_MS:
        if not inp:
            raise NotComparable(f"{metric.value} needs the prompt length, which the file does not give")
        w = Workload(batch=batch, input_len=inp, output_len=0 if metric is Metric.PREFILL_TOK_S else 1)
    elif metric in _DECODE:
        w = Workload(batch=batch, input_len=max(1, inp or 0), output_len=out or DEFAULT_TG_TOKENS)
    elif metric in _WHOLE_RUN:
        if not inp or not out:
            raise NotComparable(f"{metric.value} needs both the prompt and the output length")
        w = Workload(batch=batch, input_len=inp, output_len=out)
    else:  # memory
        w = Workload(batch=batch, input_len=max(1, inp or 1), output_len=out or 0)
    w = replace(w, gpus=m.gpus, kv_format=m.kv_format, prefix_len=prefix)
    quantity = metric.value
    if metric in (Metric.TPOT_MS, Metric.ITL_MS):
        quantity = "tpot_ms"
    if serving and metric in (Metric.TTFT_MS, Metric.E2E_MS, Metric.OUTPUT_TOK_S, Metric.TOTAL_TOK_S):
        quantity += "_serving"
    if m.scope is Scope.PER_SEQ and metric is Metric.DECODE_TOK_S:
        quantity = "decode_tok_s_per_seq"
    phase = "decode" if metric in _DECODE else "prefill" if metric in _PREFILL else "mixed"
    if metric is Metric.MEMORY_GB:
        phase = "memory"
    return Expectation(w, quantity, phase, max_load=m.load is Load.MAX_LOAD)


def quantity_value(est: Estimate, ex: Expectation) -> float | None:
    """The estimate of ``ex.quantity`` (see the module docstring)."""
    s, w = est.speed, est.workload
    q = ex.quantity
    if q == "memory_gb":
        return est.memory.total_gb
    if q in ("decode_tok_s", "prefill_tok_s", "tpot_ms", "decode_tok_s_per_seq"):
        return getattr(s, q)
    if q == "ttft_ms":
        return s.ttft_ms
    if q == "ttft_ms_serving":
        return s.ttft_ms * (w.batch + 1) / (2 * w.batch) if s.ttft_ms else None
    if q == "output_tok_s":
        return s.output_tok_s
    if q == "output_tok_s_serving":
        return s.output_tok_s_inflight
    if q == "total_tok_s":
        return s.output_tok_s * (w.input_len + w.output_len) / w.output_len if s.output_tok_s else None
    if q == "total_tok_s_serving":
        inflight = s.output_tok_s_inflight
        return inflight * (w.input_len + w.output_len) / w.output_len if inflight else None
    if q == "e2e_ms":
        return s.e2e_s * 1e3 if s.e2e_s else None
    if q == "e2e_ms_serving":
        if s.ttft_ms is None or s.tpot_ms is None:
            return None
        return s.ttft_ms * (w.batch + 1) / (2 * w.batch) + w.output_len * s.tpot_ms
    raise ValueError(f"unknown estimator quantity {q!r}")


def _dominant_phase(est: Estimate) -> str:
    s, w = est.speed, est.workload
    t_pre = (s.ttft_ms or 0.0) / 1e3
    t_dec = w.output_len * (s.tpot_ms or 0.0) / 1e3
    return "prefill" if t_pre > t_dec else "decode"


def resolve(
    m: Measurement, ctx: Context, target: HardwareTarget | None = None
) -> tuple[HardwareTarget, ModelSpec, Format]:
    """The catalog objects a measurement names (``target`` instead of its SKU when given); ``NotComparable``
    naming what is missing."""
    from advisor.formats import FormatKind
    from advisor.models import active_params_from_label, custom_model

    if target is None:
        if not m.hardware_sku:
            raise NotComparable(f"hardware not in the catalog ({m.hardware_raw or 'not given'})")
        try:
            target = ctx.target(m.hardware_sku)
        except KeyError as exc:
            raise NotComparable(str(exc.args[0])) from None
    if m.model_id and m.model_id in ctx.models:
        model = ctx.models[m.model_id]
    elif m.params_b:
        # an unknown model: a Llama-like shape of its parameter count, costed per token by the active parameters
        # when its size label states them ("deepseek2 30B.A3B Q8_0": 3B of 30B read per token, not 30B)
        active = active_params_from_label(m.model_raw, float(m.params_b))
        model = custom_model(params_b=float(m.params_b), active_params_b=active)
    else:
        raise NotComparable(f"model not in the catalog ({m.model_raw or 'not given'}) and no parameter count")
    if not m.format_id or m.format_id not in ctx.formats:
        raise NotComparable(f"format not in the catalog ({m.format_raw or 'not given'})")
    fmt = ctx.formats[m.format_id]
    if fmt.kind is not FormatKind.WEIGHTS:
        raise NotComparable(f"{fmt.id} is not a weight format")
    if m.model_size_gib and fmt.whole_model_average:
        # the file's real size wins over the format's average bits per weight (GGUF mixes types per tensor)
        bpw = m.model_size_gib * 2**30 * 8 / (model.params_b * 1e9)
        if 1.0 <= bpw <= 32.0:
            fmt = replace(fmt, bits_per_weight=bpw)
    return target, model, fmt


def max_batch(ctx: Context, engine: str | None) -> int:
    e = ctx.engines.get(engine or "")
    return (e.max_batch_default if e is not None and e.max_batch_default else None) or FALLBACK_MAX_BATCH


@dataclass(frozen=True)
class Prepared:
    """A measurement resolved to the estimate it is compared with: everything but the speed parameters is fixed
    (the workload, for MAX_LOAD rows the batch found from memory, the engine and the support verdict), so the
    fit (``bench/validation/fit.py``) can re-score it under other parameters with ``evaluate``."""

    measurement: Measurement
    expectation: Expectation
    estimate: Estimate
    model: ModelSpec
    fmt: Format
    engine: str | None
    backend: str | None
    calibration: Calibration | None
    note: str
    hardware: HardwareTarget


def prepare(
    m: Measurement,
    ctx: Context | None = None,
    *,
    calibration: Calibration | None = None,
    target: HardwareTarget | None = None,
) -> Prepared | Comparison:
    """The estimate ``m`` is compared with, or the ``Comparison`` saying why there is none."""
    from advisor.context import default_context
    from advisor.estimate import estimate

    ctx = ctx or default_context()
    try:
        ex = expectation(m)
        hw, model, fmt = resolve(m, ctx, target)
    except NotComparable as exc:
        return Comparison(m, None, note=str(exc))
    engine = m.engine if m.engine in ctx.engines else None
    args = {
        "model": model,
        "fmt": fmt,
        "hardware": hw,
        "engine": engine,
        "calibration": calibration,
        "backend": m.backend or None,
    }
    note = "" if engine or not m.engine else f"engine {m.engine!r} is not in the catalog: estimated for any engine"
    try:
        if ex.max_load:
            batch, est = _max_load(
                lambda b: estimate(**args, workload=replace(ex.workload, batch=b), ctx=ctx), max_batch(ctx, engine)
            )
            if est is None:
                return Comparison(m, None, note="does not fit at batch 1 by the memory estimate", hardware=hw.name)
            note = "; ".join(x for x in (note, f"max load estimated at batch {batch}") if x)
        else:
            est = estimate(**args, workload=ex.workload, ctx=ctx)
    except (ValueError, ArithmeticError) as exc:  # a shape the estimator refuses (e.g. a KV format id unknown)
        return Comparison(m, None, note=f"no estimate: {exc}", hardware=hw.name)
    return Prepared(m, ex, est, model, fmt, engine, m.backend or None, calibration, note, hw)


def evaluate(p: Prepared, ctx: Context | None = None) -> Comparison:
    """The comparison of a prepared measurement; with ``ctx`` the speed is re-estimated under its parameters."""
    from advisor.estimate import speed_for

    est, ex, m = p.estimate, p.expectation, p.measurement
    try:
        if ctx is not None:
            speed = speed_for(
                p.model, p.fmt, est.workload, p.hardware, est.support, ctx, p.engine, p.backend, p.calibration
            )
            est = replace(est, speed=speed)
        value = quantity_value(est, ex)
    except (ValueError, ArithmeticError) as exc:
        return Comparison(m, None, note=f"no estimate: {exc}", hardware=p.hardware.name)
    if value is not None and m.scope is Scope.PER_GPU:
        value /= m.gpus
    phase = _dominant_phase(est) if ex.phase == "mixed" else ex.phase
    if value is None:
        why = "; ".join(est.speed.notes) or "the estimator has no figure for this quantity"
        return Comparison(m, None, phase, est.workload, f"no estimate: {why}", est.speed.basis, p.hardware.name)
    return Comparison(m, float(value), phase, est.workload, p.note, est.speed.basis, p.hardware.name)


def compare(
    m: Measurement,
    ctx: Context | None = None,
    *,
    calibration: Calibration | None = None,
    target: HardwareTarget | None = None,
) -> Comparison:
    """The estimate of exactly what ``m`` measured, next to it (see the module docstring).

    ``target`` overrides the catalog SKU (a probed device); ``calibration`` is for callers that score a
    calibrated estimate (never pass the calibration fitted on ``m`` itself: that echoes the measurement)."""
    p = prepare(m, ctx, calibration=calibration, target=target)
    return p if isinstance(p, Comparison) else evaluate(p)


def _max_load(run, cap: int) -> tuple[int, Estimate | None]:
    """Largest batch <= cap whose memory estimate fits (bisection: fit is monotone in batch)."""
    first = run(1)
    if first.memory.fits is False:
        return 1, None
    top = run(cap)
    if top.memory.fits is not False:
        return cap, top
    lo, hi, best = 1, cap, first
    while hi - lo > 1:
        mid = (lo + hi) // 2
        est = run(mid)
        if est.memory.fits is False:
            hi = mid
        else:
            lo, best = mid, est
    return lo, best


def compare_all(measurements, ctx: Context | None = None, **kw) -> list[Comparison]:
    """``compare`` for each measurement, in order (estimates are cached per identical request)."""
    return [compare(m, ctx, **kw) for m in measurements]
