"""Speed estimate: a per-phase roofline with documented efficiency factors, calibratable from measurements.

prefill time = max(bytes / (eff_bw x BW), FLOPs / (eff_compute x fill(M) x peak[math dtype])) + TP all-reduce
decode step  = max(weight bytes touched (MoE: experts hit by the batch) / eff_bw + KV bytes read / eff_kv,
                   FLOPs of the batch / (eff_compute x peak)) + TP all-reduce time + layers x per-layer overhead
(the per-layer overhead applies once per forward pass, so to prefill as well)
serving      = batch x output_len / (prefill + output_len x decode step)       (one static batch, ``output_tok_s``)
in-flight    = batch x output_len / max(output_len x decode step, prefill + output_len x decode compute)
               (``output_tok_s_inflight``: continuous batching lets new prompts' prefill ride on memory-bound
               decode steps; TensorRT-LLM's in-flight batching scheduler at maximum load)

Every default below was fitted on the DEV split of the one validation set, ``bench/validation/published.csv``
(never on its holdout rows), by ``bench/validation/fit_defaults.py`` (grid search, least median |log error| on
the dev rows that identify each constant; that script prints the fitted value next to the committed one).
Sources of the rows are in the CSV; the ones named here:
llama.cpp CUDA scoreboard https://github.com/ggml-org/llama.cpp/discussions/15013, Apple scoreboard
https://github.com/ggml-org/llama.cpp/discussions/4167, torchao/vLLM 0.13 Llama-3.1-8B table
https://github.com/pytorch/ao/blob/main/docs/source/workflows/inference.md, TensorRT-LLM 0.5/0.6.1 tables
https://github.com/NVIDIA/TensorRT-LLM/blob/release/0.6.1/docs/source/performance.md, and the OCI MI300X vLLM
blog https://blogs.oracle.com/cloud-infrastructure/serving-llama-31-405b-model-with-amd-mi300x-gpus.

* ``DEFAULT_BW_EFF["gpu"] = 0.93`` and ``DECODE_LAYER_OVERHEAD_S["gpu"] = 44 us`` per layer per forward pass
  (kernel launches, norms, sampling): single-stream llama.cpp decode (tg) on the 9 dev CUDA rows (RTX 3080 x2,
  RTX 4090 Q6_K, RTX 5080, RTX 5090, RTX PRO 6000, H100 scoreboard rows, DGX Spark gpt-oss x2). A pure
  bandwidth rule leaves the fast GPUs 2-2.5x off; the fixed per-layer time is what caps them.
* ``DECODE_LAYER_OVERHEAD_S["apple"] = 168 us``: the 7 dev Apple rows (M1/M2 Ultra, M4 Pro/Max scoreboard, M4,
  M1 Max, M2 Ultra Llama-3.2-3B F16); Metal command-buffer overhead per layer is larger than CUDA's.
* ``DEFAULT_BW_EFF_OTHER = 0.60`` (CPU, TPU, NPU): an assumption, no validation row; the band is widened.
* ``PREFILL_M_HALF_TOKENS = 64``: a GEMM with M rows per pass (tokens per chunk; MoE: tokens per routed expert,
  M x active / total experts) reaches fill(M) = M / (M + 64) of its large-shape efficiency (wave quantization:
  few tiles per SM). Fitted on the 7 dev TensorRT-LLM first-token latencies (128 and 2,048 tokens): short
  prompts take ~2x the large-shape time. Not applied to the int8-dot path, whose constants are fitted at
  llama.cpp's fixed 512-token ubatch. MoE decode uses the same fill with M = batch x active / total experts
  (grouped expert GEMMs are that narrow at large batch: TensorRT-LLM Qwen3-235B max-load rows).
* ``HOPPER_16BIT_EFF = 0.57`` (default for 16-bit and fp32): torchao Int8WeightOnly prefill on H100 (dev; its
  GEMMs run in bf16 after dequantization, so the row measures 16-bit compute); ``HOPPER_FP8_EFF = 0.44`` (default
  for fp8/int8): torchao fp8 rowwise prefill on H100 and the three dev TensorRT-LLM FP8 first-token rows.
  (The earlier 0.50 / 0.37 came from the bf16 H100 row, now holdout; it is predicted at -3%.)
* ``ARCH_COMPUTE_EFF["nvidia_ampere_ga100"] = 0.70``: the 4 dev TensorRT-LLM A100 FP16 first-token rows.
* ``BLACKWELL_16BIT_EFF = 0.49``: torchao bf16 prefill on B200 (dev). No dev row measures fp8 or fp4 prefill on
  Blackwell, so ``PRECISION_STEP`` (= 0.44 / 0.57, the fraction of efficiency Hopper keeps when the precision
  halves) is applied once for fp8 and twice for fp6/fp4 (also ``DEFAULT_COMPUTE_EFF_LOWBIT``). This is an
  extrapolation: the holdout B200 fp8 / nvfp4 prefill rows come out +25% / +19%.
* ``KV_READ_REL["vllm"] = 0.42``: vLLM's paged decode attention reads the KV cache at 0.42 of the weight-streaming
  efficiency. torchao's batch-128 decode runs (input 32, output 2,048: the cache outweighs the weights) were
  1.5x slower than a full-bandwidth roofline on both H100 and B200 in a way that scales with the KV bytes (the
  implied KV efficiency is 0.40-0.45 on both GPUs, while a per-sequence scheduler overhead would have to be 56 us
  on H100 but 23 us on B200). Fitted on the 3 dev rows (H100 bf16, H100 fp8, B200 fp8); B200 bf16 (holdout) -1%.
  Engines without an entry (TensorRT-LLM, llama.cpp) read the cache at the weight efficiency, which their
  batched rows support.
* ``VENDOR_DECODE_BW_EFF["amd"] = 0.50`` and ``VENDOR_COMPUTE_REL["amd"] = 0.325``: vLLM on MI300X (ROCm, 2024),
  Llama-3.1-405B FP8 TP8: batch 1 decodes at half the bandwidth roofline and batch 256 runs at a third of the
  NVIDIA-derived FP8 compute efficiency. Fitted on the 3 dev rows of the one OCI source (batch 1, batch 256,
  max load 128/2,048); its 3 holdout rows (batch 8, 64, max load 128/128) check it. A single engine/software
  generation on a single SKU: treat as the weakest-supported default here.
* generic (unfused) dequantizing weight-only kernels (not Marlin/Machete/MMQ/CUTLASS-class): above batch 1 the
  16-bit weights are materialized (read the quantized weights, write and re-read 2 bytes per weight). Physics,
  not a fit: it reproduces torchao Int8WeightOnly's batch-128 decode on H100 (dev) at +5%, where the earlier
  0.652 compute multiplier left it at +190%; compute efficiency is the 16-bit one).
* int8-dot weight-only kernels (llama.cpp MMQ): min(``INT8_DOT_COMPUTE_EFF`` 0.24 x int8 peak,
  ``INT8_DOT_FP32_MULTIPLIER`` 2.3 x fp32 vector peak): MMQ's tile loop is bound by dequantization on the CUDA
  cores as much as by the int8 MMA, so prompt speed tracks the FP32 vector rate on big GPUs. Fitted on the 6 dev
  llama.cpp pp rows (RTX 3080 x2, RTX 5080, RTX 5090, RTX PRO 6000, H100).
* weight-only kernels, Marlin-class (Marlin/Machete/llama.cpp/CUTLASS): keep the 16-bit compute efficiency
  ("near-ideal" speed-up up to batch 16-32, https://github.com/IST-DASLab/marlin).
* TP all-reduce: two per layer, ring algorithm at half the (bidirectional) interconnect figure, ``LINK_EFF`` 0.8,
  ``ALLREDUCE_LATENCY_S`` 10 us each (assumptions); no interconnect in the catalog -> 32 GB/s (PCIe 4.0 x16).

Known misses (see ``python bench/validation/accuracy.py --rows``): TensorRT-LLM 0.6.1 Llama-2-70B long-output
static batches run ~2x slower than modelled (that release's decode attention predates its GQA kernel and appears
to re-read the KV cache per query head); first tokens of 128-token prompts are ~40% slower than modelled (a fixed
launch floor); small MoE (Qwen3-30B-A3B NVFP4 on B200) at max load is overestimated ~1.5x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from advisor.formats import SIXTEEN_BIT, Format
from advisor.memory import PREFILL_CHUNK_TOKENS, kv_element_bytes, split_params, weight_bytes
from advisor.models import kv_bytes_per_token
from hardware_db.schema import Support

if TYPE_CHECKING:
    from collections.abc import Mapping

    from advisor.hardware import HardwareTarget
    from advisor.models import ModelSpec
    from advisor.support import Verdict
    from advisor.workload import Workload

DEFAULT_BW_EFF = {"gpu": 0.93}
DECODE_LAYER_OVERHEAD_S = {"gpu": 44e-6, "apple": 168e-6}
DEFAULT_BW_EFF_OTHER = 0.60
HOPPER_16BIT_EFF = 0.57
HOPPER_FP8_EFF = 0.44
BLACKWELL_16BIT_EFF = 0.49


def derive_compute_eff(
    hopper_16bit: float, hopper_fp8: float, blackwell_16bit: float
) -> tuple[float, dict[str, float], float, dict[str, float]]:
    """The tables that follow from the three fitted compute efficiencies (see the module docstring):
    ``(PRECISION_STEP, DEFAULT_COMPUTE_EFF, DEFAULT_COMPUTE_EFF_LOWBIT, Blackwell table)``.

    ``bench/validation/fit_defaults.py`` rebuilds them with this after changing one of the three."""
    step = hopper_fp8 / hopper_16bit
    default = {k: hopper_16bit for k in ("fp32", "tf32", "fp16", "bf16")} | {"fp8": hopper_fp8, "int8": hopper_fp8}
    b = blackwell_16bit
    blackwell = {"fp16": b, "bf16": b, "fp8": b * step, "int8": b * step, "fp6": b * step**2, "fp4": b * step**2}
    return step, default, hopper_fp8 * step, blackwell


#: PRECISION_STEP: efficiency kept per halving of the math precision (fp8 vs 16-bit on Hopper); applied again for
#: fp4 and for Blackwell, where no dev row measures fp8 or fp4 prefill. DEFAULT_COMPUTE_EFF_LOWBIT: fp6, fp4, int4.
PRECISION_STEP, DEFAULT_COMPUTE_EFF, DEFAULT_COMPUTE_EFF_LOWBIT, _BLACKWELL = derive_compute_eff(
    HOPPER_16BIT_EFF, HOPPER_FP8_EFF, BLACKWELL_16BIT_EFF
)
ARCH_COMPUTE_EFF = {
    "nvidia_ampere_ga100": {"fp16": 0.70, "bf16": 0.70},
    "nvidia_blackwell_dc": dict(_BLACKWELL),
    "nvidia_blackwell_ultra": dict(_BLACKWELL),
}
INT8_DOT_COMPUTE_EFF = 0.24
INT8_DOT_FP32_MULTIPLIER = 2.3
FAST_DEQUANT_KERNELS = ("marlin", "machete", "llama.cpp", "mmq", "mlx", "exllama", "cutlass")
LINK_EFF = 0.8
ALLREDUCE_LATENCY_S = 10e-6
FALLBACK_INTERCONNECT_GBPS = 32.0
#: Relative band for a plain estimate (llmfit and canitrun print +-30%); wider without a measured efficiency.
BAND_ESTIMATED = (0.7, 1.3)
BAND_ASSUMED = (0.5, 1.5)
#: Decode attention reads of the KV cache relative to weight streaming, per engine (see docstring).
KV_READ_REL = {"vllm": 0.42}
#: Decode bandwidth efficiency of GPUs by vendor where it differs from ``DEFAULT_BW_EFF`` (see docstring).
VENDOR_DECODE_BW_EFF = {"amd": 0.50}
#: Compute efficiency of GPUs by vendor relative to the defaults (see docstring).
VENDOR_COMPUTE_REL = {"amd": 0.325}
#: Tokens per forward pass at which a GEMM reaches half its large-shape efficiency (see docstring).
PREFILL_M_HALF_TOKENS = 64.0
#: Generic (unfused) dequantizing weight-only kernels above batch 1 materialize 16-bit weights: read the quantized
#: weights, write and re-read 2 bytes per weight (see docstring).
MATERIALIZED_DEQUANT_MIN_BATCH = 2


@dataclass(frozen=True)
class PhaseFactors:
    """Multipliers a calibration applies on top of the default efficiencies."""

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
    math_format: str  # dtype the matrix math runs in
    prefill_bound: str  # "memory" | "compute" | "unknown"
    decode_bound: str
    basis: str  # "estimated" | "calibrated from N measurements" | "measured"
    band: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # metric -> (low, high)
    notes: tuple[str, ...] = ()
    efficiency: Mapping[str, float] = field(default_factory=dict)
    #: steady-state output tok/s with in-flight (continuous) batching at this concurrency: new prompts' prefill
    #: rides on memory-bound decode steps, so time = max(decode steps, prefill compute + decode compute)
    output_tok_s_inflight: float | None = None


#: Kernel names of weight-only paths whose GEMMs run on int8 units (llama.cpp MMQ: quantized weights dotted
#: against Q8_1 activations on int8 tensor cores, https://github.com/ggml-org/llama.cpp/pull/7860).
INT8_DOT_KERNELS = ("int8 mmq",)


def compute_format(
    hardware: HardwareTarget, fmt: Format, verdict_level: Support | None, verdict: Verdict | None = None
) -> str:
    """The dtype the matrix math runs in: the format's own when native; int8 for int8-dot kernels (llama.cpp
    MMQ) on devices with native int8; else the best 16-bit the device has."""
    if verdict_level is Support.NATIVE and fmt.math_format != SIXTEEN_BIT:
        return fmt.math_format
    if verdict is not None and verdict.engine_paths:
        best = verdict.engine_paths[0].kernel.lower()
        int8_ok = hardware.support_level("int8") is Support.NATIVE and (
            hardware.peak_tflops("int8") or hardware.peak_tflops("fp32")
        )
        if any(k in best for k in INT8_DOT_KERNELS) and int8_ok:
            return "int8"
    for key in ("bf16", "fp16"):
        if hardware.support_level(key) is Support.NATIVE and hardware.peak_tflops(key):
            return key
    for key in ("bf16", "fp16", "fp32"):
        if hardware.peak_tflops(key):
            return key
    return "bf16"


def _fast_kernel(verdict: Verdict | None) -> bool:
    if verdict is None or not verdict.engine_paths:
        return False
    text = " ".join(f"{r.kernel} {r.engine}" for r in verdict.engine_paths).lower()
    return any(k in text for k in FAST_DEQUANT_KERNELS) or "llama_cpp" in text


def _gemm_fill(m_tokens: float) -> float:
    """Fraction of the large-shape GEMM efficiency reached with ``m_tokens`` rows per pass."""
    m = max(m_tokens, 1.0)
    return m / (m + PREFILL_M_HALF_TOKENS)


def _allreduce_s(nbytes: float, n: int, hardware: HardwareTarget) -> float:
    if n <= 1:
        return 0.0
    link = (hardware.interconnect_gbps or FALLBACK_INTERCONNECT_GBPS * 2) / 2 * LINK_EFF * 1e9
    return 2 * (n - 1) / n * nbytes / link + ALLREDUCE_LATENCY_S


def estimate_speed(
    model: ModelSpec,
    fmt: Format,
    workload: Workload,
    hardware: HardwareTarget,
    verdict: Verdict | None = None,
    *,
    factors: PhaseFactors | None = None,
    basis: str = "estimated",
    band_scale: tuple[float, float] | None = None,
    formats: Mapping[str, Format],
    engine: str | None = None,
) -> SpeedEstimate:
    """Roofline estimate of prefill and decode for one (model, format, workload, hardware).

    ``engine`` (default: the verdict's best engine) selects engine-specific terms (``KV_READ_REL``)."""
    level = verdict.level if verdict is not None else Support.NATIVE
    if engine is None and verdict is not None and verdict.engine_paths:
        engine = verdict.engine_paths[0].engine
    math_fmt = compute_format(hardware, fmt, level, verdict)
    n = workload.gpus
    notes: list[str] = []
    factors = factors or PhaseFactors()
    bw = hardware.bandwidth_gbps
    peak = hardware.peak_tflops(math_fmt)
    measured_hw = hardware.is_measured
    bw_eff = DEFAULT_BW_EFF.get(hardware.kind, DEFAULT_BW_EFF_OTHER)
    if hardware.kind == "gpu":
        bw_eff = VENDOR_DECODE_BW_EFF.get(hardware.vendor, bw_eff)
    if hardware.measured_bandwidth_gbps:
        bw_eff = 1.0  # a probed bandwidth is already an achieved figure
    kv_eff = bw_eff * KV_READ_REL.get(engine or "", 1.0)
    c_eff = ARCH_COMPUTE_EFF.get(hardware.architecture, DEFAULT_COMPUTE_EFF).get(
        math_fmt, DEFAULT_COMPUTE_EFF.get(math_fmt, DEFAULT_COMPUTE_EFF_LOWBIT)
    )
    int8_dot = math_fmt == "int8" and fmt.math_format == SIXTEEN_BIT
    if int8_dot:  # int8-dot kernel (llama.cpp MMQ)
        candidates = []
        if peak:
            candidates.append(INT8_DOT_COMPUTE_EFF * peak)
        if hardware.peak_tflops("fp32"):
            candidates.append(INT8_DOT_FP32_MULTIPLIER * hardware.peak_tflops("fp32"))  # type: ignore[operator]
        if candidates:
            peak, c_eff = min(candidates), 1.0  # peak now holds the effective TOPS directly
    if hardware.measured_tflops.get(math_fmt):
        c_eff = min(1.0, c_eff / 0.75)  # a micro-GEMM already reaches ~75% of the datasheet on big shapes
    if hardware.kind == "gpu":
        c_eff *= VENDOR_COMPUTE_REL.get(hardware.vendor, 1.0)
    pre_c_eff, dec_c_eff = c_eff, c_eff
    weight_only = level is Support.WEIGHT_ONLY or fmt.is_weight_only
    generic_dequant = weight_only and not _fast_kernel(verdict) and math_fmt != "int8"
    if generic_dequant and workload.batch >= MATERIALIZED_DEQUANT_MIN_BATCH:
        notes.append("generic dequantizing kernel: above batch 1 each decode step writes and re-reads 16-bit weights")
    if weight_only:
        notes.append(f"weight-only: matrix math in {math_fmt}, no low-precision compute gain")

    split = split_params(model)
    bpw = fmt.bytes_per_weight
    w_total = weight_bytes(model, fmt)
    kv_b = kv_element_bytes(workload.kv_format, formats)
    q_dim = model.n_heads * model.head_dim
    active_linear = max(model.active_params_b * 1e9 - (split.embed_in if model.n_experts else 0.0), 1.0)
    if not model.n_experts:
        active_linear = max(split.total - split.embed_in, 1.0)
    B, L, n_out, P = workload.batch, workload.input_len, workload.output_len, workload.prefix_len

    # ---- prefill (the whole batch of prompts) -------------------------------------------------
    tokens = B * L
    pre_flops = B * (2.0 * active_linear * L + 2.0 * model.n_layers * L * (L + 2 * P) * q_dim)  # causal, + prefix
    chunks = max(1, math.ceil(tokens / PREFILL_CHUNK_TOKENS))
    # tokens a routed expert sees per pass (MoE): the grouped expert GEMMs are that narrow
    route = (split.n_active_experts / split.n_experts) if split.expert_each > 0 else 1.0
    if not int8_dot:  # small passes fill fewer GEMM tiles (int8-dot constants are fitted at llama.cpp's 512)
        pre_c_eff *= _gemm_fill(tokens / chunks * route)
    if split.expert_each > 0:
        dec_c_eff *= _gemm_fill(B * route)
    pre_bytes = w_total * chunks + B * (L + P) * kv_bytes_per_token(model, kv_b, L + P)
    pre_comm = model.n_layers * 2 * _allreduce_s(tokens * model.hidden_size * 2.0, n, hardware) if n > 1 else 0.0

    # ---- decode (one step for the batch at the average context) -----------------------------------
    ctx = P + L + n_out / 2.0
    dec_weight = w_total - (0.0 if model.tied_embeddings else split.embed_in * bpw)
    if split.expert_each > 0:
        hit = split.n_experts * (1.0 - (1.0 - split.n_active_experts / split.n_experts) ** B)
        dec_weight -= (split.n_experts - hit) * split.expert_each * bpw
    if generic_dequant and B >= MATERIALIZED_DEQUANT_MIN_BATCH:
        body = dec_weight / bpw if bpw else 0.0
        dec_weight += 2 * body * 2.0  # write + re-read the 16-bit copy
    dec_kv = B * kv_bytes_per_token(model, kv_b, int(ctx)) * ctx
    dec_flops = B * (2.0 * active_linear + 4.0 * model.n_layers * q_dim * ctx)
    dec_comm = model.n_layers * 2 * _allreduce_s(B * model.hidden_size * 2.0, n, hardware) if n > 1 else 0.0
    per_layer = DECODE_LAYER_OVERHEAD_S.get("apple" if hardware.vendor == "apple" else hardware.kind, 0.0)
    dec_comm += model.n_layers * per_layer
    pre_comm += chunks * model.n_layers * per_layer

    def phase(
        nbytes: float, flops: float, ce: float, comm: float, factor: float, kv_bytes: float = 0.0
    ) -> tuple[float | None, str]:
        t_mem = (nbytes / bw_eff + kv_bytes / kv_eff) / (n * bw * 1e9) if bw else None
        t_cmp = flops / (n * ce * peak * 1e12) if peak else None
        if t_mem is None and t_cmp is None:
            return None, "unknown"
        if t_cmp is None:
            return (t_mem + comm) / factor, "memory"  # type: ignore[operator]
        if t_mem is None:
            return (t_cmp + comm) / factor, "compute"
        return (max(t_mem, t_cmp) + comm) / factor, ("memory" if t_mem >= t_cmp else "compute")

    t_pre, pre_bound = phase(pre_bytes, pre_flops, pre_c_eff, pre_comm, factors.prefill)
    t_dec, dec_bound = phase(dec_weight, dec_flops, dec_c_eff, dec_comm, factors.decode, dec_kv)
    t_dec_cmp = (dec_flops / (n * dec_c_eff * peak * 1e12) + dec_comm) / factors.decode if peak else None
    if not peak:
        why = hardware.unpublished.get(math_fmt, "no dense peak in the catalog")
        notes.append(f"no {math_fmt} peak ({why}): prefill left unknown")
        t_pre, pre_bound = None, "unknown"
    if not bw:
        notes.append("no memory bandwidth in the catalog: decode left unknown")
        t_dec, dec_bound = None, "unknown"

    prefill_tok_s = tokens / t_pre if t_pre else None
    decode_tok_s = B / t_dec if t_dec else None
    e2e = (t_pre or 0.0) + n_out * (t_dec or 0.0) if (t_pre and (t_dec or n_out == 0)) else None
    inflight = None
    if t_pre and t_dec and t_dec_cmp and n_out:
        inflight = B * n_out / max(n_out * t_dec, t_pre + n_out * t_dec_cmp)
    lo, hi = band_scale or (BAND_ESTIMATED if hardware.kind == "gpu" or measured_hw else BAND_ASSUMED)

    def band(v: float | None, inverse: bool = False) -> tuple[float, float] | None:
        if v is None:
            return None
        return (v / hi, v / lo) if inverse else (v * lo, v * hi)

    values = {
        "prefill_tok_s": (prefill_tok_s, False),
        "decode_tok_s": (decode_tok_s, False),
        "ttft_ms": (t_pre * 1e3 if t_pre else None, True),
        "tpot_ms": (t_dec * 1e3 if t_dec else None, True),
    }
    bands = {k: b for k, (v, inv) in values.items() if (b := band(v, inv)) is not None}
    return SpeedEstimate(
        prefill_tok_s=prefill_tok_s,
        decode_tok_s=decode_tok_s,
        decode_tok_s_per_seq=(1.0 / t_dec) if t_dec else None,
        ttft_ms=t_pre * 1e3 if t_pre else None,
        tpot_ms=t_dec * 1e3 if t_dec else None,
        e2e_s=e2e,
        output_tok_s=(B * n_out / e2e) if (e2e and n_out) else None,
        output_tok_s_inflight=inflight,
        math_format=math_fmt,
        prefill_bound=pre_bound,
        decode_bound=dec_bound,
        basis=basis,
        band=bands,
        notes=tuple(notes),
        efficiency={
            "bandwidth": bw_eff,
            "kv_read": kv_eff,
            "prefill_compute": pre_c_eff,
            "decode_compute": dec_c_eff,
            "prefill_factor": factors.prefill,
            "decode_factor": factors.decode,
        },
    )
