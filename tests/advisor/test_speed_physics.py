"""Physics of the speed estimate that the fitted parameters cannot change (issue 13), on the shipped catalog."""

from __future__ import annotations

import pytest

from advisor.context import default_context
from advisor.estimate import estimate
from advisor.workload import Workload

CTX = default_context()


def _reversed_engines():
    """The same catalog with the engine list (and so every verdict's engine paths) in the opposite order."""
    return CTX.replace(engines=dict(reversed(list(CTX.engines.items()))))


@pytest.mark.parametrize(
    ("sku", "model", "fmt"),
    [
        ("mi300x", "llama-3.1-70b", "int8_w8a8"),
        ("mi300x", "llama-3.1-70b", "fp8_w8a8"),
        ("h100_sxm5_80gb", "llama-3.1-8b", "int4_awq_w4a16"),
        ("h100_sxm5_80gb", "llama-3.1-8b", "gguf_q4_k_m"),
        ("v100_sxm2_32gb", "llama-3.1-8b", "fp16"),
        ("rtx_4090", "qwen3-30b-a3b", "gguf_q4_k_m"),
    ],
)
@pytest.mark.parametrize("batch", [1, 32])
def test_estimates_do_not_depend_on_the_order_engines_are_listed(sku, model, fmt, batch):
    w = Workload(batch=batch, input_len=2048, output_len=256)
    a = estimate(CTX.models[model], fmt, CTX.target(sku), w, ctx=CTX)
    flipped = _reversed_engines()
    b = estimate(flipped.models[model], fmt, flipped.target(sku), w, ctx=flipped)
    assert a.engine == b.engine
    assert (a.speed.decode_tok_s, a.speed.prefill_tok_s, a.speed.tpot_ms) == (
        b.speed.decode_tok_s,
        b.speed.prefill_tok_s,
        b.speed.tpot_ms,
    )


def test_emulated_bf16_on_volta_is_never_faster_than_native_fp16():
    hw, m = CTX.target("v100_sxm2_32gb"), CTX.models["llama-3.1-8b"]
    fp16 = estimate(m, "fp16", hw, Workload(batch=1, input_len=2048), ctx=CTX)
    bf16 = estimate(m, "bf16", hw, Workload(batch=1, input_len=2048), ctx=CTX)
    assert bf16.support.level.value == "emulated"
    assert bf16.speed.math_format == "fp32"  # no BF16 tensor cores: CUDA-core math
    assert bf16.speed.prefill_tok_s < 0.5 * fp16.speed.prefill_tok_s
    assert bf16.speed.decode_tok_s <= fp16.speed.decode_tok_s


def test_moe_batch1_decode_is_bound_by_the_active_experts_bytes():
    """gpt-oss-20b Q5_K_M vs Q8_0: batch-1 decode follows the bytes read, not a compute bound."""
    hw, m = CTX.target("rtx_4090"), CTX.models["gpt-oss-20b"]
    w = Workload(batch=1, input_len=512, output_len=128)
    q5 = estimate(m, "gguf_q5_k_m", hw, w, engine="llama_cpp", ctx=CTX).speed
    q8 = estimate(m, "gguf_q8_0", hw, w, engine="llama_cpp", ctx=CTX).speed
    assert q5.decode_bound == q8.decode_bound == "memory"
    assert q5.decode_tok_s > 1.2 * q8.decode_tok_s
    dense = estimate(
        CTX.models["qwen3-32b"], "gguf_q8_0", hw.with_overrides(free_memory_gb=None), w, engine="llama_cpp", ctx=CTX
    ).speed
    assert q8.decode_tok_s > 3 * dense.decode_tok_s  # ~3.6B active of 21B vs 32B dense


def test_the_engine_changes_the_estimate():
    """Engines are inputs: the same FP8 Llama 3.1 8B at batch 1 on an H100 through TensorRT-LLM and vLLM gets the
    efficiencies each engine's own measurements were fitted to (or the shared default where it has none)."""
    hw, m = CTX.target("h100_sxm5_80gb"), CTX.models["llama-3.1-8b"]
    w = Workload(batch=1, input_len=1024, output_len=128)
    by_engine = {e: estimate(m, "fp8_w8a8", hw, w, engine=e, ctx=CTX).speed for e in ("tensorrt_llm", "vllm")}
    assert all(s.engine == e for e, s in by_engine.items())
    assert {s.evidence["decode_bw_eff"] for s in by_engine.values()}  # every estimate names its evidence


def _long_prompt_speed(model, sku="h100_sxm5_80gb", fmt="bf16"):
    w = Workload(batch=1, input_len=32768, output_len=256)
    return estimate(model, fmt, CTX.target(sku), w, ctx=CTX).speed


