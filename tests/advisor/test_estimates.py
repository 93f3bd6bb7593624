import math
from dataclasses import replace

import pytest

from advisor.calibration import calibrate
from advisor.comparison import compare
from advisor.context import Context, default_context
from advisor.estimate import estimate
from advisor.formats import get_format
from advisor.measurement import Measurement
from advisor.memory import GB, estimate_memory, kv_cache_bytes, weight_bytes
from advisor.quality import expected_quality, within_tolerance
from advisor.recommend import FINETUNE_FORMATS, Request, recommend
from advisor.speed import estimate_speed
from advisor.support import resolve_support
from advisor.workload import Profile, Workload

from .conftest import dense_model

FORMATS = default_context().formats
CTX = default_context()


def _speed(model, fmt, w, hw, engines):
    """The speed estimate through the fixture engines' verdict for ``fmt`` on ``hw``."""
    return estimate_speed(
        model, get_format(fmt), w, hw, resolve_support(hw, fmt, ctx=Context.build(engines=engines)), ctx=CTX
    )


def test_kv_cache_formula(llama70):
    # 2 x 80 layers x 8 kv heads x 128 head_dim x 2 bytes = 327,680 bytes per token
    assert kv_cache_bytes(llama70, 1280, 64) == pytest.approx(327_680 * 1280 * 64)
    m = estimate_memory(
        llama70, "bf16", Workload(batch=64, input_len=1024, output_len=256, kv_format="kv_fp8"), formats=FORMATS
    )
    assert m.kv_cache_gb == pytest.approx(327_680 * 1280 * 64 / 2 / GB)


def test_mla_kv_cache_uses_latent_width(llama70):
    mla = replace(llama70, kv_lora_rank=512, qk_rope_head_dim=64, n_layers=61)
    assert kv_cache_bytes(mla, 1000, 1) == pytest.approx(61 * 576 * 2 * 1000)


def test_weights_keep_embeddings_in_16bit(llama70):
    f = get_format("int4_awq_w4a16")
    embed = 128256 * 8192
    expected = (70e9 - 2 * embed) * 4.156 / 8 + 2 * embed * 2
    assert weight_bytes(llama70, f) == pytest.approx(expected)
    # GGUF: the Llama-3.1-8B average (4.8944 bpw, output.weight at Q6_K) split into body and output bits
    n8, e8 = 8.03e9, 525336576
    body = (4.8944 * n8 - 6.5625 * e8) / (n8 - e8)
    expected = ((70e9 - 2 * embed) * body + embed * body + embed * 6.5625) / 8
    assert weight_bytes(llama70, get_format("gguf_q4_k_m")) == pytest.approx(expected)


def test_gguf_averages_scale_with_the_embedding_share(llama70):
    """An 8B model's whole-file average overcounts a 70B model (embeddings 13% vs 3% of its weights):
    the 2-bit i-quant of a 70B model is about 19 GB (issue 16), not params x the 8B average (21 GB)."""
    from advisor.models import default_models

    iq2 = get_format("gguf_iq2_xxs")
    assert weight_bytes(llama70, iq2) < 0.93 * 70e9 * iq2.bits_per_weight / 8
    assert weight_bytes(llama70, iq2) / 1e9 == pytest.approx(19.2, abs=0.3)
    m8 = default_models()["llama-3.1-8b"]
    assert weight_bytes(m8, iq2) == pytest.approx(m8.params_b * 1e9 * iq2.bits_per_weight / 8, rel=0.01)


def test_tensor_parallel_and_fit(hopper, llama70):
    one = estimate_memory(llama70, "bf16", Workload(batch=1), hopper, formats=FORMATS)
    eight = estimate_memory(llama70, "bf16", Workload(batch=1, gpus=8), hopper, formats=FORMATS)
    assert one.fits is False and eight.fits is True
    assert eight.per_gpu_gb == pytest.approx(one.per_gpu_gb - one.weights_gb * 7 / 8 - one.kv_cache_gb * 7 / 8)
    assert one.available_gb == pytest.approx(80 * 2**30 / 1e9 * 0.9)  # 80 GiB of HBM, 90% usable
    probed = estimate_memory(
        llama70, "bf16", Workload(batch=1, gpus=8), hopper.with_overrides(free_memory_gb=10.0), formats=FORMATS
    )
    assert probed.available_gb == 10.0 and probed.fits is False


