from advisor.context import Context
from advisor.formats import get_format
from advisor.support import resolve_support
from hardware_db.schema import Support


def test_fp8_native_on_hopper(hopper, engines):
    v = resolve_support(hopper, "fp8_w8a8", ctx=Context.build(engines=engines))
    assert v.level is Support.NATIVE
    assert "vllm" in v.engines
    assert v.why_not == ""


def test_fp8_on_ampere_is_weight_only_with_reason(ampere, engines):
    v = resolve_support(ampere, "fp8_w8a8", ctx=Context.build(engines=engines))
    assert v.level is Support.WEIGHT_ONLY
    assert v.fallback
    assert "FP8-Marlin" in v.why_not and "memory win only" in v.why_not
    assert "no native fp8" in v.why_not
    assert v.source == "https://example.org/fixture"


def test_fp8_on_ampere_without_engine_path_is_unsupported(ampere):
    v = resolve_support(ampere, "fp8_w8a8", ctx=Context.build(engines={}))
    assert v.level is Support.UNSUPPORTED
    assert v.source == "https://example.org/fixture/fp8"


def test_nvfp4_native_on_blackwell_not_on_hopper(blackwell, hopper, engines):
    assert resolve_support(blackwell, "nvfp4_w4a4", ctx=Context.build(engines=engines)).level is Support.NATIVE
    v = resolve_support(hopper, "nvfp4_w4a4", ctx=Context.build(engines=engines))
    assert v.level is Support.WEIGHT_ONLY
    assert resolve_support(hopper, "nvfp4_w4a4", ctx=Context.build(engines={})).level is Support.UNSUPPORTED


def test_cpu_bf16_and_int8_native_fp16_not(cpu):
    assert resolve_support(cpu, "bf16", ctx=Context.build(engines={})).level is Support.NATIVE
    assert resolve_support(cpu, "int8_w8a8", ctx=Context.build(engines={})).level is Support.NATIVE
    v = resolve_support(cpu, "fp16", ctx=Context.build(engines={}))
    assert v.level is Support.EMULATED
    assert v.why_not


def test_missing_claim_is_unknown_never_guessed(cpu):
    v = resolve_support(
        cpu, "mxfp8_w8a8", ctx=Context.build(engines={})
    )  # cpu fixture has no mxfp8 claim, fp8 unsupported
    assert v.level is Support.UNSUPPORTED
    bare = cpu.with_overrides(support={})
    assert resolve_support(bare, "int8_w8a8", ctx=Context.build(engines={})).level is Support.UNKNOWN


def test_engine_given_requires_its_native_path(hopper, engines):
    # hardware has fp8, the engine has a native path
    assert resolve_support(hopper, "fp8_w8a8", "vllm", ctx=Context.build(engines=engines)).level is Support.NATIVE
    # hardware has fp8 but TensorRT-LLM fixture records nothing for it
    v = resolve_support(hopper, "fp8_w8a8", "tensorrt_llm", ctx=Context.build(engines=engines))
    assert v.level is Support.UNKNOWN
    assert resolve_support(hopper, "fp8_w8a8", "nope", ctx=Context.build(engines=engines)).level is Support.UNKNOWN


def test_weight_only_design_formats_follow_engine_paths(hopper, blackwell, engines):
    v = resolve_support(hopper, get_format("int4_awq_w4a16"), ctx=Context.build(engines=engines))
    assert v.level is Support.WEIGHT_ONLY and not v.fallback
    assert (
        resolve_support(blackwell, "int4_awq_w4a16", "tensorrt_llm", ctx=Context.build(engines=engines)).level
        is Support.UNSUPPORTED
    )
    # one engine's "no" without any other engine's "yes" is unknown, not unsupported
    assert resolve_support(blackwell, "int4_awq_w4a16", ctx=Context.build(engines=engines)).level is Support.UNKNOWN
    assert resolve_support(hopper, "gguf_q4_k_m", ctx=Context.build(engines=engines)).level is Support.UNKNOWN
