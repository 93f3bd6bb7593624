import pytest

from advisor.context import default_context
from advisor.formats import get_format
from advisor.hardware import HardwareTarget, SupportEntry
from advisor.models import get_model
from advisor.speed import estimate_speed
from advisor.workload import Workload
from hardware_db.catalog import default_catalog
from hardware_db.schema import Support

FORMATS = default_context().formats
CTX = default_context()


def test_from_catalog_copies_sku_and_architecture():
    t = HardwareTarget.from_catalog(default_catalog(), "h100_sxm5_80gb")
    assert t.sku_id == "h100_sxm5_80gb" and t.architecture == "nvidia_hopper"
    assert t.compute_capability == "9.0"
    assert t.peak_tflops("fp8") == 1979 and t.bandwidth_gbps == 3350
    assert t.support_level("fp8") is Support.NATIVE
    assert t.support["fp8"].origin == "architecture" and t.support["fp8"].encoding == "ocp"
    with pytest.raises(KeyError, match="h100_sxm5_80gb"):
        HardwareTarget.from_catalog(default_catalog(), "h100_sxm5")


def test_sku_support_overrides_architecture():
    c = default_catalog()
    b300 = HardwareTarget.from_catalog(c, "b300")
    # B300 cuts INT8 matrix throughput to ~1/30 of FP8 (SKU file): its "emulated" overrides the architecture's "native"
    assert c.architectures[b300.architecture].support["int8"].level is Support.NATIVE
    assert c.skus["b300"].support["int8"].level is Support.EMULATED
    assert b300.support["int8"].origin == "sku"
    assert b300.support_level("int8") is Support.EMULATED
    assert b300.support["fp8"].origin == "architecture"  # claims the SKU leaves alone come from the architecture


def test_probe_measurements_take_precedence(hopper):
    probed = HardwareTarget.from_probe(
        name="probed",
        architecture="fx_hopper",
        base=hopper,
        measured_tflops={"bf16": 600.0},
        measured_bandwidth_gbps=2900.0,
        free_memory_gb=40.0,
        support={"fp4": SupportEntry(Support.NATIVE, "probe", origin="probe")},
    )
    assert probed.peak_tflops("bf16") == 600.0 and probed.peak_tflops("fp8") == 2000.0
    assert probed.bandwidth_gbps == 2900.0 and probed.available_memory_gb == 40.0
    assert probed.support_level("fp4") is Support.NATIVE and probed.is_measured
    model = get_model("llama-3.1-8b")
    f = get_format("bf16")
    slow = estimate_speed(model, f, Workload(batch=1, input_len=4096), probed, ctx=CTX)
    fast = estimate_speed(model, f, Workload(batch=1, input_len=4096), hopper, ctx=CTX)
    assert slow.prefill_tok_s < fast.prefill_tok_s  # 600 measured x eff/0.75 < 1000 datasheet x eff


def test_unknown_support_key_is_rejected():
    with pytest.raises(ValueError, match="fp9"):
        HardwareTarget(name="x", architecture="y", support={"fp9": SupportEntry(Support.NATIVE)})