def test_attention_cost_counts_only_softmax_layers_of_a_hybrid():
    """Nemotron-H: 10 of 118 layers attend; calling every layer an attention layer must slow a 32k prefill."""
    from dataclasses import replace

    m = CTX.models["nemotron-h-56b"]
    as_all_attention = replace(m, attention_layers=m.n_layers, mamba_layers=None, linear_attention_layers=None)
    hybrid, dense_attn = _long_prompt_speed(m), _long_prompt_speed(as_all_attention)
    assert hybrid.prefill_tok_s > 1.5 * dense_attn.prefill_tok_s


def test_sliding_window_layers_attend_only_within_their_window():
    from dataclasses import replace

    from advisor.models import attended_positions

    m = CTX.models["gemma-3-27b"]
    assert m.sliding_window and m.sliding_window_layers
    assert attended_positions(m, 32768) < 0.25 * m.n_layers * 32768
    assert attended_positions(m, 100) == m.n_layers * 100  # inside the window every layer sees everything
    full = replace(m, sliding_window=None, sliding_window_layers=None)
    assert _long_prompt_speed(m).prefill_tok_s > _long_prompt_speed(full).prefill_tok_s


def test_moe_decode_bytes_use_the_bits_the_weights_are_stored_at():
    """gpt-oss-120b at batch 1 reads its ~5.1B active parameters: Q4_K_M vs Q8_0 decode follows the stored bytes
    (the unused experts are subtracted at the body's bits, as weight_bytes stores them, not at the file average)."""
    hw, m = CTX.target("h100_sxm5_80gb"), CTX.models["gpt-oss-120b"]
    w = Workload(batch=1, input_len=512, output_len=128)
    q4 = estimate(m, "gguf_q4_k_m", hw, w, engine="llama_cpp", ctx=CTX).speed
    q8 = estimate(m, "gguf_q8_0", hw, w, engine="llama_cpp", ctx=CTX).speed
    assert q4.decode_bound == q8.decode_bound == "memory"
    assert 1.2 < q4.decode_tok_s / q8.decode_tok_s < 8.5 / 4.78 * 1.05


@pytest.mark.parametrize(
    ("sku", "fmt"), [("rtx_3090", "gguf_q4_k_m"), ("mi300x", "gguf_q8_0"), ("rtx_4090", "gguf_q4_0")]
)
def test_an_engine_that_runs_another_engines_kernels_is_estimated_as_that_engine(sku, fmt):
    """Ollama bundles llama.cpp's ggml backends (``kernels_of`` in its engine file): the same format on the same
    device decodes and prefills at llama.cpp's estimate, through llama.cpp's kernel (int8 MMQ on Ampere), and the
    estimate still names Ollama."""
    hw, m = CTX.target(sku), CTX.models["llama-3.1-8b"]
    w = Workload(batch=1, input_len=2048, output_len=128)
    ollama = estimate(m, fmt, hw, w, engine="ollama", ctx=CTX).speed
    llama = estimate(m, fmt, hw, w, engine="llama_cpp", ctx=CTX).speed
    assert ollama.engine == "ollama"
    assert (ollama.decode_tok_s, ollama.prefill_tok_s) == (llama.decode_tok_s, llama.prefill_tok_s)
    assert ollama.math_format == llama.math_format


def test_with_no_engine_named_the_one_that_finishes_the_workload_first_is_chosen():
    """RTX 3090, Llama 3.1 8B Q4_K_M at batch 1 with a 2k prompt: vLLM's GGUF path decodes about as fast as
    llama.cpp but prefills far slower, so the estimate is llama.cpp's (the best output tokens/s of the workload)."""
    hw, m = CTX.target("rtx_3090"), CTX.models["llama-3.1-8b"]
    w = Workload(batch=1, input_len=2048, output_len=256)
    chosen = estimate(m, "gguf_q4_k_m", hw, w, ctx=CTX)
    per_engine = {e: estimate(m, "gguf_q4_k_m", hw, w, engine=e, ctx=CTX).speed for e in chosen.support.engines}
    assert len(per_engine) > 1
    assert chosen.speed.output_tok_s == max(s.output_tok_s for s in per_engine.values())