def test_low_precision_speeds_prefill_more_than_decode(hopper, engines, llama70):
    w = Workload(batch=1, input_len=4096, output_len=256)
    bf16 = _speed(llama70, "bf16", w, hopper, engines)
    fp8 = _speed(llama70, "fp8_w8a8", w, hopper, engines)
    assert fp8.math_format == "fp8" and bf16.math_format == "bf16"
    assert fp8.prefill_bound == "compute"
    # compute-bound prefill: the linear layers speed up by (2000 x fp8 efficiency) / (1000 x 16-bit efficiency);
    # attention stays at the 16-bit rate, so the whole prefill gains a little less than that
    linear = 2000 * fp8.efficiency["prefill_eff"] / (1000 * bf16.efficiency["prefill_eff"])
    assert linear > 1.2
    gain = fp8.prefill_tok_s / bf16.prefill_tok_s
    assert 0.85 * linear < gain < linear
    assert fp8.decode_bound == "memory"
    assert 1.5 < fp8.decode_tok_s / bf16.decode_tok_s < 2.0


def test_weight_only_has_no_compute_gain(hopper, engines, llama70):
    w = Workload(batch=1, input_len=4096, output_len=256)
    bf16 = _speed(llama70, "bf16", w, hopper, engines)
    awq = _speed(llama70, "int4_awq_w4a16", w, hopper, engines)
    assert awq.math_format == "bf16"
    assert awq.prefill_tok_s == pytest.approx(bf16.prefill_tok_s, rel=0.01)  # Marlin: same 16-bit compute
    assert awq.decode_tok_s > 2.5 * bf16.decode_tok_s  # ~3.8x fewer bytes at batch 1, minus per-layer overhead
    generic = _speed(llama70, "int8_w8a16", w, hopper, engines)
    assert generic.efficiency["decode_compute_eff"] == pytest.approx(bf16.efficiency["decode_compute_eff"])
    assert generic.prefill_tok_s == pytest.approx(bf16.prefill_tok_s, rel=0.01)
    # above batch 1 a generic (unfused) kernel writes and re-reads a 16-bit copy: 1 + 2 x 2 bytes vs 2 per weight
    w8 = Workload(batch=8, input_len=32, output_len=32)
    bf16_8 = _speed(llama70, "bf16", w8, hopper, engines)
    generic_8 = _speed(llama70, "int8_w8a16", w8, hopper, engines)
    assert generic_8.tpot_ms / bf16_8.tpot_ms == pytest.approx(2.5, rel=0.1)
    assert any("re-reads 16-bit weights" in n for n in generic_8.notes)
    assert not any("re-reads 16-bit weights" in n for n in generic.notes)  # batch 1: no materialized copy


def test_moe_decodes_on_active_parameters(hopper, moe):
    dense = replace(moe, n_experts=None, n_active_experts=None, active_params_b=moe.params_b, id="dense")
    w = Workload(batch=1)
    f = get_format("bf16")
    fast = estimate_speed(moe, f, w, hopper, ctx=CTX)
    slow = estimate_speed(dense, f, w, hopper, ctx=CTX)
    assert fast.decode_tok_s > 8 * slow.decode_tok_s
    # a big batch touches (almost) every expert: the advantage shrinks
    big = Workload(batch=256)
    assert estimate_speed(moe, f, big, hopper, ctx=CTX).tpot_ms > 3 * fast.tpot_ms


def test_multi_gpu_adds_communication(hopper, llama70):
    f = get_format("bf16")
    two = estimate_speed(llama70, f, Workload(batch=1, gpus=2), hopper, ctx=CTX)
    slow_link = estimate_speed(
        llama70, f, Workload(batch=1, gpus=2), hopper.with_overrides(interconnect_gbps=10.0), ctx=CTX
    )
    assert slow_link.tpot_ms > two.tpot_ms


