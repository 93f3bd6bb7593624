"""Memory estimate: weights, KV cache, activations/workspace and engine overhead, per GPU under TP.

Constants (each a documented default, not a measurement):
* ``GPU_CONTEXT_GB = 0.65``: CUDA context per GPU (gpu_poor README: "650 MB CUDA context"),
  https://github.com/RahulSChand/gpu_poor
* ``ENGINE_SLACK_GB = 0.5``: allocator fragmentation, CUDA graphs, sampler buffers (llmfit adds 0.5 GB),
  https://github.com/AlexsJones/llmfit/blob/main/docs/how-it-works.md
* ``GPU_USABLE_FRACTION = 0.90``: vLLM's default ``gpu_memory_utilization`` (the engine never plans to use
  more), https://docs.vllm.ai/en/latest/configuration/engine_args.html
* ``UNIFIED_USABLE_FRACTION = 0.75``: Apple unified memory usable by the GPU (canitrun.dev/about),
  https://canitrun.dev/about
* ``PREFILL_CHUNK_TOKENS = 8192``: tokens per prefill chunk (vLLM ``max_num_batched_tokens`` with chunked
  prefill), which bounds the activation workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.formats import Format, FormatKind, get_format
from advisor.models import attention_layer_count, kv_bytes_per_token

if TYPE_CHECKING:
    from collections.abc import Mapping

    from advisor.hardware import HardwareTarget
    from advisor.models import ModelSpec
    from advisor.workload import Workload

GB = 1e9
GPU_CONTEXT_GB = 0.65
ENGINE_SLACK_GB = 0.5
CPU_OVERHEAD_GB = 0.5
GPU_USABLE_FRACTION = 0.90
UNIFIED_USABLE_FRACTION = 0.75
PREFILL_CHUNK_TOKENS = 8192
SIXTEEN_BIT_BYTES = 2.0
#: QLoRA adapters: bf16 weights + bf16 grads + two fp32 Adam moments = 2 + 2 + 4 + 4 bytes per parameter
#: (accelerate: "Training using Adam" ~ 1x model + 1x grads + 2x optimizer states).
ADAPTER_TRAIN_BYTES_PER_PARAM = 12.0


@dataclass(frozen=True)
class ParamSplit:
    """Where a model's parameters sit, in parameters (not billions)."""

    total: float
    embed_in: float  # token embedding table (a lookup)
    lm_head: float  # output projection (0 when tied: the embedding matrix is reused)
    expert_each: float  # one routed expert summed over layers (0 for dense models)
    n_experts: int
    n_active_experts: int

    @property
    def body(self) -> float:
        """Everything but the embedding table and the output head."""
        return self.total - self.embed_in - self.lm_head


def split_params(model: ModelSpec) -> ParamSplit:
    total = model.params_b * 1e9
    embed = float(model.vocab_size * model.hidden_size)
    head = 0.0 if model.tied_embeddings else embed
    embed = min(embed, total * 0.5)
    head = min(head, total * 0.5)
    e, k = model.n_experts or 0, model.n_active_experts or 0
    expert_each = 0.0
    if e > k > 0 and model.active_params_b < model.params_b:
        # total = D + E*X + embed ; active = D + k*X (publishers exclude the embedding lookup)
        expert_each = max(0.0, (total - model.active_params_b * 1e9 - embed) / (e - k))
        if expert_each * e > total:  # active count included the embedding after all
            expert_each = (total - model.active_params_b * 1e9) / (e - k)
    return ParamSplit(total, embed, head, expert_each, e, k)


def weight_bytes(model: ModelSpec, fmt: Format) -> float:
    """Bytes of all weights: quantized body at the format's effective bpw, kept layers at 16-bit.

    GGUF averages (``whole_model_average``) include the output and token-embedding tensors at the share they have
    in the reference model; with their bit widths known (``output_bpw``) the average is split into the body's
    bits and those tensors', so a model whose embeddings are a smaller share (70B: 3% vs 8B: 13%) gets a smaller
    file, as llama-quantize writes it."""
    if fmt.kind is not FormatKind.WEIGHTS:
        raise ValueError(f"{fmt.id} is a {fmt.kind.value} format, not a weight format")
    split = split_params(model)
    if fmt.whole_model_average:
        if fmt.output_bpw is None or fmt.average_ref is None:
            return split.total * fmt.bytes_per_weight
        body_bits, embd_bits = gguf_body_bits(fmt)
        if model.tied_embeddings:  # one token_embd, written at the output type (llama.cpp: no output tensor)
            return (split.total - split.embed_in) * body_bits / 8.0 + split.embed_in * fmt.output_bpw / 8.0
        body = split.total - split.embed_in - split.lm_head
        return (body * body_bits + split.embed_in * embd_bits + split.lm_head * fmt.output_bpw) / 8.0
    quantized = split.body
    high = 0.0
    for part, count in (("embeddings", split.embed_in), ("lm_head", split.lm_head)):
        if part in fmt.keep_high_precision:
            high += count
        else:
            quantized += count
    return quantized * fmt.bytes_per_weight + high * SIXTEEN_BIT_BYTES


