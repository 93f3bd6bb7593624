"""Ways out when a model does not fit, and MoE mixed precision, each with memory (bytes) and speed per part.

Tried in order, each said to fit or not (``FitOption.fits``):
1. a quantized KV cache (FP8 / INT8) for the same weight format;
2. a larger tensor-parallel group of the same device (2, 4, 8);
3. llama.cpp partial offload (``-ngl N``) or, for MoE, expert offload (``--n-cpu-moe N``): the weights kept in
   host RAM are computed by the CPU, which reads them from host memory every decode step, so

       decode time per token = bytes_on_gpu / BW_gpu + bytes_on_host / BW_host

   (layers run one after another; only the hidden state, 2 x hidden_size bytes per token, crosses the host link
   at each boundary, which is negligible). For MoE expert offload ``bytes_on_host`` counts only the *active*
   experts of the offloaded layers. ``BW_host`` is the host CPU's memory bandwidth from the catalog (a host SKU the
   caller names); without one the speed stays unknown. The flags are llama-server's: ``-ngl, --n-gpu-layers N``
   "max. number of layers to store in VRAM" and ``-ncmoe, --n-cpu-moe N`` "keep the Mixture of Experts (MoE)
   weights of the first N layers in the CPU" (``OFFLOAD_SOURCE``);
4. a smaller official checkpoint of the same family (the model catalog), in the same format.

The bandwidth figures are the roofline's own inputs (``HardwareTarget.bandwidth_gbps``); efficiencies are not
applied here, so the offload speed is an upper bound and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from advisor.memory import GB, estimate_memory, split_params, weight_bytes

if TYPE_CHECKING:
    from advisor.context import Context
    from advisor.formats import Format
    from advisor.hardware import HardwareTarget
    from advisor.models import ModelSpec
    from advisor.workload import Workload

OFFLOAD_SOURCE = (
    "https://github.com/lzptouch/llama.cpp/blob/0b3d966f1855a273784983bae178fd22e4ead562/tools/server/README.md"
)
TP_SIZES = (2, 4, 8)
KV_TRIES = ("kv_fp8", "kv_int8")


@dataclass(frozen=True)
class FitOption:
    kind: str  # "kv_cache" | "tensor_parallel" | "partial_offload" | "expert_offload" | "smaller_model"
    description: str
    fits: bool | None
    per_gpu_bytes: float
    usable_bytes: float | None
    decode_tok_s_upper: float | None = None  # offload only: the bandwidth bound above
    flags: str = ""  # the engine flags that make it
    model_id: str = ""
    gpus: int = 1
    kv_format: str | None = None
    source: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _usable_bytes(mem) -> float | None:
    return None if mem.available_gb is None else mem.available_gb * GB


def offload_split(
    model: ModelSpec, fmt: Format, usable_bytes: float, other_bytes: float
) -> tuple[float, float, int, bool]:
    """(bytes on GPU, bytes on host, layers or MoE layers offloaded, expert-only) for the least offload that fits."""
    split = split_params(model)
    total_w = weight_bytes(model, fmt)
    room = usable_bytes - other_bytes
    if room <= 0:
        return total_w, 0.0, model.n_layers, False
    need = total_w - room
    if need <= 0:
        return total_w, 0.0, 0, False
    per_layer = total_w / model.n_layers
    if split.n_experts and split.expert_each:
        expert_bytes_per_layer = split.expert_each * split.n_experts * fmt.bytes_per_weight / model.n_layers
        n = min(model.n_layers, int(-(-need // expert_bytes_per_layer)))
        host = n * expert_bytes_per_layer
        if host >= need:
            return total_w - host, host, n, True
    n = min(model.n_layers, int(-(-need // per_layer)))
    return total_w - n * per_layer, n * per_layer, n, False


def offload_decode_upper(
    model: ModelSpec,
    fmt: Format,
    gpu_bytes: float,
    host_bytes: float,
    n_off: int,
    expert_only: bool,
    gpu_bw_bytes_s: float | None,
    host_bw_bytes_s: float | None,
) -> float | None:
    """Decode tok/s bound: 1 / (GPU bytes read per token / BW_gpu + host bytes read per token / BW_host)."""
    if not gpu_bw_bytes_s or not host_bw_bytes_s:
        return None
    split = split_params(model)
    if split.n_experts and split.expert_each:
        a = split.n_active_experts / split.n_experts  # share of routed-expert bytes read per token
        expert_total = split.expert_each * split.n_experts * fmt.bytes_per_weight
        if expert_only:  # host holds experts only; the GPU holds the rest plus the remaining experts
            host_read = host_bytes * a
            gpu_experts = expert_total - host_bytes
            gpu_read = gpu_bytes - gpu_experts + gpu_experts * a
        else:  # whole layers on the host: each layer is read as dense part + active experts
            e = expert_total / weight_bytes(model, fmt)
            r = 1.0 - e + e * a
            host_read, gpu_read = host_bytes * r, gpu_bytes * r
    else:
        host_read, gpu_read = host_bytes, gpu_bytes
    return 1.0 / (gpu_read / gpu_bw_bytes_s + host_read / host_bw_bytes_s)


def fit_options(
    model: ModelSpec,
    fmt: Format,
    hardware: HardwareTarget,
    workload: Workload,
    ctx: Context,
    *,
    host: HardwareTarget | None = None,
    engines: tuple[str, ...] = (),
) -> tuple[FitOption, ...]:
    """Every way out for ``model`` in ``fmt`` that does not fit ``workload.gpus`` x ``hardware``."""
    out: list[FitOption] = []
    table = ctx.formats
    base = estimate_memory(model, fmt, workload, hardware, formats=table)
    usable = _usable_bytes(base)
    # 1. KV cache quantization
    if workload.kv_format is None:
        for kv in KV_TRIES:
            if kv not in table:
                continue
            m = estimate_memory(model, fmt, replace(workload, kv_format=kv), hardware, formats=table)
            out.append(
                FitOption(
                    "kv_cache",
                    f"{table[kv].name} KV cache: {base.kv_cache_gb:.1f} -> {m.kv_cache_gb:.1f} GB",
                    m.fits,
                    m.per_gpu_gb * GB,
                    usable,
                    flags="--kv-cache-dtype fp8" if kv == "kv_fp8" else "-ctk q8_0 -ctv q8_0",
                    model_id=model.id,
                    gpus=workload.gpus,
                    kv_format=kv,
                )
            )
            if m.fits:
                break
    # 2. a larger tensor-parallel group of the same device
    for n in TP_SIZES:
        if n <= workload.gpus:
            continue
        m = estimate_memory(model, fmt, replace(workload, gpus=n), hardware, formats=table)
        out.append(
            FitOption(
                "tensor_parallel",
                f"{n} x {hardware.name} (tensor parallel {n})",
                m.fits,
                m.per_gpu_gb * GB,
                usable,
                flags=f"--tensor-parallel-size {n}",
                model_id=model.id,
                gpus=n,
            )
        )
        if m.fits:
            break
    # 3. llama.cpp partial / expert offload (single GPU; GGUF formats only)
    if fmt.family == "gguf" and usable is not None and hardware.kind != "cpu":
        other = (base.per_gpu_gb - base.weights_gb / workload.gpus) * GB
        gpu_b, host_b, n_off, expert_only = offload_split(model, fmt, usable, other)
        if n_off and host_b > 0:
            gbw = (hardware.bandwidth_gbps or 0) * 1e9 or None
            hbw = (host.bandwidth_gbps or 0) * 1e9 if host is not None else None
            dec = offload_decode_upper(model, fmt, gpu_b, host_b, n_off, expert_only, gbw, hbw or None)
            host_cap = (host.memory_gb or 0) * 2**30 if host is not None and host.memory_gb else None
            fits = True if host_cap is None else host_b <= host_cap
            kind = "expert_offload" if expert_only else "partial_offload"
            flags = f"--n-cpu-moe {n_off}" if expert_only else f"-ngl {model.n_layers - n_off}"
            out.append(
                FitOption(
                    kind,
                    (
                        f"llama.cpp {'MoE expert' if expert_only else 'layer'} offload: {n_off} of {model.n_layers} "
                        f"layers' {'experts' if expert_only else 'weights'} ({host_b / GB:.1f} GB) in host RAM"
                        + (
                            f"; decode <= {dec:.1f} tok/s (bandwidth bound, {host.name} host)"
                            if dec
                            else "; decode speed unknown without the host CPU's memory bandwidth"
                        )
                    ),
                    fits,
                    gpu_b + other,
                    usable,
                    decode_tok_s_upper=dec,
                    flags=flags,
                    model_id=model.id,
                    gpus=1,
                    source=OFFLOAD_SOURCE,
                )
            )
    # 4. smaller official checkpoints of the same family
    smaller = sorted(
        (m for m in ctx.models.values() if m.family == model.family and m.params_b < model.params_b),
        key=lambda m: -m.params_b,
    )
    for m2 in smaller:
        mm = estimate_memory(m2, fmt, workload, hardware, formats=table)
        out.append(
            FitOption(
                "smaller_model",
                f"{m2.name} ({m2.params_b:g}B) in {fmt.name}",
                mm.fits,
                mm.per_gpu_gb * GB,
                usable,
                model_id=m2.id,
                gpus=workload.gpus,
                source=m2.source,
            )
        )
        if mm.fits:
            break
    return tuple(out)


def first_fit(options: tuple[FitOption, ...]) -> FitOption | None:
    return next((o for o in options if o.fits), None)


# ----------------------------------------------------------------------------------------------------------------
# MoE mixed precision: routed experts in a 4-bit format, attention / shared experts / dense layers kept higher.
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoeMixedPlan:
    expert_format: str
    dense_format: str  # attention, shared experts, dense layers, router
    expert_bytes: float
    dense_bytes: float  # everything but the routed experts (embeddings/lm_head at the dense format's rule)
    total_bytes: float
    decode_bytes_per_token: float  # dense part + the active experts
    decode_tok_s_upper: float | None  # bandwidth bound per GPU group
    fits: bool | None
    description: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def moe_mixed_plan(
    model: ModelSpec,
    expert_fmt: Format,
    dense_fmt: Format,
    hardware: HardwareTarget,
    workload: Workload,
    ctx: Context,
) -> MoeMixedPlan | None:
    """Memory and decode bytes per part for experts in ``expert_fmt`` and the rest in ``dense_fmt``."""
    split = split_params(model)
    if not split.n_experts or not split.expert_each:
        return None
    expert_params = split.expert_each * split.n_experts
    rest_params = split.total - expert_params
    expert_b = expert_params * expert_fmt.bytes_per_weight
    dense_all = weight_bytes(model, dense_fmt)
    dense_b = dense_all * rest_params / split.total if split.total else 0.0
    total = expert_b + dense_b
    active = split.expert_each * split.n_active_experts * expert_fmt.bytes_per_weight
    per_token = dense_b + active  # the embedding row lookup is negligible but counted with the dense part
    mem = estimate_memory(model, dense_fmt, workload, hardware, formats=ctx.formats)
    other = mem.per_gpu_gb * GB - mem.weights_gb * GB / workload.gpus
    per_gpu = total / workload.gpus + other
    usable = _usable_bytes(mem)
    bw = (hardware.bandwidth_gbps or 0) * 1e9 * workload.gpus
    return MoeMixedPlan(
        expert_format=expert_fmt.id,
        dense_format=dense_fmt.id,
        expert_bytes=expert_b,
        dense_bytes=dense_b,
        total_bytes=total,
        decode_bytes_per_token=per_token,
        decode_tok_s_upper=bw / per_token if bw and per_token else None,
        fits=None if usable is None else per_gpu <= usable,
        description=(
            f"routed experts ({expert_params / 1e9:.1f}B params) in {expert_fmt.name}: {expert_b / GB:.1f} GB; "
            f"attention, shared experts and dense layers ({rest_params / 1e9:.1f}B) in {dense_fmt.name}: "
            f"{dense_b / GB:.1f} GB; decode reads {per_token / GB:.2f} GB per token"
        ),
    )