def test_band_and_basis(hopper, llama70):
    est = estimate_speed(llama70, get_format("bf16"), Workload(), hopper, ctx=CTX)
    assert est.basis == "estimated"
    lo, hi = est.band["decode_tok_s"]
    half = CTX.speed.lookup("band_log80", hw="nvidia_gpu", fgroup="16bit", fmt="bf16", backend="cuda").value
    assert (lo, hi) == pytest.approx((est.decode_tok_s * math.exp(-half), est.decode_tok_s * math.exp(half)))
    assert est.evidence["band_log80"].startswith("default")
    # times invert the band: a slower rate is a longer time
    assert est.band["tpot_ms"] == pytest.approx((est.tpot_ms * math.exp(-half), est.tpot_ms * math.exp(half)))


def test_long_prompt_attention_runs_at_16_bit(hopper, engines, llama70):
    """At 128k tokens attention dominates prefill; FP8 weights no longer buy the FP8 peak for it."""
    ctx = Context.build(engines=engines)

    def prefill(fmt, n):
        w = Workload(batch=1, input_len=n, output_len=1)
        return estimate_speed(llama70, get_format(fmt), w, hopper, resolve_support(hopper, fmt, ctx=ctx), ctx=CTX)

    short = prefill("fp8_w8a8", 2048).prefill_tok_s / prefill("bf16", 2048).prefill_tok_s
    long = prefill("fp8_w8a8", 131072).prefill_tok_s / prefill("bf16", 131072).prefill_tok_s
    assert short > 1.3
    # if attention ran at the FP8 rate the two gains would be equal; at 128k attention is about half the FLOPs
    assert long < 0.8 * short


def test_calibration_and_measured_basis(hopper, llama70):
    ctx = Context.build(engines={}, models={llama70.id: llama70})
    w = Workload(batch=1, input_len=512, output_len=128)
    base = estimate(llama70, "bf16", hopper, w, ctx=ctx)
    m = Measurement(
        "decode_tok_s",
        base.speed.decode_tok_s * 2,
        hardware_sku=hopper.sku_id,
        model_id=llama70.id,
        format_id="bf16",
        engine="vllm",
        batch=1,
        input_len=512,
        output_len=128,
        source="row 1",
    )
    c = compare(m, ctx, target=hopper)
    assert c.error_pct == pytest.approx(-50.0) and c.phase == "decode" and c.speed_ratio == pytest.approx(2.0)
    cal = calibrate([c])
    assert cal.n_measurements == 1
    assert cal.lookup("decode", hopper.sku_id, "vllm", "bf16").scale == pytest.approx(2.0)
    other = Workload(batch=4, input_len=512, output_len=128)
    calibrated = estimate(llama70, "bf16", hopper, other, calibration=cal, ctx=ctx)
    plain = estimate(llama70, "bf16", hopper, other, ctx=ctx)
    assert calibrated.speed.basis == "calibrated from 1 measurement"
    assert calibrated.speed.tpot_ms == pytest.approx(plain.speed.tpot_ms / 2)
    measured = estimate(llama70, "bf16", hopper, w, measurements=[m], ctx=ctx)
    assert measured.speed.basis == "measured"
    assert measured.speed.decode_tok_s == pytest.approx(m.value)
    unknown = compare(Measurement("decode_tok_s", 10.0, hardware_sku="nope", params_b=8, format_id="bf16"), ctx)
    skipped = calibrate([unknown])
    assert unknown.predicted is None and "nope" in unknown.note
    assert skipped.n_measurements == 0 and skipped.skipped


def test_quality_scales_with_size_and_tolerance_filters():
    f = get_format("int4_gptq_w4a16")
    small, big = expected_quality(f, 7.0), expected_quality(f, 70.0)
    assert small.ppl_increase_pct == pytest.approx(4.02)
    assert big.ppl_increase_pct < small.ppl_increase_pct
    assert within_tolerance(small, "moderate") and not within_tolerance(small, "strict")
    assert within_tolerance(small, 5.0) and not within_tolerance(small, 3.0)
    q2 = expected_quality(get_format("gguf_q2_k"), 8.0)
    assert not within_tolerance(q2, "moderate") and within_tolerance(q2, "relaxed")
    unknown = expected_quality(get_format("mlx_4bit"), 8.0)
    assert unknown.level == "unknown" and not within_tolerance(unknown, 50.0)


