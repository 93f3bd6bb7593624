"""Speed estimate: a per-phase roofline with documented efficiency factors, calibratable from measurements.

prefill time = max(bytes / (eff_bw x BW), FLOPs / (eff_compute x peak[math dtype])) + TP all-reduce time
decode step  = max(weight bytes touched (MoE: experts hit by the batch) + KV bytes read,
                   FLOPs of the batch / (eff_compute x peak)) + TP all-reduce time + layers x per-layer overhead
(the per-layer overhead applies once per forward pass, so to prefill as well)

Default efficiencies (``DEFAULT_*``), each traced to a measurement:
* decode, GPUs: bandwidth efficiency 0.89 plus a fixed 48 us per layer per step (kernel launches, norms,
  sampling), fitted (least relative error) to llama.cpp's CUDA scoreboard, Llama-2 7B Q4_0 tg128 on ten
  NVIDIA GPUs from RTX 3060 to H100 (https://github.com/ggml-org/llama.cpp/discussions/15013): median error 10%,
  where a pure bandwidth rule leaves fast GPUs 2-2.5x off. Apple GPUs: same 0.89 and 147 us per layer (median
  over M1 Ultra, M2 Ultra, M4 Pro, M4 Max in https://github.com/ggml-org/llama.cpp/discussions/4167). Checked
  out of sample on the recorded RTX 4080 fixture ``shared/fixtures/llama-bench/rtx4080_b5163.csv`` (-4%).
* bandwidth, other devices (CPU, TPU, NPU): 0.60 and no per-layer term (assumption; the band is widened).
* compute, 16-bit: 0.50 = torchao/vLLM 0.13 Llama-3.1-8B prefill on H100, 30,946 tok/s x 2 x 8.03e9 FLOP
  = 497 TFLOPS of 989.5; fp8: 0.37 (45,312 tok/s -> 728 of 1,979); fp4: 0.18 (B200 nvfp4 102,786 tok/s
  -> 1,651 of 9,000). https://github.com/pytorch/ao/blob/main/docs/source/workflows/inference.md
* A100 (GA100) 16-bit: 0.65 = TensorRT-LLM's A100 FP16 first-token latencies at 2,048 input tokens (LLaMA 7B
  133 ms -> 0.69 of 312 TFLOPS; LLaMA 70B TP4 377 ms -> 0.61),
  https://github.com/NVIDIA/TensorRT-LLM/blob/release/0.6.1/docs/source/performance.md
* Blackwell data center (B200, and B300 assumed alike): 16-bit 0.42 (59,100 tok/s -> 949 of 2,250), fp8 0.25
  (69,314 -> 1,113 of 4,500), fp4 0.18, from the same torchao B200 table.
* int8-dot weight-only kernels (llama.cpp MMQ): min(0.28 x int8 peak, 2.2 x fp32 vector peak). MMQ's tile loop
  is bound by dequantization on the CUDA cores as much as by the int8 MMA: across the same scoreboard's pp512
  rows, prompt speed tracks the FP32 vector rate (2.2 x fp32 TFLOPS, incl. A100/H100, whose int8 tensor peak is
  far from reached), and 0.28 x int8 matches the RTX 4080 fixture (7,286 tok/s = 111 TOPS of 389.9).
* weight-only kernels: Marlin-class (Marlin/Machete/llama.cpp) keep the 16-bit compute efficiency
  ("near-ideal" speed-up up to batch 16-32, https://github.com/IST-DASLab/marlin); other dequantizing kernels
  run at 0.652x (decode) / 0.912x (prefill) of bf16 compute, as torchao measured for int8 weight-only on H100.
* TP all-reduce: two per layer, ring algorithm at half the (bidirectional) interconnect figure, 0.8 link
  efficiency, 10 us latency each (assumptions); no interconnect in the catalog -> 32 GB/s (PCIe 4.0 x16).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from advisor.formats import SIXTEEN_BIT, Format
from advisor.memory import kv_element_bytes, split_params, weight_bytes
from advisor.models import kv_bytes_per_token
from hardware_db.schema import Support

if TYPE_CHECKING:
    from collections.abc import Mapping

    from advisor.hardware import HardwareTarget
    from advisor.models import ModelSpec
    from advisor.support import Verdict
    from advisor.workload import Workload

DEFAULT_BW_EFF = {"gpu": 0.89}
DECODE_LAYER_OVERHEAD_S = {"gpu": 48e-6, "apple": 147e-6}
DEFAULT_BW_EFF_OTHER = 0.60
DEFAULT_COMPUTE_EFF = {"fp32": 0.50, "tf32": 0.50, "fp16": 0.50, "bf16": 0.50, "fp8": 0.37, "int8": 0.37}
DEFAULT_COMPUTE_EFF_LOWBIT = 0.18  # fp6, fp4, int4
ARCH_COMPUTE_EFF = {
    "nvidia_ampere_ga100": {"fp16": 0.65, "bf16": 0.65},
    "nvidia_blackwell_dc": {"fp16": 0.42, "bf16": 0.42, "fp8": 0.25, "int8": 0.25, "fp4": 0.18, "fp6": 0.18},
    "nvidia_blackwell_ultra": {"fp16": 0.42, "bf16": 0.42, "fp8": 0.25, "int8": 0.25, "fp4": 0.18, "fp6": 0.18},
}
INT8_DOT_COMPUTE_EFF = 0.28
INT8_DOT_FP32_MULTIPLIER = 2.2
GENERIC_WEIGHT_ONLY_DECODE = 0.652
GENERIC_WEIGHT_ONLY_PREFILL = 0.912
FAST_DEQUANT_KERNELS = ("marlin", "machete", "llama.cpp", "mmq", "mlx", "exllama", "cutlass")
LINK_EFF = 0.8
ALLREDUCE_LATENCY_S = 10e-6
FALLBACK_INTERCONNECT_GBPS = 32.0
#: Relative band for a plain estimate (llmfit and canitrun print +-30%); wider without a measured efficiency.
BAND_ESTIMATED = (0.7, 1.3)
BAND_ASSUMED = (0.5, 1.5)


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
    output_tok_s: float | None  # serving throughput: batch x output_len / e2e
    math_format: str  # dtype the matrix math runs in
    prefill_bound: str  # "memory" | "compute" | "unknown"
    decode_bound: str
    basis: str  # "estimated" | "calibrated from N measurements" | "measured"
    band: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # metric -> (low, high)
    notes: tuple[str, ...] = ()
    efficiency: Mapping[str, float] = field(default_factory=dict)


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
    formats: dict[str, Format] | None = None,
) -> SpeedEstimate:
    """Roofline estimate of prefill and decode for one (model, format, workload, hardware)."""
    level = verdict.level if verdict is not None else Support.NATIVE
    math_fmt = compute_format(hardware, fmt, level, verdict)
    n = workload.gpus
    notes: list[str] = []
    factors = factors or PhaseFactors()
    bw = hardware.bandwidth_gbps
    peak = hardware.peak_tflops(math_fmt)
    measured_hw = hardware.is_measured
    bw_eff = DEFAULT_BW_EFF.get(hardware.kind, DEFAULT_BW_EFF_OTHER)
    if hardware.measured_bandwidth_gbps:
        bw_eff = 1.0  # a probed bandwidth is already an achieved figure
    c_eff = ARCH_COMPUTE_EFF.get(hardware.architecture, DEFAULT_COMPUTE_EFF).get(
        math_fmt, DEFAULT_COMPUTE_EFF.get(math_fmt, DEFAULT_COMPUTE_EFF_LOWBIT)
    )
    if math_fmt == "int8" and fmt.math_format == SIXTEEN_BIT:  # int8-dot kernel (llama.cpp MMQ)
        candidates = []
        if peak:
            candidates.append(INT8_DOT_COMPUTE_EFF * peak)
        if hardware.peak_tflops("fp32"):
            candidates.append(INT8_DOT_FP32_MULTIPLIER * hardware.peak_tflops("fp32"))  # type: ignore[operator]
        if candidates:
            peak, c_eff = min(candidates), 1.0  # peak now holds the effective TOPS directly
    if hardware.measured_tflops.get(math_fmt):
        c_eff = min(1.0, c_eff / 0.75)  # a micro-GEMM already reaches ~75% of the datasheet on big shapes
    pre_c_eff, dec_c_eff = c_eff, c_eff
    weight_only = level is Support.WEIGHT_ONLY or fmt.is_weight_only
    if weight_only and not _fast_kernel(verdict) and math_fmt != "int8":
        pre_c_eff *= GENERIC_WEIGHT_ONLY_PREFILL
        dec_c_eff *= GENERIC_WEIGHT_ONLY_DECODE
        notes.append("generic dequantizing kernel: compute at 0.652x (decode) / 0.912x (prefill) of bf16 (torchao)")
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
    B, L, n_out = workload.batch, workload.input_len, workload.output_len

    # ---- prefill (the whole batch of prompts) -------------------------------------------------
    tokens = B * L
    pre_flops = B * (2.0 * active_linear * L + 2.0 * model.n_layers * L * L * q_dim)
    chunks = max(1, math.ceil(tokens / 8192))
    pre_bytes = w_total * chunks + tokens * kv_bytes_per_token(model, kv_b, L)
    pre_comm = model.n_layers * 2 * _allreduce_s(tokens * model.hidden_size * 2.0, n, hardware) if n > 1 else 0.0

    # ---- decode (one step for the batch at the average context) -----------------------------------
    ctx = L + n_out / 2.0
    dec_weight = w_total - (0.0 if model.tied_embeddings else split.embed_in * bpw)
    if split.expert_each > 0:
        hit = split.n_experts * (1.0 - (1.0 - split.n_active_experts / split.n_experts) ** B)
        dec_weight -= (split.n_experts - hit) * split.expert_each * bpw
    dec_kv = B * kv_bytes_per_token(model, kv_b, int(ctx)) * ctx
    dec_flops = B * (2.0 * active_linear + 4.0 * model.n_layers * q_dim * ctx)
    dec_comm = model.n_layers * 2 * _allreduce_s(B * model.hidden_size * 2.0, n, hardware) if n > 1 else 0.0
    per_layer = DECODE_LAYER_OVERHEAD_S.get("apple" if hardware.vendor == "apple" else hardware.kind, 0.0)
    dec_comm += model.n_layers * per_layer
    pre_comm += chunks * model.n_layers * per_layer

    def phase(nbytes: float, flops: float, ce: float, comm: float, factor: float) -> tuple[float | None, str]:
        t_mem = nbytes / (n * bw_eff * bw * 1e9) if bw else None
        t_cmp = flops / (n * ce * peak * 1e12) if peak else None
        if t_mem is None and t_cmp is None:
            return None, "unknown"
        if t_cmp is None:
            return (t_mem + comm) / factor, "memory"  # type: ignore[operator]
        if t_mem is None:
            return (t_cmp + comm) / factor, "compute"
        return (max(t_mem, t_cmp) + comm) / factor, ("memory" if t_mem >= t_cmp else "compute")

    t_pre, pre_bound = phase(pre_bytes, pre_flops, pre_c_eff, pre_comm, factors.prefill)
    t_dec, dec_bound = phase(dec_weight + dec_kv, dec_flops, dec_c_eff, dec_comm, factors.decode)
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
        math_format=math_fmt,
        prefill_bound=pre_bound,
        decode_bound=dec_bound,
        basis=basis,
        band=bands,
        notes=tuple(notes),
        efficiency={
            "bandwidth": bw_eff,
            "prefill_compute": pre_c_eff,
            "decode_compute": dec_c_eff,
            "prefill_factor": factors.prefill,
            "decode_factor": factors.decode,
        },
    )