def body_bytes_per_weight(fmt: Format) -> float:
    """Bytes of one weight in the body (attention / MLP / expert matrices) as ``weight_bytes`` stores it."""
    if fmt.whole_model_average and fmt.output_bpw is not None and fmt.average_ref is not None:
        return gguf_body_bits(fmt)[0] / 8.0
    return fmt.bytes_per_weight


def embedding_bytes(model: ModelSpec, fmt: Format) -> float:
    """Bytes of the input embedding table as ``weight_bytes`` stores it (decode only looks rows up in it)."""
    split = split_params(model)
    if fmt.whole_model_average and fmt.output_bpw is not None and fmt.average_ref is not None:
        bits = fmt.output_bpw if model.tied_embeddings else gguf_body_bits(fmt)[1]
        return split.embed_in * bits / 8.0
    if not fmt.whole_model_average and "embeddings" in fmt.keep_high_precision:
        return split.embed_in * SIXTEEN_BIT_BYTES
    return split.embed_in * fmt.bytes_per_weight


def gguf_body_bits(fmt: Format) -> tuple[float, float]:
    """(bits per body weight, bits per token-embedding weight) of a GGUF type, from its whole-file average on the
    reference model: average x N = body x (N - 2E) + token_embd x E + output x E."""
    n, e = fmt.average_ref
    out = fmt.output_bpw
    if fmt.token_embd_bpw is None:  # token_embd at the body's own type
        body = (fmt.bits_per_weight * n - out * e) / (n - e)
        return body, body
    body = (fmt.bits_per_weight * n - (out + fmt.token_embd_bpw) * e) / (n - 2 * e)
    return body, fmt.token_embd_bpw


def kv_element_bytes(kv_format: str | None, formats: Mapping[str, Format]) -> float:
    if kv_format is None:
        return SIXTEEN_BIT_BYTES
    f = get_format(kv_format, formats)
    if f.kind is not FormatKind.KV_CACHE:
        raise ValueError(f"{kv_format} is not a KV-cache format")
    return f.bytes_per_weight


def kv_cache_bytes(model: ModelSpec, context_len: int, batch: int, kv_bytes: float = SIXTEEN_BIT_BYTES) -> float:
    """2 x layers x kv_heads x head_dim x ctx x batch x bytes (MLA: latent + rope width; window-capped layers)."""
    return kv_bytes_per_token(model, kv_bytes, context_len) * context_len * batch


def activation_bytes(model: ModelSpec, batch: int, input_len: int) -> float:
    """Peak workspace of one prefill chunk: residual, norm, q/k/v/o and the gated MLP intermediate at 16-bit,
    plus fp32 logits for one token per sequence."""
    tokens = min(batch * input_len, PREFILL_CHUNK_TOKENS)
    inter = model.intermediate_size or 4 * model.hidden_size
    per_token = (4 * model.hidden_size + 2 * model.n_heads * model.head_dim + 3 * inter) * SIXTEEN_BIT_BYTES
    return tokens * per_token + batch * model.vocab_size * 4.0


def lora_adapter_params(model: ModelSpec, rank: int) -> float:
    """LoRA on every attention and MLP projection: rank x (in + out) per projection, on the layers that have
    that projection (softmax-attention layers for q/k/v/o; MLP layers for gate/up/down)."""
    h, q, kv = model.hidden_size, model.n_heads * model.head_dim, model.n_kv_heads * model.head_dim
    inter = model.intermediate_size or 4 * h
    attn = (h + q) + 2 * (h + kv) + (q + h)
    mlp = 2 * (h + inter) + (inter + h)
    mlp_layers = model.mlp_layers if model.mlp_layers is not None else model.n_layers
    return float(rank * (attn * attention_layer_count(model) + mlp * mlp_layers))