def test_profiles_change_the_winner(hopper, engines):
    model = dense_model(8.0, 32, 4096)
    pick = ("bf16", "fp8_w8a8", "int4_awq_w4a16", "int8_w8a8")
    inter = recommend(Request(model, hopper, Profile.INTERACTIVE, formats=pick), ctx=Context.build(engines=engines))
    longc = recommend(Request(model, hopper, Profile.LONG_CONTEXT, formats=pick), ctx=Context.build(engines=engines))
    # batch 1 on Hopper: W4A16 (fewest bytes per decode step) or FP8 (native, smaller quality loss): the vendor rule
    assert inter.best.format_id in ("int4_awq_w4a16", "fp8_w8a8")
    by_inter = {c.format_id: c for c in inter.ranked}
    assert (
        by_inter["int4_awq_w4a16"].estimate.speed.decode_tok_s_per_seq
        > by_inter["bf16"].estimate.speed.decode_tok_s_per_seq
    )
    # long prompts: FP8's faster prefill shows in TTFT, but the score is the whole request (TTFT + 512 decode
    # steps) and attention runs at 16-bit in every format, so 4-bit weights can still win at batch 1
    by_id = {c.format_id: c for c in longc.ranked}
    assert by_id["fp8_w8a8"].estimate.speed.ttft_ms < by_id["int4_awq_w4a16"].estimate.speed.ttft_ms
    assert [c.format_id for c in longc.ranked].index("fp8_w8a8") < [c.format_id for c in longc.ranked].index("bf16")
    if inter.best.format_id == "int4_awq_w4a16":  # a <= 4-bit winner gets 8-bit attention offered
        assert inter.mixed_precision is not None and inter.mixed_precision.attention_format == "fp8_w8a8"


def test_finetune_profile(hopper, engines):
    model = dense_model(8.0, 32, 4096)
    rec = recommend(
        Request(model, hopper, Profile.FINETUNE_QLORA, tolerance="relaxed"), ctx=Context.build(engines=engines)
    )
    assert rec.ranked and all(c.format_id in FINETUNE_FORMATS for c in rec.ranked)
    assert all(c.estimate.memory.adapters_gb > 0 for c in rec.ranked)


def test_memory_constrained_prefers_smallest(ampere, engines):
    model = dense_model(70.0)
    rec = recommend(
        Request(model, ampere, Profile.MEMORY_CONSTRAINED, Workload(gpus=2, batch=8)),
        ctx=Context.build(engines=engines),
    )
    # the smallest format whose quality is known wins; unknown-quality formats rank in a group after them
    sizes = [c.estimate.memory.total_gb for c in rec.ranked if c.estimate.quality.match]
    assert rec.best.estimate.memory.total_gb == min(sizes)
    assert all(c.estimate.memory.fits is not False for c in rec.ranked)
    assert max(c.estimate.memory.total_gb for c in rec.ranked) > rec.best.estimate.memory.total_gb


def test_published_quantized_model_is_its_own_reference():
    f = get_format("mxfp4_w4a4")
    q = expected_quality(f, 117.0, "mxfp4_w4a4", native_weight_bits=4)
    assert q.ppl_increase_pct == 0.0
    requant = expected_quality(get_format("gguf_q4_k_m"), 117.0, "mxfp4_w4a4", native_weight_bits=4)
    assert requant.level == "unknown"
    upcast = expected_quality(get_format("bf16"), 117.0, "mxfp4_w4a4", native_weight_bits=4)
    assert upcast.ppl_increase_pct == 0.0
    released = expected_quality(
        get_format("nvfp4_w4a4"), 671.0, "fp8_w8a8_block", native_weight_bits=8, has_release=True
    )
    assert released.ppl_increase_pct is not None


def test_layer_split_engines_get_no_multi_gpu_speedup(hopper, llama70):
    from hardware_db.schema import Engine

    from .conftest import _path

    only_llama = {
        "llama_cpp": Engine(
            schema_version=1,
            id="llama_cpp",
            name="llama.cpp",
            url="https://example.org",
            paths=[_path("gguf_q4_k_m", ["fx_hopper"], "weight_only", "MMQ")],
        )
    }
    one = estimate(llama70, "gguf_q4_k_m", hopper, Workload(batch=1, gpus=1), ctx=Context.build(engines=only_llama))
    four = estimate(llama70, "gguf_q4_k_m", hopper, Workload(batch=1, gpus=4), ctx=Context.build(engines=only_llama))
    assert four.speed.tpot_ms == pytest.approx(one.speed.tpot_ms)
    assert four.memory.per_gpu_gb < one.memory.per_gpu_gb
    assert any("no tensor parallelism" in n for n in four.speed.notes)


