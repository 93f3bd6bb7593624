"""Small fixture targets, engines and models, so logic tests don't move when the catalog data does."""

from __future__ import annotations

import datetime as dt

import pytest

from advisor.hardware import HardwareTarget, SupportEntry
from advisor.models import ModelSpec
from hardware_db.schema import Engine, EnginePath, Support

SRC = "https://example.org/fixture"
N, U, E = Support.NATIVE, Support.UNSUPPORTED, Support.EMULATED


def _support(**levels: Support) -> dict[str, SupportEntry]:
    return {k: SupportEntry(level=v, source=f"{SRC}/{k}", notes=f"fixture {k}") for k, v in levels.items()}


def make_target(
    name: str, arch: str, *, bw: float = 3000.0, peaks: dict | None = None, mem: float = 80.0, **lv
) -> HardwareTarget:
    return HardwareTarget(
        name=name,
        architecture=arch,
        sku_id=name.lower().replace(" ", "_"),
        architecture_name=arch,
        compute_capability={"fx_hopper": "9.0", "fx_ampere": "8.0", "fx_blackwell": "10.0"}.get(arch),
        support=_support(**lv),
        dense_tflops=peaks or {"bf16": 1000.0, "fp16": 1000.0, "fp8": 2000.0, "int8": 2000.0},
        memory_gb=mem,
        memory_bandwidth_gbps=bw,
        interconnect_gbps=900.0,
    )


@pytest.fixture
def hopper() -> HardwareTarget:
    return make_target("FX Hopper", "fx_hopper", bf16=N, fp16=N, fp8=N, int8=N, fp4=U, nvfp4=U, mxfp4=U, int4=U)


@pytest.fixture
def ampere() -> HardwareTarget:
    return make_target(
        "FX Ampere",
        "fx_ampere",
        peaks={"bf16": 312.0, "fp16": 312.0, "int8": 624.0},
        bw=2000.0,
        bf16=N,
        fp16=N,
        fp8=U,
        int8=N,
        fp4=U,
        nvfp4=U,
    )


@pytest.fixture
def blackwell() -> HardwareTarget:
    return make_target(
        "FX Blackwell",
        "fx_blackwell",
        peaks={"bf16": 2250.0, "fp8": 4500.0, "fp4": 9000.0},
        bw=8000.0,
        mem=180.0,
        bf16=N,
        fp16=N,
        fp8=N,
        fp4=N,
        nvfp4=N,
        mxfp4=N,
    )


@pytest.fixture
def cpu() -> HardwareTarget:
    """A CPU with AVX512-BF16 and VNNI: bf16 and int8 native, fp16 emulated."""
    return HardwareTarget(
        name="FX Zen4",
        architecture="fx_cpu",
        kind="cpu",
        support=_support(fp32=N, bf16=N, int8=N, fp16=E, fp8=U),
        memory_gb=256.0,
        memory_bandwidth_gbps=460.8,
        unpublished={"bf16": "no vendor peak"},
    )


def _path(fmt: str, archs: list[str], level: str, kernel: str = "") -> EnginePath:
    return EnginePath(
        format=fmt, architectures=archs, level=Support(level), kernel=kernel, source=SRC, checked=dt.date(2026, 11, 27)
    )


@pytest.fixture
def engines() -> dict[str, Engine]:
    vllm = Engine(
        schema_version=1,
        id="vllm",
        name="vLLM",
        url=SRC,
        paths=[
            _path("fp8_w8a8", ["fx_hopper", "fx_blackwell"], "native", "CUTLASS scaled_mm"),
            _path("fp8_w8a8", ["fx_ampere"], "weight_only", "FP8-Marlin (W8A16)"),
            _path("nvfp4_w4a4", ["fx_blackwell"], "native", "CUTLASS NVFP4"),
            _path("nvfp4_w4a4", ["fx_hopper", "fx_ampere"], "weight_only", "FP4-Marlin"),
            _path("int4_awq_w4a16", ["fx_hopper", "fx_ampere"], "weight_only", "AWQ-Marlin"),
            _path("int8_w8a16", ["fx_hopper"], "weight_only", "torchao generic"),
            _path("bf16", ["fx_hopper", "fx_ampere", "fx_blackwell"], "native", "cuBLAS"),
        ],
    )
    other = Engine(
        schema_version=1,
        id="tensorrt_llm",
        name="TensorRT-LLM",
        url=SRC,
        paths=[_path("int4_awq_w4a16", ["fx_blackwell"], "unsupported")],
    )
    return {"vllm": vllm, "tensorrt_llm": other}


def dense_model(params_b: float = 70.0, layers: int = 80, hidden: int = 8192) -> ModelSpec:
    return ModelSpec(
        id=f"fx-{params_b:g}b",
        name=f"Fixture {params_b:g}B",
        family="fixture",
        params_b=params_b,
        active_params_b=params_b,
        n_layers=layers,
        hidden_size=hidden,
        n_heads=hidden // 128,
        n_kv_heads=8,
        head_dim=128,
        vocab_size=128256,
        intermediate_size=int(hidden * 3.5),
        max_context=131072,
    )


@pytest.fixture
def llama70() -> ModelSpec:
    return dense_model()


@pytest.fixture
def moe() -> ModelSpec:
    return ModelSpec(
        id="fx-moe",
        name="Fixture MoE",
        family="fixture",
        params_b=117.0,
        active_params_b=5.1,
        n_layers=36,
        hidden_size=2880,
        n_heads=64,
        n_kv_heads=8,
        head_dim=64,
        vocab_size=201088,
        intermediate_size=2880,
        n_experts=128,
        n_active_experts=4,
    )