@pytest.mark.parametrize(
    ("label", "active"),
    [
        ("deepseek2 30B.A3B Q8_0 (ggml-org/GLM-4.7-Flash-GGUF)", 3.0),  # llama.cpp's model type
        ("nemotron_h_moe 31B.A3.5B Q8_0 (Nemotron-3-Nano-30B-A3B-UD-Q8_K_XL)", 3.5),
        ("Qwen3-30B-A3B-Instruct-2507", 3.0),
        ("hunyuan-moe A13B Q6_K (Hunyuan-A13B-Instruct-UD-Q6_K_XL-00001-of-00002.gguf)", 13.0),
        ("llama 8B Q4_0", None),
        ("NVIDIA RTX A6000", None),  # a GPU name is not a size label
        ("gpt-oss 20B MXFP4 MoE", None),
        ("qwen3moe 30B.A31B Q4_0", None),  # not below the total (30.5B): not an MoE label
    ],
)
def test_the_active_parameters_of_a_size_label(label, active):
    from advisor.models import active_params_from_label

    assert active_params_from_label(label, 30.5) == active


def test_an_unknown_moe_is_costed_by_the_active_parameters_its_size_label_states():
    """A real row: llama.cpp b7941 on DGX Spark, GLM-4.7-Flash Q8_0 (llama-bench model type "deepseek2 30B.A3B
    Q8_0", 29.94B parameters, 29.65 GiB), tg32 at 48.68 tok/s (bench/validation/corpus/ggml_benches_dgx_spark_b7941.csv,
    from https://github.com/ggml-org/llama.cpp/blob/3795cc1e89e16fbc145f8a5457ea30abd86e0d1d/benches/dgx-spark/dgx-spark.md).
    With no catalog entry, the estimate reads the 3B active parameters per token, not all 30B."""
    from advisor.comparison import evaluate, prepare
    from advisor.measurement import Load, Measurement, Metric

    def row(model_raw: str) -> Measurement:
        return Measurement(
            metric=Metric.DECODE_TOK_S,
            value=48.68,
            hardware_sku="dgx_spark_gb10",
            model_raw=model_raw,
            params_b=29.94,
            format_id="gguf_q8_0",
            engine="llama_cpp",
            backend="cuda",
            batch=1,
            load=Load.STATIC,
            input_len=0,
            output_len=32,
            model_size_gib=29.65,
        )

    labelled = evaluate(prepare(row("deepseek2 30B.A3B Q8_0 (ggml-org/GLM-4.7-Flash-GGUF)"), CTX)).predicted
    dense = evaluate(prepare(row("deepseek2 30B Q8_0"), CTX)).predicted
    assert 48.68 / 1.5 < labelled < 48.68 * 1.5
    assert dense < labelled / 5  # without the label: a 30B dense guess (what the estimate did before)


def test_a_gpu_with_much_bandwidth_per_sm_streams_decode_weights_at_a_smaller_share_of_it():
    """Real rows (xiongjiedai/GPU-Benchmarks-on-LLM-Inference, llama.cpp build 2824, Llama-3-8B Q4_K_M, tg512 on one
    GPU; bench/validation/corpus/xiongjiedai_gpu_benchmarks_llama3.csv): A100 SXM4 80GB 135.0 tok/s, RTX 4090 130.6
    tok/s, although the A100 has 2.02x the bandwidth. Its 108 SMs at 1.41 GHz (152 SM-GHz: FP32 peak / 2 / 64 lanes)
    issue a matrix-vector kernel's loads at half the 4090's rate (128 SMs at 2.52 GHz: 323), so with the same
    efficiencies (the priors, no fitted entry) the estimate keeps the A100 well under 2x the 4090."""
    from advisor.speed_params import SpeedParams

    speed = CTX.speed
    priors = SpeedParams(
        {name: tuple(e for e in es if not e.when) for name, es in speed.entries.items()},
        speed.hardware_groups,
        speed.format_groups,
        speed.fast_dequant_kernels,
        speed.fitted,
    )
    ctx = CTX.replace(speed=priors)
    w = Workload(batch=1, input_len=16, output_len=512)
    model = ctx.models["llama-3-8b"]

    def tok_s(sku: str) -> float:
        return estimate(model, "gguf_q4_k_m", ctx.target(sku), w, engine="llama_cpp", ctx=ctx).speed.decode_tok_s

    a100, rtx = ctx.target("a100_sxm4_80gb"), ctx.target("rtx_4090")
    assert a100.unit_ghz == pytest.approx(152.3, abs=0.1) and rtx.unit_ghz == pytest.approx(322.7, abs=0.1)
    bandwidth_ratio = a100.bandwidth_gbps / rtx.bandwidth_gbps  # 2.02
    assert tok_s("a100_sxm4_80gb") / tok_s("rtx_4090") < 0.75 * bandwidth_ratio
    assert ctx.target("m2_ultra").unit_ghz is None  # no lanes per unit in the catalog: no issue-rate term