def test_formats_without_engine_rank_after_runnable_ones(hopper, engines):
    model = dense_model(8.0, 32, 4096)
    rec = recommend(Request(model, hopper, Profile.SERVING, tolerance="relaxed"), ctx=Context.build(engines=engines))
    flags = [bool(c.engines) for c in rec.ranked]
    assert flags == sorted(flags, reverse=True) and flags[0] and not flags[-1]


def test_kv_cache_suggestion_for_long_context(hopper, engines):
    from hardware_db.schema import Engine

    from .conftest import _path

    with_kv = dict(engines)
    vllm = engines["vllm"]
    with_kv["vllm"] = Engine(
        schema_version=1,
        id="vllm",
        name="vLLM",
        url=vllm.url,
        paths=[*vllm.paths, _path("kv_fp8", ["fx_hopper"], "weight_only", "FP8 KV")],
    )
    model = dense_model(8.0, 32, 4096)
    w = Workload(batch=8, input_len=16384, output_len=256)
    rec = recommend(
        Request(model, hopper, Profile.SERVING, w, formats=("bf16", "fp8_w8a8")), ctx=Context.build(engines=with_kv)
    )
    kv = rec.kv_cache
    assert kv is not None and kv.kv_format == "kv_fp8"
    assert kv.kv_cache_gb_after == pytest.approx(kv.kv_cache_gb_before / 2)
    assert kv.decode_tok_s_after > kv.decode_tok_s_before
    short = recommend(
        Request(model, hopper, Profile.INTERACTIVE, formats=("bf16",)), ctx=Context.build(engines=with_kv)
    )
    assert short.kv_cache is None


def test_lora_adapter_count_matches_peft_for_llama3_8b():
    from advisor.memory import lora_adapter_params

    # PEFT reports 41,943,040 trainable parameters for r=16 on all linear layers of Llama-3-8B
    assert lora_adapter_params(dense_model(8.0, 32, 4096), 16) == 41_943_040


def test_qlora_memory_breakdown(hopper):
    model = dense_model(8.0, 32, 4096)
    w = Workload(batch=4, input_len=2048, output_len=0)
    m = estimate_memory(model, "bnb_nf4", w, hopper, finetune=True, formats=FORMATS)
    assert m.adapters_gb == pytest.approx(41_943_040 * 12 / GB)
    assert "LoRA rank 16: 42M adapter parameters at 12 bytes each" in m.notes
    assert m.kv_cache_gb == 0.0
    # checkpointed hidden states (4 x 2048 x 4096 x 2 B x 32 layers) + fp32 logits (4 x 2048 x 128256 x 4 B) dominate
    assert m.activations_gb > (4 * 2048 * 4096 * 2 * 32 + 4 * 2048 * 128256 * 4) / GB
    assert m.weights_gb < 6.0 and m.fits is True


def test_unknown_format_in_request_names_the_closest(hopper, engines):
    from advisor.formats import FormatError

    with pytest.raises(FormatError, match="did you mean.*fp8_w8a8"):
        recommend(Request(dense_model(8.0), hopper, formats=("bf16", "fp8_w8a9")), ctx=Context.build(engines=engines))


def test_serving_speeds_come_from_a_serving_engine_when_one_runs_the_format():
    """GPTQ on an A100 for a serving workload is estimated (and deployed) through vLLM/SGLang/TensorRT-LLM, not
    through transformers, even where transformers' fitted efficiency is higher."""
    from advisor.context import default_context
    from advisor.recommend import SERVING_ENGINES

    ctx = default_context()
    w = Workload.for_profile("serving")
    rec = recommend(Request(ctx.models["llama-3.1-8b"], ctx.target("a100_sxm4_80gb"), Profile.SERVING, w), ctx=ctx)
    for c in rec.ranked:
        if set(c.engines) & set(SERVING_ENGINES):
            assert c.estimate.engine in SERVING_ENGINES, (c.format_id, c.estimate.engine)
            assert c.deploy.engine == c.estimate.engine
