"""Speed estimate: a per-phase roofline whose efficiencies are fitted data (``advisor/data/speed_params.toml``).

For one (model, format, engine, backend, workload, hardware)::

  prefill = max(FLOPs_linear / (peak[math] x prefill_eff x fill(M)) + FLOPs_attention / (peak[16-bit] x attn_eff),
                weight and KV bytes / (BW x decode_bw_eff))
            + passes x layers x layer_overhead + TP all-reduce
  decode step = max(weights touched / (BW x decode_bw_eff) + KV bytes read / (BW x decode_bw_eff x kv_bw_rel),
                    FLOPs / (peak[math] x decode_compute_eff))
                + layers x layer_overhead + step_overhead + TP all-reduce
  static batch     output tok/s = batch x out / (prefill + out x decode step)
  continuous batch output tok/s = serve_eff x batch x out / max(out x decode step, prefill + out x compute part)

The physics, each with its reason:

* **weights touched per decode step**: every weight but the embedding lookup for a dense model; for MoE the
  shared/attention weights plus the experts the batch routes to, ``E x (1 - (1 - k/E)^B)`` of them, so batch-1
  MoE decode is bound by the bytes of the *active* experts, streamed at ``moe_bw_rel`` of the dense efficiency
  (gathering the routed experts' rows and many small expert matmuls per layer). Decode GEMMs are not charged a GEMM-fill penalty:
  with few rows they are bandwidth-bound, which the memory term already says.
* **math dtype**: a native format's own (FP8, INT8, FP4); weight-only formats compute in 16-bit, except int8-dot
  kernels (llama.cpp MMQ dots quantized weights against Q8 activations on int8 units). Attention always runs in
  16-bit (no FP8 attention is assumed), so long prompts are charged at the 16-bit rate whatever the weights are.
* **generic dequantizing kernels** (not Marlin/Machete/MMQ/CUTLASS-class) above batch 1 write and re-read a
  16-bit copy of the weights in each decode step.
* **per-quant-type and per-engine efficiency**: ``decode_bw_eff`` is looked up by engine, backend, hardware group
  and format group, so low-bit k-quants (whose dequantization costs more per byte), Apple chips, CPUs and each
  engine get the efficiency their measurements show. KV reads are charged the same way for every engine
  (``kv_bw_rel``): the estimate does not depend on which engines a format lists, or in what order.
* **issue rate**: the weights a decode step streams also cost ``bytes / (SMs x clock x unit_bytes_per_clk)``
  (SMs x clock from the FP32 peak and the architecture's FP32 lanes per SM), so the same kernel reaches a smaller
  share of the bandwidth on a GPU with much bandwidth per SM (A100, H100) than on one with little (RTX 4090, L40S).
* **MLA** (DeepSeek): decode attention runs on the compressed latent (each head reads ``kv_lora_rank +
  qk_rope_head_dim`` wide keys and ``kv_lora_rank`` wide values), so its FLOPs grow with the head count.
* **hybrid and windowed attention**: attention FLOPs count only the softmax-attention layers, and a
  sliding-window layer attends to at most its window (``models.attended_positions``); linear-attention and
  Mamba layers (Qwen3-Next, Nemotron-H) add no per-position cost.
* **tensor parallelism**: two ring all-reduces per layer over the interconnect (link_eff, latency).

Every parameter comes with the evidence it was fitted on (rows, sources); ``SpeedEstimate.evidence`` names the
entry each lookup used, and the error band (``band_log80``) is the 80% interval of the held-out residuals of the
most specific group with enough rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from advisor.formats import SIXTEEN_BIT, Format
from advisor.memory import (
    PREFILL_CHUNK_TOKENS,
    body_bytes_per_weight,
    embedding_bytes,
    kv_element_bytes,
    split_params,
    weight_bytes,
)
from advisor.models import attended_positions, kv_bytes_per_token
from advisor.support import engine_routes
from hardware_db.schema import Support

if TYPE_CHECKING:
    from collections.abc import Mapping

    from advisor.context import Context
    from advisor.hardware import HardwareTarget
    from advisor.models import ModelSpec
    from advisor.speed_params import Lookup, SpeedParams
    from advisor.support import EngineRoute, Verdict
    from advisor.workload import Workload

#: Kernel names of weight-only paths whose GEMMs run on int8 units (llama.cpp MMQ: quantized weights dotted
#: against Q8_1 activations on int8 tensor cores, https://github.com/ggml-org/llama.cpp/pull/7860).
INT8_DOT_KERNELS = ("int8 mmq",)
#: No interconnect in the catalog: assume PCIe 4.0 x16 (32 GB/s each way).
FALLBACK_INTERCONNECT_GBPS = 64.0
#: Default software backend per device vendor and kind, when the caller names none.
DEFAULT_BACKENDS = {
    ("nvidia", "gpu"): "cuda",
    ("amd", "gpu"): "rocm",
    ("apple", "gpu"): "metal",
    ("intel", "gpu"): "sycl",
    ("intel", "npu"): "hpu",
    ("google", "tpu"): "tpu",
    ("aws", "npu"): "neuron",
}
#: An error band resting on fewer rows than this says so.
THIN_EVIDENCE_ROWS = 8


@dataclass(frozen=True)
class PhaseFactors:
    """Multipliers a calibration applies on top of the fitted efficiencies."""

    prefill: float = 1.0
    decode: float = 1.0


@dataclass(frozen=True)
class SpeedEstimate:
    prefill_tok_s: float | None  # prompt tokens per second, all sequences
    decode_tok_s: float | None  # generated tokens per second, all sequences (aggregate)
    decode_tok_s_per_seq: float | None
    ttft_ms: float | None  # prefill of the whole batch
    tpot_ms: float | None  # one decode step
    e2e_s: float | None  # prefill + output_len decode steps
    output_tok_s: float | None  # serving throughput of one static batch: batch x output_len / e2e
    math_format: str  # dtype the linear layers' matrix math runs in
    prefill_bound: str  # "memory" | "compute" | "unknown"
    decode_bound: str
    basis: str  # "estimated" | "calibrated from N measurements" | "measured"
    band: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # metric -> (low, high), 80% interval
    notes: tuple[str, ...] = ()
    efficiency: Mapping[str, float] = field(default_factory=dict)
    #: steady-state output tok/s with continuous (in-flight) batching at this concurrency
    output_tok_s_inflight: float | None = None
    engine: str = ""  # the engine whose efficiencies were used ("" = any)
    backend: str = ""
    lookups: Mapping[str, Lookup] = field(default_factory=dict, repr=False)  # parameter -> the entry it used

    @property
    def evidence(self) -> dict[str, str]:
        """Parameter -> "selector (N rows)": which fitted entry each efficiency came from."""
        return {name: f"{found.selector} ({found.rows} rows)" for name, found in self.lookups.items()}


def default_backend(hardware: HardwareTarget) -> str:
    if hardware.kind == "cpu":
        return "cpu"
    return DEFAULT_BACKENDS.get((hardware.vendor, hardware.kind), "")


def route_for(verdict: Verdict | None, engine: str | None) -> EngineRoute | None:
    """The verdict's best route of ``engine`` (any engine's best when None)."""
    if verdict is None or not verdict.engine_paths:
        return None
    for r in verdict.engine_paths:
        if engine is None or r.engine == engine:
            return r
    return None


def compute_format(hardware: HardwareTarget, fmt: Format, level: Support | None, kernel: str = "") -> str:
    """The dtype the linear layers' math runs in: the format's own when native; int8 for int8-dot kernels on
    devices with native int8; FP32 (CUDA cores, no matrix units) for an emulated 16-bit format such as BF16 on
    Volta/Turing; else the best 16-bit the device has."""
    if level is Support.NATIVE and fmt.math_format != SIXTEEN_BIT:
        return fmt.math_format
    if level is Support.EMULATED and fmt.math_format in (SIXTEEN_BIT, "bf16", "fp16") and hardware.peak_tflops("fp32"):
        return "fp32"
    int8_dot = any(k in kernel for k in INT8_DOT_KERNELS)
    if int8_dot and hardware.support_level("int8") is Support.NATIVE and hardware.peak_tflops("int8"):
        return "int8"
    return sixteen_bit(hardware)


def sixteen_bit(hardware: HardwareTarget) -> str:
    for key in ("bf16", "fp16"):
        if hardware.support_level(key) is Support.NATIVE and hardware.peak_tflops(key):
            return key
    for key in ("bf16", "fp16", "fp32"):
        if hardware.peak_tflops(key):
            return key
    return "bf16"


def kernel_route(
    ctx: Context, hardware: HardwareTarget, fmt: Format, verdict: Verdict | None, engine: str | None
) -> tuple[str | None, EngineRoute | None]:
    """The engine whose fitted efficiencies apply and the route whose kernel runs, for ``engine`` (the verdict's
    best engine when None). An engine that runs another's kernels (``kernels_of`` in its engine file: Ollama ->
    llama.cpp) is estimated as that engine, on that engine's route for this format and device when it has one,
    so a wrapper is never faster or slower than what it wraps because its own evidence is thinner."""
    route = route_for(verdict, engine)
    engine = engine or (route.engine if route else None)
    spec = ctx.engines.get(engine) if engine else None
    if spec is not None and spec.kernels_of:
        engine = spec.kernels_of
        own = engine_routes(ctx.engines, hardware.architecture, fmt.id, engine)
        route = own[0] if own else route
    return engine, route


def lookup_keys(
    params: SpeedParams, hardware: HardwareTarget, fmt: Format, engine: str | None, backend: str
) -> dict[str, str | None]:
    """The selector keys of one estimate (``math`` is added per lookup): the fit groups rows by the same keys."""
    return {
        "engine": engine,
        "backend": backend,
        "hw": params.hardware_group(hardware.architecture, hardware.kind, hardware.vendor),
        "arch": hardware.architecture,
        "fgroup": params.format_group(fmt.id),
        "fmt": fmt.id,
    }


def model_type(model: ModelSpec) -> str:
    """The ``mtype`` selector key: ``moe`` (routed experts, whose grouped GEMMs reach other efficiencies) or ``dense``."""
    return "moe" if model.n_experts else "dense"


def _fill(m_rows: float, half: float) -> float:
    """Fraction of the large-shape GEMM efficiency reached with ``m_rows`` rows per pass."""
    m = max(m_rows, 1.0)
    return m / (m + half)


def estimate_speed(
    model: ModelSpec,
    fmt: Format,
    workload: Workload,
    hardware: HardwareTarget,
    verdict: Verdict | None = None,
    *,
    ctx: Context,
    engine: str | None = None,
    backend: str | None = None,
    factors: PhaseFactors | None = None,
    basis: str = "estimated",
    band_scale: tuple[float, float] | None = None,
) -> SpeedEstimate:
    """Roofline estimate of prefill and decode for one configuration (see the module docstring)."""
    params = ctx.speed
    assert params is not None, "the context carries no speed parameters"
    factors = factors or PhaseFactors()
    level = verdict.level if verdict is not None else Support.NATIVE
    route = route_for(verdict, engine)
    engine = engine or (route.engine if route else None)
    param_engine, kroute = kernel_route(ctx, hardware, fmt, verdict, engine)
    kernel = (kroute.kernel if kroute else "").lower()
    backend = backend or default_backend(hardware)
    math_lin = compute_format(hardware, fmt, level, kernel)
    math_attn = sixteen_bit(hardware)
    keys = lookup_keys(params, hardware, fmt, param_engine, backend)
    keys["mtype"] = model_type(model)
    used: dict[str, Lookup] = {}

    def p(name: str, **extra: str) -> float:
        found = used[name] = params.lookup(name, **keys, **extra)
        return found.value

    notes: list[str] = []
    n = workload.gpus
    bw = hardware.bandwidth_gbps
    peak_lin = hardware.peak_tflops(math_lin)
    peak_attn = hardware.peak_tflops(math_attn)
    bw_eff = 1.0 if hardware.measured_bandwidth_gbps else p("decode_bw_eff")
    kv_eff = bw_eff * p("kv_bw_rel")
    pre_eff = p("prefill_eff", math=math_lin)
    if hardware.measured_tflops.get(math_lin):
        pre_eff = min(1.0, pre_eff / 0.75)  # a micro-GEMM already reaches ~75% of the datasheet on big shapes
    attn_eff = p("attn_eff")
    dec_c_eff = p("decode_compute_eff", math=math_lin)
    half = p("gemm_m_half_tokens")
    layer_s = p("layer_overhead_us") * 1e-6
    step_s = p("step_overhead_us") * 1e-6
    serve_eff = p("serve_eff")

    weight_only = level is Support.WEIGHT_ONLY or fmt.is_weight_only
    fast = any(k in f"{kernel} {param_engine or ''}" for k in params.fast_dequant_kernels)
    generic_dequant = weight_only and route is not None and not fast and math_lin != "int8"
    if weight_only:
        notes.append(f"weight-only: matrix math in {math_lin}, no low-precision compute gain")

    split = split_params(model)
    bpw = body_bytes_per_weight(fmt)  # as weight_bytes stores the body, so the parts below add up to w_total
    w_total = weight_bytes(model, fmt)
    kv_b = kv_element_bytes(workload.kv_format, ctx.formats)
    q_dim = model.n_heads * model.head_dim
    counts_only_moe = not model.n_experts and model.active_params_b < model.params_b  # custom_model by counts
    active_linear = max(model.active_params_b * 1e9 - (split.embed_in if model.n_experts else 0.0), 1.0)
    if not model.n_experts:
        active_linear = max(split.total - split.embed_in, 1.0)
        if counts_only_moe:
            active_linear = max(active_linear * model.active_params_b / model.params_b, 1.0)
    B, L, n_out, P = workload.batch, workload.input_len, workload.output_len, workload.prefix_len

    # ---- prefill (the whole batch of prompts) -------------------------------------------------------------
    tokens = B * L
    chunks = max(1, math.ceil(tokens / PREFILL_CHUNK_TOKENS))
    route_share = (split.n_active_experts / split.n_experts) if split.expert_each > 0 else 1.0
    lin_flops = 2.0 * active_linear * tokens
    # QK^T and AV, causal over the prompt (a query sees L/2 + P positions on average), softmax layers only
    attn_flops = 4.0 * q_dim * L * B * attended_positions(model, L / 2.0 + P)
    pre_bytes = w_total * chunks + B * (L + P) * kv_bytes_per_token(model, kv_b, L + P)
    fill = _fill(tokens / chunks * route_share, half)  # MoE: each routed expert sees its share of the tokens
    t_pre_cmp = None
    if peak_lin:
        t_pre_cmp = lin_flops / (n * peak_lin * 1e12 * pre_eff * fill)
        t_pre_cmp += attn_flops / (n * (peak_attn or peak_lin) * 1e12 * attn_eff)
    t_pre_mem = pre_bytes / (n * bw * 1e9 * bw_eff) if bw else None
    pre_fixed = chunks * model.n_layers * layer_s
    pre_fixed += 2 * model.n_layers * _allreduce_s(tokens * model.hidden_size * 2.0, n, hardware, p)
    t_pre, pre_bound = _phase(t_pre_mem, t_pre_cmp, pre_fixed, factors.prefill)

    # ---- decode (one step for the batch at the average context) ------------------------------------------
    ctx_len = P + L + n_out / 2.0
    dec_weight = w_total - (0.0 if model.tied_embeddings else embedding_bytes(model, fmt))
    if split.expert_each > 0:
        hit = split.n_experts * (1.0 - (1.0 - split.n_active_experts / split.n_experts) ** B)
        dec_weight -= (split.n_experts - hit) * split.expert_each * bpw
    elif counts_only_moe:
        # an MoE known by its counts only: at batch 1 the inactive parameters are experts no token reads; each
        # further sequence routes its own experts, with the active share of the model as the routing share
        share = model.active_params_b / model.params_b
        dec_weight -= (model.params_b - model.active_params_b) * 1e9 * (1.0 - share) ** (B - 1) * bpw
    if generic_dequant and B >= 2:
        dec_weight += 2 * (dec_weight / bpw) * 2.0  # write and re-read a 16-bit copy of the weights touched
        notes.append("generic dequantizing kernel: above batch 1 each decode step writes and re-reads 16-bit weights")
    dec_kv = B * kv_bytes_per_token(model, kv_b, int(ctx_len)) * ctx_len
    dec_lin_flops = 2.0 * active_linear * B
    if model.kv_lora_rank:  # MLA decode attends in the latent space: every head reads kv_lora + rope wide keys
        per_head = 2.0 * model.kv_lora_rank + (model.qk_rope_head_dim or 0)
        dec_attn_flops = 2.0 * model.n_heads * per_head * attended_positions(model, ctx_len) * B
    else:
        dec_attn_flops = 4.0 * q_dim * attended_positions(model, ctx_len) * B
    w_eff = bw_eff * p("moe_bw_rel") if (model.n_experts or counts_only_moe) else bw_eff
    t_dec_mem = (dec_weight / w_eff + dec_kv / kv_eff) / (n * bw * 1e9) if bw else None
    units = hardware.unit_ghz
    unit_rate = p("unit_bytes_per_clk") if units else 0.0
    if t_dec_mem is not None and units:
        # a decode step's weight stream also passes through the SMs at a bounded rate per SM per clock: on a GPU
        # with much bandwidth per SM (A100: 13 GB/s per SM-GHz, RTX 4090: 3) one matrix-vector kernel cannot keep
        # enough loads in flight to reach the memory's rate
        t_dec_mem += dec_weight / (n * units * 1e9 * unit_rate)
    t_dec_cmp = None
    if peak_lin:
        t_dec_cmp = dec_lin_flops / (n * peak_lin * 1e12 * dec_c_eff)
        t_dec_cmp += dec_attn_flops / (n * (peak_attn or peak_lin) * 1e12 * dec_c_eff)
    dec_fixed = model.n_layers * layer_s + step_s
    dec_fixed += 2 * model.n_layers * _allreduce_s(B * model.hidden_size * 2.0, n, hardware, p)
    t_dec, dec_bound = _phase(t_dec_mem, t_dec_cmp, dec_fixed, factors.decode)
    if not peak_lin:
        why = hardware.unpublished.get(math_lin, "no dense peak in the catalog")
        notes.append(f"no {math_lin} peak ({why}): prefill left unknown")
        t_pre, pre_bound = None, "unknown"
    if not bw:
        notes.append("no memory bandwidth in the catalog: decode left unknown")
        t_dec, dec_bound = None, "unknown"

    prefill_tok_s = tokens / t_pre if t_pre else None
    decode_tok_s = B / t_dec if t_dec else None
    e2e = (t_pre or 0.0) + n_out * (t_dec or 0.0) if (t_pre and (t_dec or n_out == 0)) else None
    inflight = None
    if t_pre and t_dec and n_out:
        dec_busy = ((t_dec_cmp or 0.0) + dec_fixed) / factors.decode
        inflight = serve_eff * B * n_out / max(n_out * t_dec, t_pre + n_out * dec_busy)
    if band_scale is None:
        found = used["band_log80"] = params.lookup("band_log80", **keys)
        half_width = found.value
        if found.rows < THIN_EVIDENCE_ROWS:
            notes.append(f"error band from thin evidence ({found.rows} held-out rows for {found.selector})")
        lo, hi = math.exp(-half_width), math.exp(half_width)
    else:
        lo, hi = band_scale
    values = {
        "prefill_tok_s": (prefill_tok_s, False),
        "decode_tok_s": (decode_tok_s, False),
        "output_tok_s": (B * n_out / e2e if (e2e and n_out) else None, False),
        "output_tok_s_inflight": (inflight, False),
        "ttft_ms": (t_pre * 1e3 if t_pre else None, True),
        "tpot_ms": (t_dec * 1e3 if t_dec else None, True),
    }
    bands = {k: ((v / hi, v / lo) if inv else (v * lo, v * hi)) for k, (v, inv) in values.items() if v is not None}
    return SpeedEstimate(
        prefill_tok_s=prefill_tok_s,
        decode_tok_s=decode_tok_s,
        decode_tok_s_per_seq=(1.0 / t_dec) if t_dec else None,
        ttft_ms=t_pre * 1e3 if t_pre else None,
        tpot_ms=t_dec * 1e3 if t_dec else None,
        e2e_s=e2e,
        output_tok_s=(B * n_out / e2e) if (e2e and n_out) else None,
        output_tok_s_inflight=inflight,
        math_format=math_lin,
        prefill_bound=pre_bound,
        decode_bound=dec_bound,
        basis=basis,
        band=bands,
        notes=tuple(notes),
        efficiency={
            "decode_bw_eff": bw_eff,
            "kv_bw_rel": kv_eff / bw_eff if bw_eff else 0.0,
            "moe_bw_rel": w_eff / bw_eff if bw_eff else 0.0,
            "unit_bytes_per_clk": unit_rate,
            "prefill_eff": pre_eff,
            "attn_eff": attn_eff,
            "decode_compute_eff": dec_c_eff,
            "serve_eff": serve_eff,
            "prefill_factor": factors.prefill,
            "decode_factor": factors.decode,
        },
        engine=engine or "",
        backend=backend,
        lookups=used,
    )


def _phase(t_mem: float | None, t_cmp: float | None, fixed: float, factor: float) -> tuple[float | None, str]:
    if t_mem is None and t_cmp is None:
        return None, "unknown"
    if t_cmp is None:
        return (t_mem + fixed) / factor, "memory"  # type: ignore[operator]
    if t_mem is None:
        return (t_cmp + fixed) / factor, "compute"
    return (max(t_mem, t_cmp) + fixed) / factor, ("memory" if t_mem >= t_cmp else "compute")


def _allreduce_s(nbytes: float, n: int, hardware: HardwareTarget, p) -> float:
    """One ring all-reduce of ``nbytes`` over ``n`` devices (the callers charge two per layer)."""
    if n <= 1:
        return 0.0
    link = (hardware.interconnect_gbps or FALLBACK_INTERCONNECT_GBPS) / 2 * p("link_eff") * 1e9
    return 2 * (n - 1) / n * nbytes / link + p("allreduce_latency_us") * 1e-6