@dataclass(frozen=True)
class MemoryEstimate:
    weights_gb: float
    kv_cache_gb: float
    activations_gb: float
    overhead_gb: float
    adapters_gb: float  # fine-tuning only: adapters + grads + optimizer state
    total_gb: float  # all GPUs together
    per_gpu_gb: float
    gpus: int
    available_gb: float | None  # per GPU: free memory when probed, else total x usable fraction
    fits: bool | None  # None when the device's memory is not known (CPU hosts)
    headroom_gb: float | None
    notes: tuple[str, ...] = ()


#: Device capacities are binary: an "80 GB" H100 or a "24 GB" RTX 4090 holds 80 / 24 GiB (nvidia-smi reports
#: MiB). The catalog keeps the vendor's number; memory is compared in bytes, so capacity is converted here once.
GIB_PER_GB_LABEL = 2**30 / 1e9


def usable_memory_gb(hardware: HardwareTarget) -> float | None:
    """Usable memory in decimal GB (1e9 bytes), the unit every estimate uses."""
    avail = hardware.available_memory_gb
    if avail is None:
        return None
    if hardware.free_memory_gb is not None:  # probed free memory is already what the engine can take
        return avail
    avail *= GIB_PER_GB_LABEL
    if hardware.vendor == "apple":
        return avail * UNIFIED_USABLE_FRACTION
    if hardware.kind == "cpu":
        return avail
    return avail * GPU_USABLE_FRACTION


def estimate_memory(
    model: ModelSpec,
    fmt: Format | str,
    workload: Workload,
    hardware: HardwareTarget | None = None,
    *,
    finetune: bool = False,
    formats: Mapping[str, Format],
) -> MemoryEstimate:
    """Memory for serving (or QLoRA fine-tuning with ``finetune=True``) on ``workload.gpus`` devices."""
    f = fmt if isinstance(fmt, Format) else get_format(fmt, formats)
    n = workload.gpus
    notes: list[str] = []
    w = weight_bytes(model, f)
    kv_b = kv_element_bytes(workload.kv_format, formats)
    kv = kv_cache_bytes(model, workload.context_len, workload.batch, kv_b)
    act = activation_bytes(model, workload.batch, workload.input_len)
    adapters = 0.0
    if finetune:
        lora = lora_adapter_params(model, workload.lora_rank)
        adapters = lora * ADAPTER_TRAIN_BYTES_PER_PARAM
        # gradient checkpointing: one 16-bit hidden state per layer per token, plus fp32 logits for the loss
        tokens = workload.batch * workload.input_len
        act = tokens * model.hidden_size * SIXTEEN_BIT_BYTES * model.n_layers + tokens * model.vocab_size * 4.0
        act += activation_bytes(model, workload.batch, workload.input_len)
        kv = 0.0
        notes.append(
            f"LoRA rank {workload.lora_rank}: {lora / 1e6:.0f}M adapter parameters "
            f"at {ADAPTER_TRAIN_BYTES_PER_PARAM:g} bytes each"
        )
    is_gpu = hardware is None or hardware.kind != "cpu"
    overhead_each = (GPU_CONTEXT_GB + ENGINE_SLACK_GB) * GB if is_gpu else CPU_OVERHEAD_GB * GB

    # Tensor parallelism: weights and adapters shard; KV shards by KV head (replicated when kv_heads < N,
    # and fully replicated for MLA's single latent); activations and overhead are per device.
    if model.kv_lora_rank is not None:
        kv_per = kv
        if n > 1:
            notes.append("MLA latent KV cache is replicated on every GPU under tensor parallelism")
    else:
        kv_per = kv * max(model.n_kv_heads, n) / (model.n_kv_heads * n)
        if n > model.n_kv_heads:
            notes.append(f"{model.n_kv_heads} KV heads < {n} GPUs: KV heads are replicated")
    per_gpu = w / n + adapters / n + kv_per + act + overhead_each
    total = w + adapters + kv_per * n + (act + overhead_each) * n
    usable = usable_memory_gb(hardware) if hardware is not None else None
    fits = None if usable is None else per_gpu / GB <= usable
    return MemoryEstimate(
        weights_gb=w / GB,
        kv_cache_gb=kv / GB,
        activations_gb=act / GB,
        overhead_gb=overhead_each * n / GB,
        adapters_gb=adapters / GB,
        total_gb=total / GB,
        per_gpu_gb=per_gpu / GB,
        gpus=n,
        available_gb=usable,
        fits=fits,
        headroom_gb=None if usable is None else usable - per_gpu / GB,
        notes=tuple(notes),
    )
