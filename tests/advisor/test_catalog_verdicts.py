"""Acceptance checks against the shipped catalog (hardware, engines, models)."""

import pytest

from advisor.context import Context
from advisor.formats import weight_formats
from advisor.hardware import HardwareTarget
from advisor.models import get_model
from advisor.recommend import Request, recommend
from advisor.support import resolve_support
from advisor.workload import Profile, Workload
from hardware_db.catalog import default_catalog
from hardware_db.schema import Support


def target(sku: str) -> HardwareTarget:
    return HardwareTarget.from_catalog(default_catalog(), sku)


def test_h100_llama70b_batch64_fp8_native_near_top():
    rec = recommend(
        Request(get_model("llama-3.1-70b"), target("h100_sxm5_80gb"), Profile.SERVING, Workload(batch=64, gpus=8))
    )
    top = [c.format_id for c in rec.ranked[:3]]
    assert "fp8_w8a8" in top or "fp8_w8a8_block" in top, top
    fp8 = next(c for c in rec.ranked if c.format_id == "fp8_w8a8")
    assert fp8.estimate.support.level is Support.NATIVE
    assert "vllm" in fp8.engines
    bf16 = next(c for c in rec.ranked if c.format_id == "bf16")
    assert fp8.estimate.speed.prefill_tok_s > 1.2 * bf16.estimate.speed.prefill_tok_s


def test_a100_fp8_checkpoint_is_weight_only_with_reason():
    v = resolve_support(target("a100_sxm4_80gb"), "fp8_w8a8", "vllm")
    assert v.level is Support.WEIGHT_ONLY
    assert "Marlin" in v.reason and "memory win only" in v.reason
    assert "8.0" in v.why_not


def test_zen4_cpu_bf16_int8_native_fp16_not():
    cpu = target("epyc_9654")
    assert resolve_support(cpu, "bf16", ctx=Context.build(engines={})).level is Support.NATIVE
    assert resolve_support(cpu, "int8_w8a8", ctx=Context.build(engines={})).level is Support.NATIVE
    assert resolve_support(cpu, "fp16", ctx=Context.build(engines={})).level is not Support.NATIVE


def test_nvfp4_native_on_b200_not_on_h100():
    assert resolve_support(target("b200"), "nvfp4_w4a4").level is Support.NATIVE
    assert resolve_support(target("h100_sxm5_80gb"), "nvfp4_w4a4").level is not Support.NATIVE


@pytest.mark.parametrize("sku", ["rtx_4090", "mi300x", "m3_max", "tpu_v5e", "gaudi3", "epyc_9654"])
def test_recommend_runs_on_varied_hardware(sku):
    rec = recommend(Request(get_model("llama-3.1-8b"), target(sku), Profile.INTERACTIVE))
    # every weight format is either ranked or rejected with a reason, and something runs on each device
    assert sorted(c.format_id for c in (*rec.ranked, *rec.rejected)) == sorted(f.id for f in weight_formats())
    assert all(r.why for r in rec.rejected)
    assert rec.best is not None
    for c in rec.ranked:
        assert c.estimate.support.level is not Support.UNKNOWN


def test_real_model_kv_and_weights():
    from advisor.formats import get_format
    from advisor.memory import kv_cache_bytes, weight_bytes

    ds = get_model("deepseek-v3")
    # MLA: 61 layers x (512 latent + 64 rope) x 2 bytes = 70,272 bytes per token
    assert kv_cache_bytes(ds, 1, 1) == pytest.approx(61 * 576 * 2)
    llama = get_model("llama-3.1-70b")
    # GGUF Q4_K_M of Llama-3.1-70B: llama.cpp's quantize README lists 43.1 GB
    assert weight_bytes(llama, get_format("gguf_q4_k_m")) / 1e9 == pytest.approx(43.1, rel=0.02)
