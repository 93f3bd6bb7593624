"""Ranking: for a model, hardware target and workload profile, which formats to use and why.

Score (higher is better) = profile speed metric x support factor x quality factor x release bonus, over
the formats that run, fit and stay within the quality tolerance:
* speed metric: per-sequence decode tok/s (interactive), aggregate output tok/s (serving), prefill tok/s
  (long context), 1 / memory (memory-constrained), training tokens/s (QLoRA fine-tuning);
* support factor: native 1.0, weight-only by design 0.95, weight-only fallback 0.85 (memory win only),
  emulated 0.5: so native wins unless a weight-only format is clearly faster; x0.8 when no engine file records
  a path for it on this architecture (the hardware runs the math, but you may need your own kernels);
* quality factor: 1 - ppl increase (%)/100 (a qualitative level: its class midpoint; unknown: 0.9);
* release bonus: x1.05 when the model's publisher (or a major vendor) ships this format and it runs natively.
Formats some engine file runs come first; formats only the hardware supports (no engine path recorded) follow.
For the serving profile, formats that no continuous-batching engine (vLLM, SGLang, TensorRT-LLM) runs score x0.7.
Ties break on the format id, so the result is deterministic and independent of input order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from advisor.context import Context, default_context
from advisor.deploy import DeployPlan, deploy_plan, release_for_engine, release_serialization
from advisor.estimate import Estimate, estimate
from advisor.fit_options import FitOption, MoeMixedPlan, fit_options, moe_mixed_plan
from advisor.formats import Format, FormatKind, get_format
from advisor.memory import split_params
from advisor.models import attention_layer_count
from advisor.quality import model_quality, parse_tolerance, within_tolerance
from advisor.support import resolve_support
from advisor.workload import Profile, Workload
from hardware_db.schema import Support

if TYPE_CHECKING:
    from collections.abc import Mapping

    from advisor.calibration import Calibration
    from advisor.hardware import HardwareTarget
    from advisor.measurement import Measurement
    from advisor.models import ModelSpec, QuantizedRelease

SUPPORT_FACTOR = {"native": 1.0, "weight_only_design": 0.95, "weight_only_fallback": 0.85, "emulated": 0.5}
NO_ENGINE_FACTOR = 0.8
SERVING_ENGINES = ("vllm", "sglang", "tensorrt_llm", "vllm_gaudi", "vllm_tpu")
#: Profiles served to many users by a continuous-batching server: the speed is that of a serving engine when one
#: runs the format.
SERVER_PROFILES = frozenset({Profile.SERVING, Profile.LONG_CONTEXT})
NON_SERVING_ENGINE_FACTOR = 0.7
RELEASE_BONUS = 1.05
#: Segments where llama.cpp/GGUF is a mainstream serving choice (desktop and workstation GPUs, laptops).
CONSUMER_SEGMENTS = frozenset({"consumer", "workstation", "laptop", "edge"})
#: GGUF on a GPU that a serving engine runs, when the user did not pick llama.cpp: llama.cpp targets CPUs and
#: consumer GPUs, and vLLM documents its GGUF support as experimental (the vendor rule "batch-1 datacenter: W4A16
#: Marlin-class or FP8, not a CPU-oriented GGUF type").
GGUF_NOT_CHOSEN_FACTOR = 0.6
#: Quality weight of the score: exp(-loss% / QUALITY_EFOLD_PCT), so a format that loses one point more must be
#: about 10% faster to rank above. The exchange rate follows the vendors' own rankings: ModelOpt puts FP8 (very
#: low accuracy impact) before W4A8 AWQ (low) at large batch, where it rates their speed alike; llama.cpp's
#: quantize guide recommends Q4_K_M over the 3-bit k-quants as the size/quality balance; NVFP4 (~1% loss) at
#: ~1.5-2x FP8's throughput on Blackwell ranks first, as NVIDIA recommends.
QUALITY_EFOLD_PCT = 10.0
#: Scores within this ratio are shown as a tie on the Advise page (well inside the estimates' error band).
TIE_SCORE_RATIO = 0.9
#: An unknown loss weighs like about one point (exp(-1/10) = 0.9), and ranks after the known ones.
UNKNOWN_QUALITY_FACTOR = 0.9
#: A qualitative (ModelOpt) level scores at the middle of its class (quality.CLASS_UPPER_PCT).
LEVEL_MIDPOINT_PCT = {"very_low": 0.5, "low": 3.0, "medium": 10.0, "high": 25.0}
#: Formats a QLoRA-style fine-tune can train adapters on (the frozen base stays in this format).
FINETUNE_FORMATS = ("bf16", "fp16", "bnb_nf4", "bnb_int8", "int4_gptq_w4a16", "int4_awq_w4a16")


@dataclass(frozen=True)
class Request:
    model: ModelSpec
    hardware: HardwareTarget
    profile: Profile = Profile.SERVING
    workload: Workload | None = None  # None: the profile's defaults
    engine: str | None = None  # restrict to one engine
    tolerance: str | float = "moderate"  # "strict" | "moderate" | "relaxed" | max ppl increase in %
    formats: tuple[str, ...] | None = None  # restrict to these format ids
    calibration: Calibration | None = None
    measurements: tuple[Measurement, ...] = ()
    include_unknown_quality: bool = True  # unknown quality is its own case: ranked (flagged) or rejected

    def resolved_workload(self) -> Workload:
        return self.workload or Workload.for_profile(self.profile)


@dataclass(frozen=True)
class Candidate:
    format_id: str
    format_name: str
    score: float
    estimate: Estimate
    engines: tuple[str, ...]
    release: QuantizedRelease | None
    reasons: tuple[str, ...]
    deploy: DeployPlan | None = None
    fallback: bool = False  # a weight-only fallback path (memory win only)
    partial_rates: bool = False  # a needed rate (prefill) is unknown: ranked after fully estimated formats


@dataclass(frozen=True)
class Rejected:
    format_id: str
    format_name: str
    why: str
    estimate: Estimate | None


@dataclass(frozen=True)
class MixedPrecision:
    description: str
    attention_format: str
    mlp_format: str
    weights_gb: float
    per_gpu_gb: float
    fits: bool | None
    decode_tok_s_per_seq: float | None
    reason: str


@dataclass(frozen=True)
class KvCacheSuggestion:
    kv_format: str
    kv_cache_gb_before: float
    kv_cache_gb_after: float
    decode_tok_s_before: float | None
    decode_tok_s_after: float | None
    engines: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Recommendation:
    model_id: str
    hardware: str
    profile: Profile
    workload: Workload
    ranked: tuple[Candidate, ...]
    rejected: tuple[Rejected, ...]
    mixed_precision: MixedPrecision | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    kv_cache: KvCacheSuggestion | None = None
    fit_options: tuple[FitOption, ...] = ()
    moe_mixed: MoeMixedPlan | None = None

    @property
    def best(self) -> Candidate | None:
        return self.ranked[0] if self.ranked else None

    def to_dict(self) -> dict:
        def cand(c: Candidate) -> dict:
            d = c.estimate.to_dict()
            d.pop("detail", None)
            return {
                "format": c.format_id,
                "name": c.format_name,
                "score": c.score,
                "engines": list(c.engines),
                "release": c.release.repo if c.release else None,
                "reasons": list(c.reasons),
                "deploy": c.deploy.to_dict() if c.deploy else None,
                "quality_basis": c.estimate.quality.basis,
                "quality_range_pct": [c.estimate.quality.low_pct, c.estimate.quality.high_pct],
                **{k: v for k, v in d.items() if k not in ("format",)},
            }

        return {
            "model": self.model_id,
            "hardware": self.hardware,
            "profile": self.profile.value,
            "workload": {
                "batch": self.workload.batch,
                "input_len": self.workload.input_len,
                "output_len": self.workload.output_len,
                "gpus": self.workload.gpus,
                "kv_format": self.workload.kv_format,
            },
            "best": self.best.format_id if self.best else None,
            "ranked": [cand(c) for c in self.ranked],
            "rejected": [{"format": r.format_id, "name": r.format_name, "why": r.why} for r in self.rejected],
            "mixed_precision": None if self.mixed_precision is None else self.mixed_precision.__dict__,
            "kv_cache": None if self.kv_cache is None else self.kv_cache.__dict__,
            "notes": list(self.notes),
            "fit_options": [o.to_dict() for o in self.fit_options],
            "moe_mixed": None if self.moe_mixed is None else self.moe_mixed.to_dict(),
        }


def _finetune_tok_s(est: Estimate) -> float | None:
    """Training tokens/s: forward + backward ~ 3x the forward FLOPs, + recompute with checkpointing (4x)."""
    pre = est.speed.prefill_tok_s
    return pre / 4.0 if pre else None


def _metric(profile: Profile, est: Estimate) -> float | None:
    """Higher is better. Latency profiles: 1 / (TTFT + output_len x TPOT) of one request; serving: output tokens
    per second per device over a whole request (prefill of the batch + its decode), so prefill and decode both
    count; a rate that is unknown gives None (the format is then rejected, never ranked as if fast)."""
    s = est.speed
    w = est.workload
    if profile in (Profile.INTERACTIVE, Profile.LONG_CONTEXT, Profile.SERVING):
        if not s.prefill_tok_s or not s.decode_tok_s_per_seq:
            return None
        prefill_s = w.batch * w.input_len / s.prefill_tok_s
        decode_s = w.output_len / s.decode_tok_s_per_seq
        if profile is Profile.SERVING:
            return w.batch * w.output_len / (prefill_s + decode_s) / w.gpus
        return 1.0 / (prefill_s + decode_s)
    if profile is Profile.INTERACTIVE:
        return s.decode_tok_s_per_seq
    if profile is Profile.SERVING:
        return s.output_tok_s or s.decode_tok_s
    if profile is Profile.LONG_CONTEXT:
        return s.prefill_tok_s
    if profile is Profile.MEMORY_CONSTRAINED:
        return 1000.0 / est.memory.total_gb if est.memory.total_gb else None
    return _finetune_tok_s(est)


def _release_for(model: ModelSpec, fmt_id: str) -> QuantizedRelease | None:
    """A published release of the format (any engine): what the release bonus is about."""
    matches = [r for r in model.releases if r.format_id == fmt_id]
    matches.sort(key=lambda r: (not r.official, r.publisher, r.repo))
    return matches[0] if matches else None


def _mixed_precision(
    best: Candidate, model: ModelSpec, request: Request, w: Workload, table: Mapping[str, Format]
) -> MixedPrecision | None:
    """Keep attention (and embeddings) at 8-bit where the best format is <= 4-bit, when it still fits."""
    f = table[best.format_id]
    if f.weight_bits > 4 or model.n_experts:
        return None
    if f.family == "gguf":  # llama.cpp mixes GGUF types per tensor (e.g. attn_v at higher precision)
        attn_fmt = "gguf_q8_0"
    elif f.family == "mlx":
        return None  # no 8-bit MLX format in the catalog to mix with
    else:  # compressed-tensors / ModelOpt checkpoints may carry a different scheme per layer group
        attn_fmt = "fp8_w8a8" if request.hardware.support_level("fp8") is Support.NATIVE else "int8_w8a16"
    if attn_fmt not in table:
        return None
    h, q, kv = model.hidden_size, model.n_heads * model.head_dim, model.n_kv_heads * model.head_dim
    attn_params = attention_layer_count(model) * (h * q + 2 * h * kv + q * h)
    split = split_params(model)
    body = split.body
    if attn_params <= 0 or attn_params >= body:
        return None
    extra = attn_params * (table[attn_fmt].bytes_per_weight - f.bytes_per_weight)
    weights = best.estimate.memory.weights_gb + extra / 1e9
    per_gpu = best.estimate.memory.per_gpu_gb + extra / 1e9 / w.gpus
    avail = best.estimate.memory.available_gb
    fits = None if avail is None else per_gpu <= avail
    if fits is False:
        return None
    dec = best.estimate.speed.decode_tok_s_per_seq
    ratio = None
    if dec and best.estimate.speed.decode_bound == "memory":
        base = best.estimate.memory.weights_gb + best.estimate.memory.kv_cache_gb
        ratio = base / (base + extra / 1e9)
    share = attn_params / body
    if ratio is not None and ratio < MIXED_MIN_DECODE_RATIO:
        return None  # it would cost more than 15% of decode speed: does not pay
    return MixedPrecision(
        description=f"attention projections in {table[attn_fmt].name}, MLP in {f.name}"
        + (", embeddings/lm_head 16-bit" if "embeddings" in f.keep_high_precision else ""),
        attention_format=attn_fmt,
        mlp_format=f.id,
        weights_gb=weights,
        per_gpu_gb=per_gpu,
        fits=fits,
        decode_tok_s_per_seq=dec * ratio if (dec and ratio) else dec,
        reason=(
            f"attention is {share:.0%} of the quantized weights; keeping it at 8-bit costs {extra / 1e9:.1f} GB"
            + (f" and ~{(1 - ratio):.0%} decode speed" if ratio else " and no decode speed (compute-bound)")
            + f"; a lower-risk option than all-{f.weight_bits}-bit when quality matters more than the last GB"
        ),
    )


#: Mixed precision pays only when it keeps at least this share of the all-low-bit decode speed.
MIXED_MIN_DECODE_RATIO = 0.85

#: Suggest a quantized KV cache when the 16-bit cache takes at least this share of the per-GPU memory.
KV_SHARE_THRESHOLD = 0.2


def _kv_suggestion(best: Candidate, request: Request, w: Workload, ctx: Context) -> KvCacheSuggestion | None:
    """An FP8 (else INT8) KV cache for the best format when the KV cache is a large share of memory."""
    if w.kv_format is not None or request.profile not in (Profile.SERVING, Profile.LONG_CONTEXT):
        return None
    mem = best.estimate.memory
    if mem.per_gpu_gb <= 0 or mem.kv_cache_gb / w.gpus < KV_SHARE_THRESHOLD * mem.per_gpu_gb:
        return None
    table = ctx.formats
    for kv in ("kv_fp8", "kv_int8"):
        if kv not in table:
            continue
        v = resolve_support(request.hardware, table[kv], request.engine, ctx=ctx)
        usable = [e for e in v.engines if e in best.engines]
        if not v.runs or not usable:
            continue
        after = estimate(
            request.model,
            table[best.format_id],
            request.hardware,
            replace(w, kv_format=kv),
            request.engine,
            ctx=ctx,
            verdict=best.estimate.support,
        )
        return KvCacheSuggestion(
            kv_format=kv,
            kv_cache_gb_before=mem.kv_cache_gb,
            kv_cache_gb_after=after.memory.kv_cache_gb,
            decode_tok_s_before=best.estimate.speed.decode_tok_s,
            decode_tok_s_after=after.speed.decode_tok_s,
            engines=tuple(usable),
            reason=(
                f"the 16-bit KV cache is {mem.kv_cache_gb:.1f} GB of {mem.total_gb:.1f} GB; {table[kv].name} halves it "
                f"and the KV bytes read per decode step ({', '.join(usable)}; {v.source})"
            ),
        )
    return None


def recommend(request: Request, *, ctx: Context | None = None) -> Recommendation:
    """Rank every weight format for the request (see the module docstring for the score)."""
    ctx = ctx or default_context()
    table = ctx.formats
    w = request.resolved_workload()
    tolerance = parse_tolerance(request.tolerance)
    finetune = request.profile is Profile.FINETUNE_QLORA
    ids = sorted(set(request.formats) if request.formats is not None else set(table))
    ranked: list[Candidate] = []
    rejected: list[Rejected] = []
    for fid in ids:
        f = get_format(fid, table)  # an unknown id in request.formats: FormatError naming the closest
        if f.kind is not FormatKind.WEIGHTS:
            continue
        if finetune and fid not in FINETUNE_FORMATS:
            rejected.append(Rejected(fid, f.name, f"{f.name}: not a base format for QLoRA-style fine-tuning", None))
            continue
        v = resolve_support(request.hardware, f, request.engine, ctx=ctx)
        if not v.runs:
            rejected.append(Rejected(fid, f.name, v.why_not or v.reason, None))
            continue
        est = estimate(
            request.model,
            f,
            request.hardware,
            w,
            request.engine,
            calibration=request.calibration,
            measurements=request.measurements,
            ctx=ctx,
            finetune=finetune,
            verdict=v,
            prefer_engines=SERVING_ENGINES if request.profile in SERVER_PROFILES else (),
        )
        if est.memory.fits is False:
            m = est.memory
            rejected.append(
                Rejected(
                    fid,
                    f.name,
                    f"{f.name} does not fit: {m.per_gpu_gb:.1f} GB per GPU needed, {m.available_gb:.1f} GB usable "
                    f"on {w.gpus} x {request.hardware.name}",
                    est,
                )
            )
            continue
        if request.measurements:  # the team's own lm-eval results override the published figure
            native = table.get(request.model.native_dtype or "")
            est = replace(
                est, quality=model_quality(request.model, f, measurements=request.measurements, native=native)
            )
        if est.quality.level == "unknown":
            if not request.include_unknown_quality:
                q = est.quality
                rejected.append(
                    Rejected(
                        fid,
                        f.name,
                        f"{f.name}: quality unknown for {request.model.id} ({q.basis}); excluded by your filter. "
                        f"Would be settled by {q.settle or 'a published evaluation'}",
                        est,
                    )
                )
                continue
        elif not within_tolerance(est.quality, tolerance):
            q = est.quality
            amount = f"+{q.ppl_increase_pct:.1f}% perplexity" if q.ppl_increase_pct is not None else q.level
            rejected.append(
                Rejected(fid, f.name, f"{f.name} exceeds the '{tolerance}' quality tolerance ({amount})", est)
            )
            continue
        metric = _metric(request.profile, est)
        partial = False
        if metric is None and request.profile in (Profile.INTERACTIVE, Profile.SERVING) and est.speed.decode_tok_s:
            # prefill unknown: ranked on decode alone, in a group after every format whose rates are both known
            s_ = est.speed
            metric = s_.decode_tok_s_per_seq if request.profile is Profile.INTERACTIVE else s_.decode_tok_s
            partial = metric is not None
        if metric is None:
            rejected.append(
                Rejected(
                    fid,
                    f.name,
                    f"{f.name}: a rate this profile needs (prefill and decode) is unknown, so it is not ranked "
                    f"({'; '.join(est.speed.notes) or 'no peak for its math format'})",
                    est,
                )
            )
            continue
        if v.level is Support.NATIVE:
            sf, why = SUPPORT_FACTOR["native"], "native low-precision math" if not f.is_weight_only else "native"
        elif v.level is Support.WEIGHT_ONLY:
            key = "weight_only_fallback" if v.fallback else "weight_only_design"
            sf, why = SUPPORT_FACTOR[key], "weight-only fallback: memory win only" if v.fallback else "weight-only"
        else:
            sf, why = SUPPORT_FACTOR["emulated"], "emulated: no speed-up"
        if not v.engine_paths:
            sf *= NO_ENGINE_FACTOR
            why += "; no engine file records a path on this architecture"
        elif request.profile is Profile.SERVING and not any(e in SERVING_ENGINES for e in v.engines):
            sf *= NON_SERVING_ENGINE_FACTOR
            why += f"; only {', '.join(v.engines)} runs it here (no continuous-batching server)"
        if (
            f.family == "gguf"
            and request.engine != "llama_cpp"
            and request.hardware.kind == "gpu"
            and request.hardware.vendor != "apple"
            and request.hardware.segment not in CONSUMER_SEGMENTS  # llama.cpp is a first choice on a desktop GPU
            and any(e in SERVING_ENGINES for e in resolve_all_engines(request, ctx))
        ):
            sf *= GGUF_NOT_CHOSEN_FACTOR
            why += "; a CPU/consumer-oriented GGUF type on a GPU with a serving engine (pick llama.cpp to prefer it)"
        q = est.quality
        if q.level == "unknown":
            why += "; quality unknown (" + (q.settle or "no published evaluation") + ")"
        if q.ppl_increase_pct is not None:
            qf = math.exp(-max(q.ppl_increase_pct, 0.0) / QUALITY_EFOLD_PCT)
        elif q.level in LEVEL_MIDPOINT_PCT:
            qf = math.exp(-LEVEL_MIDPOINT_PCT[q.level] / QUALITY_EFOLD_PCT)
        else:
            qf = UNKNOWN_QUALITY_FACTOR
        qf = max(qf, 0.05)
        published = _release_for(request.model, fid)
        bonus = RELEASE_BONUS if (published and v.level is Support.NATIVE) else 1.0
        if partial:
            why += "; prefill rate unknown: ranked on decode alone, after formats with both rates known"
        reasons = [why, v.reason]
        # deploy with the engine the estimate (and so the verdict) names, else the first engine with a path
        deploy_engine = est.engine if est.engine in v.engines else (v.engines[0] if v.engines else None)
        # the release shown and pulled is one the deploy engine loads (its serialization, advisor/deploy.py)
        release = release_for_engine(request.model.releases, f, deploy_engine) if deploy_engine else None
        if release:
            reasons.append(f"{'official' if release.official else 'vendor'} release: {release.repo}")
        elif published and deploy_engine:
            kind = release_serialization(published, f) or "serialization not recorded"
            reasons.append(
                f"{'official' if published.official else 'vendor'} release {published.repo} ({kind}) is not one "
                f"{deploy_engine} loads: the plan quantizes instead"
            )
        plan = deploy_plan(request.model, f, deploy_engine, w, release=release) if deploy_engine else None
        fallback = v.level is Support.WEIGHT_ONLY and bool(v.fallback)
        ranked.append(
            Candidate(
                fid, f.name, metric * sf * qf * bonus, est, v.engines, release, tuple(reasons), plan, fallback, partial
            )
        )
    # a weight-only fallback (FP8 on Ampere) ranks after formats the hardware runs by design
    ranked.sort(
        key=lambda c: (
            not c.engines,
            c.partial_rates,
            c.fallback,
            c.estimate.quality.level == "unknown",  # unknown quality: its own group, after published figures
            -round(c.score, 9),
            c.format_id,
        )
    )
    rejected.sort(key=lambda r: r.format_id)
    notes = []
    if not ranked:
        notes.append(
            "no format runs, fits and meets the quality tolerance: add GPUs, relax the tolerance, or shorten context"
        )
    options: tuple[FitOption, ...] = ()
    if not ranked:
        no_fit = [r for r in rejected if r.estimate is not None and r.estimate.memory.fits is False]
        tried: list[FitOption] = []
        for r in sorted(no_fit, key=lambda r: r.estimate.memory.per_gpu_gb)[:3]:
            tried.extend(fit_options(request.model, table[r.format_id], request.hardware, w, ctx))
        options = tuple(tried)
        fitting = [o for o in options if o.fits]
        if fitting:
            notes.append("what makes it fit: " + "; ".join(sorted({o.description for o in fitting})[:4]))
    moe = None
    if request.model.n_experts and ranked and not finetune:
        low = next(
            (c for c in ranked if table[c.format_id].weight_bits <= 4 and table[c.format_id].family != "gguf"), None
        )
        dense = next((c for c in ranked if table[c.format_id].weight_bits == 8), None)
        if low and dense:
            moe = moe_mixed_plan(request.model, table[low.format_id], table[dense.format_id], request.hardware, w, ctx)
    mixed = _mixed_precision(ranked[0], request.model, request, w, table) if ranked and not finetune else None
    kv = _kv_suggestion(ranked[0], request, w, ctx) if ranked and not finetune else None
    return Recommendation(
        model_id=request.model.id,
        hardware=request.hardware.sku_id or request.hardware.name,
        profile=request.profile,
        workload=w,
        ranked=tuple(ranked),
        rejected=tuple(rejected),
        mixed_precision=mixed,
        kv_cache=kv,
        notes=tuple(notes),
        fit_options=options,
        moe_mixed=moe,
    )


def resolve_all_engines(request: Request, ctx: Context) -> tuple[str, ...]:
    """Engines with any path on this architecture (used to tell a GPU that has a serving engine)."""
    arch = request.hardware.architecture
    return tuple(e.id for e in ctx.engines.values() if any(arch in p.architectures for p in e.paths))


__all__ = [
    "Candidate",
    "KvCacheSuggestion",
    "MixedPrecision",
    "Recommendation",
    "Rejected",
    "Request",
    "recommend",
]
