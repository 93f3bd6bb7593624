"""Written schema of the curated catalog's data files (validated at load with pydantic).

Three kinds of TOML file live under ``hardware_db/data/``:

* ``architectures/<id>.toml`` -- one per architecture family (Hopper, CDNA3, Zen 4 ...):
  which matrix formats its units execute natively, each claim with ``source`` and ``checked``.
* ``skus/<vendor>/<id>.toml`` -- one per product: memory, bandwidth, dense (and separately
  sparse) peak throughput per format, TDP, release year, names reported by NVML/torch.
* ``engines/<id>.toml`` -- one per serving engine: which quantization format it runs on which
  architecture, at which support level, through which kernel, from which version.

One more file, ``cloud_instances.toml``, maps cloud instance types (``Standard_ND96asr_v4``,
``p4d.24xlarge``, ``a3-highgpu-8g``) to a catalog SKU and the number of GPUs one instance has.

Units are in the key names and converted once, here: ``memory_gb`` (vendor GB, or GiB where
the vendor says so), ``memory_bandwidth_gbps`` (decimal GB/s), ``dense_tflops`` (TFLOPS for
floats, TOPS for integers, *dense*, no 2:4 sparsity), ``tdp_w``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1


class Support(StrEnum):
    """Tri-state-plus support level, the same tokens in data, code, URLs and JSON."""

    NATIVE = "native"  # the matrix units have instructions for this input format
    WEIGHT_ONLY = "weight_only"  # stored low-bit, dequantized to 16-bit math
    EMULATED = "emulated"  # runs, but through wider units / conversions, no speed-up
    UNSUPPORTED = "unsupported"  # does not run
    UNKNOWN = "unknown"  # nobody checked: never guessed from bit width


class MathFormat(StrEnum):
    """Formats a matrix unit can take as input: the keys of throughput and support tables."""

    FP32 = "fp32"  # non-matrix vector FP32 (CUDA cores / VALU / CPU SIMD)
    TF32 = "tf32"
    FP16 = "fp16"
    BF16 = "bf16"
    FP8 = "fp8"
    INT8 = "int8"
    INT4 = "int4"
    FP6 = "fp6"
    FP4 = "fp4"


class BlockScaling(StrEnum):
    """Block-scaled micro-formats; support is recorded per device, separately from the element type."""

    MXFP8 = "mxfp8"  # E4M3/E5M2 elements, E8M0 scale per 32 (OCP MX)
    MXFP6 = "mxfp6"  # E2M3/E3M2 elements, E8M0 scale per 32
    MXFP4 = "mxfp4"  # E2M1 elements, E8M0 scale per 32
    NVFP4 = "nvfp4"  # E2M1 elements, E4M3 scale per 16 + tensor scale


#: Every key a support table may hold.
SUPPORT_KEYS: tuple[str, ...] = tuple(m.value for m in MathFormat) + tuple(b.value for b in BlockScaling)


class Fp8Encoding(StrEnum):
    OCP = "ocp"  # E4M3FN (max 448, no Inf) + E5M2 (IEEE-like)
    FNUZ = "fnuz"  # E4M3FNUZ / E5M2FNUZ (AMD CDNA3): bias +1, no -0, single NaN


class DeviceKind(StrEnum):
    GPU = "gpu"
    CPU = "cpu"
    NPU = "npu"  # Gaudi, Inferentia, Trainium
    TPU = "tpu"


class Segment(StrEnum):
    DATACENTER = "datacenter"
    WORKSTATION = "workstation"
    CONSUMER = "consumer"
    EDGE = "edge"
    CLOUD = "cloud"  # only rentable (TPU, Trainium)
    SERVER_CPU = "server_cpu"
    LAPTOP = "laptop"  # Apple M-series and similar SoCs


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _is_url(v: str) -> str:
    if not v.startswith(("https://", "http://")):
        raise ValueError(f"source must be a URL, got {v!r}")
    return v


#: A ``source`` field: the URL of the primary source.
SourceUrl = Annotated[str, AfterValidator(_is_url)]


class Sourced(_Strict):
    source: SourceUrl = Field(description="URL of the primary source (vendor datasheet or equally primary)")
    checked: dt.date = Field(description="date the source was read")


class SupportClaim(Sourced):
    level: Support
    encoding: Fp8Encoding | None = None  # only for fp8
    notes: str = ""


def _known_support_keys(v: dict[str, SupportClaim]) -> dict[str, SupportClaim]:
    bad = sorted(set(v) - set(SUPPORT_KEYS))
    if bad:
        raise ValueError(f"unknown support keys {bad}; allowed: {list(SUPPORT_KEYS)}")
    return v


#: A support table (architecture or SKU): support key -> sourced claim; unknown keys are refused.
SupportTable = Annotated[dict[str, SupportClaim], AfterValidator(_known_support_keys)]


class ComputeUnit(Sourced):
    """The unit a GPU is built of (NVIDIA: the streaming multiprocessor) and its FP32 lanes: FP32 results per clock
    per unit, as the vendor's programming guide prints them. With the SKU's FP32 peak it gives units x clock, the
    rate at which a GPU issues work, which bounds how fast one matrix-vector kernel can stream weights."""

    name: str
    fp32_lanes: int = Field(gt=0)
    notes: str = ""


class Architecture(_Strict):
    schema_version: int
    id: str
    vendor: str
    name: str
    kind: DeviceKind
    compute_capability: str | None = None  # NVIDIA only, "major.minor"
    isa: str | None = None  # AMD gfx target, CPU ISA level, ...
    release_year: int
    notes: str = ""
    support: SupportTable = Field(default_factory=dict)
    compute_unit: ComputeUnit | None = None

    @field_validator("compute_capability")
    @classmethod
    def _cc(cls, v: str | None) -> str | None:
        if v is not None:
            parse_compute_capability(v)
        return v


class FieldSource(Sourced):
    notes: str = ""


class Sku(_Strict):
    schema_version: int
    id: str
    name: str
    vendor: str
    architecture: str
    segment: Segment
    form_factor: str = ""
    release_year: int
    compute_capability: str | None = None  # override of the architecture's (GB10 is 12.1)
    isa: str | None = None
    memory_gb: float | None = None  # None for CPUs (memory is configured, not fixed)
    memory_type: str = ""
    memory_bandwidth_gbps: float | None = None
    interconnect_gbps: float | None = None  # per-GPU scale-up bandwidth (NVLink, Infinity Fabric, ICI)
    tdp_w: float | None = None
    cores: int | None = None  # CPUs: cores per socket
    aliases: list[str] = Field(default_factory=list)  # names NVML / torch / lscpu report
    pci_device_ids: list[str] = Field(default_factory=list)  # "0x2330"
    dense_tflops: dict[str, float] = Field(default_factory=dict)  # keys: MathFormat
    sparse_tflops: dict[str, float] = Field(default_factory=dict)  # 2:4 structured sparsity
    unpublished: dict[str, str] = Field(default_factory=dict)  # native format -> why no peak is given
    accumulate_note: str = ""  # GeForce FP32-accumulate caveat and the FP16-accumulate figure
    support: SupportTable = Field(default_factory=dict)  # overrides the architecture's
    source: SourceUrl
    checked: dt.date
    field_sources: dict[str, FieldSource] = Field(default_factory=dict)  # per-field source override
    notes: str = ""

    @field_validator("dense_tflops", "sparse_tflops", "unpublished")
    @classmethod
    def _fmt_keys(cls, v: dict) -> dict:
        bad = sorted(set(v) - {m.value for m in MathFormat})
        if bad:
            raise ValueError(f"unknown format keys {bad}; allowed: {[m.value for m in MathFormat]}")
        return v

    @model_validator(mode="after")
    def _positive(self) -> Sku:
        for name in ("memory_gb", "memory_bandwidth_gbps", "tdp_w", "interconnect_gbps"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
        for table in (self.dense_tflops, self.sparse_tflops):
            for k, value in table.items():
                if value <= 0:
                    raise ValueError(f"throughput {k} must be positive, got {value}")
        return self


class EnginePath(Sourced):
    """How one engine runs one quantization format on a set of architectures."""

    format: str  # a format id of advisor/data/formats.toml
    architectures: list[str]
    level: Support
    kernel: str = ""  # "CUTLASS scaled_mm", "FP8-Marlin (W8A16)", ...
    min_version: str | None = None  # first version with this path (inclusive)
    max_version: str | None = None  # first version without it (exclusive)
    notes: str = ""


class Engine(_Strict):
    schema_version: int
    id: str
    name: str
    url: str
    aliases: list[str] = Field(default_factory=list)  # names users and tools type ("llama.cpp", "trt-llm")
    #: Sequences the scheduler runs at once by default (vLLM max_num_seqs, TensorRT-LLM max_batch_size): the cap a
    #: maximum-load benchmark is estimated at. None = not recorded.
    max_batch_default: int | None = None
    max_batch_notes: str = ""
    #: The engine whose kernels this one runs (Ollama bundles llama.cpp's ggml backends): its speed is estimated
    #: with that engine's route and fitted efficiencies for the same format and device. None = its own.
    kernels_of: str | None = None
    paths: list[EnginePath] = Field(default_factory=list)


class CloudProvider(StrEnum):
    AZURE = "azure"
    AWS = "aws"
    GCP = "gcp"


class CloudInstance(Sourced):
    """One cloud instance type (a VM size): which catalog SKU it carries and how many, from the provider's docs."""

    name: str  # as the provider spells it: "Standard_ND96asr_v4", "p4d.24xlarge", "a3-highgpu-8g"
    provider: CloudProvider
    series: str = ""  # the provider's family name: "ND A100 v4", "P4", "A3 High"
    aliases: list[str] = Field(default_factory=list)  # other spellings the provider has used for the same size
    sku: str  # a SKU id of skus/**.toml
    gpus: int = Field(gt=0, description="accelerators in one instance")
    notes: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip() or v != v.strip():
            raise ValueError(f"instance name must be non-empty without surrounding spaces, got {v!r}")
        return v


class CloudInstanceFile(_Strict):
    """``cloud_instances.toml``: a schema version and a list of ``[[instance]]`` tables."""

    schema_version: int
    instance: list[CloudInstance] = Field(default_factory=list)


def parse_compute_capability(text: str) -> tuple[int, int]:
    """ "9.0" -> (9, 0). Compute capabilities are compared only within one family."""
    try:
        major, minor = text.split(".")
        return int(major), int(minor)
    except ValueError as exc:
        raise ValueError(f"compute capability must look like '9.0', got {text!r}") from exc
