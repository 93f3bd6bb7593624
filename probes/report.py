"""The probe report: one pydantic schema written by ``python -m probes`` and read back from uploads.

The JSON layout is documented in ``probes/README.md``; other tools read these files, so a change
that breaks readers bumps :data:`SCHEMA_VERSION`. Reports are validated at the boundary with
:func:`load_report`, whose errors name the offending field.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safeio.limits import check_json_shape, load_json
from safeio.text import UnreadableFile

SCHEMA_VERSION = 1
#: Uploads larger than this are refused before parsing (a real report is a few kB).
MAX_REPORT_BYTES = 1_000_000

Status = Literal["ok", "unavailable", "error"]


class ProbeFormat(StrEnum):
    """Math formats the probe checks and times, one token per format (also the JSON keys)."""

    FP32 = "fp32"
    BF16 = "bf16"
    FP16 = "fp16"
    INT8 = "int8"
    FP8_E4M3 = "fp8_e4m3"
    FP8_E5M2 = "fp8_e5m2"
    FP4 = "fp4"


class Outcome(StrEnum):
    """What the timed micro-benchmark showed for one format (the probe report's `verdict` field).

    `advisor.from_probe` turns it into a support level (`hardware_db.schema.Support`), the one vocabulary of
    support verdicts: measured_native -> native, runs_no_speedup -> emulated; the other two leave the catalog's
    claim."""

    MEASURED_NATIVE = "measured_native"  # timed, and a real speed-up over the wider baseline format
    RUNS_NO_SPEEDUP = "runs_no_speedup"  # timed, runs, but no speed-up over the baseline
    NOT_AVAILABLE = "not_available"  # the functional check failed: this stack can't run it here
    NOT_MEASURED = "not_measured"  # runs (or unknown), but not timed: no --bench, or out of time


class CheckResult(StrEnum):
    RUNS = "runs"
    FAILS = "fails"
    SKIPPED = "skipped"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeviceMatchInfo(_Model):
    """What ``hardware_db.match`` made of the device (sku_id None = not in the catalog)."""

    sku_id: str | None = None
    architecture_id: str | None = None
    method: str = "none"
    note: str = ""


class HostInfo(_Model):
    status: Status
    reason: str = ""
    hostname: str = ""
    os: str | None = None
    kernel: str | None = None
    machine: str | None = None  # x86_64, aarch64, arm64
    cpu_vendor: str | None = None
    cpu_model: str | None = None
    sockets: int | None = None
    cores: int | None = None  # physical cores, all sockets
    threads: int | None = None  # logical CPUs
    memory_total_bytes: int | None = None
    memory_available_bytes: int | None = None
    cpu_flags: dict[str, bool] = Field(default_factory=dict)  # only the flags that decide native formats
    match: DeviceMatchInfo | None = None


class NvmlDevice(_Model):
    index: int
    status: Status
    reason: str = ""
    name: str | None = None
    memory_total_bytes: int | None = None
    memory_free_bytes: int | None = None
    compute_capability: str | None = None  # "9.0"
    max_sm_clock_mhz: int | None = None
    max_memory_clock_mhz: int | None = None
    power_limit_w: float | None = None
    memory_bus_width_bits: int | None = None
    mig_mode_current: bool | None = None
    mig_mode_pending: bool | None = None
    pci_device_id: str | None = None  # "0x2330" (device part of NVML's pciDeviceId)
    pci_bus_id: str | None = None
    field_errors: dict[str, str] = Field(default_factory=dict)  # field -> why it is missing
    match: DeviceMatchInfo | None = None


class NvmlInfo(_Model):
    status: Status
    reason: str = ""
    driver_version: str | None = None
    cuda_driver_version: str | None = None  # "13.0" (from nvmlSystemGetCudaDriverVersion)
    nvml_version: str | None = None
    device_count: int | None = None
    devices: list[NvmlDevice] = Field(default_factory=list)


class TorchAccelerator(_Model):
    id: str  # "cuda:0", "mps", "xpu:0"
    backend: Literal["cuda", "rocm", "mps", "xpu"]
    name: str | None = None
    compute_capability: str | None = None  # CUDA only
    gcn_arch_name: str | None = None  # ROCm only: "gfx942:sramecc+:xnack-"
    total_memory_bytes: int | None = None
    multi_processor_count: int | None = None
    pci_bus_id: str | None = None  # "00000000:00:06.0", to pair the device with its NVML entry


class TorchInfo(_Model):
    status: Status
    reason: str = ""
    torch_version: str | None = None
    cuda_runtime_version: str | None = None
    hip_version: str | None = None
    cudnn_version: str | None = None
    nvidia_ml_py_version: str | None = None
    cpu_capability: str | None = None  # torch's CPU kernel level: AVX2, AVX512, DEFAULT ...
    num_threads: int | None = None
    cuda_available: bool | None = None
    rocm_available: bool | None = None
    mps_available: bool | None = None
    xpu_available: bool | None = None
    accelerators: list[TorchAccelerator] = Field(default_factory=list)


class FormatCheck(_Model):
    """A tiny functional run of one format: did the op run, and if not, why."""

    result: CheckResult
    op: str = ""  # the call that was tried, e.g. "torch._scaled_mm (tensor-wise scales)"
    reason: str = ""


class FormatResult(_Model):
    verdict: Outcome
    achieved_tflops: float | None = None  # TFLOPS (floats) or TOPS (int8), best of the shapes timed
    peak_tflops: float | None = None  # the catalog's dense peak for the matched SKU
    fraction_of_peak: float | None = None  # achieved / peak; None when the peak is unknown
    speedup: float | None = None  # over ``baseline`` (the verdict's number): paired re-timing where done
    baseline: str | None = None  # the format it was compared with: fp32, or the best 16-bit format on GPUs
    shape: str | None = None  # "MxNxK" of the best timing
    method: str = ""  # the call and layout that gave the best timing
    reason: str = ""


class DeviceReport(_Model):
    id: str  # "cpu", "cuda:0"
    kind: Literal["cpu", "gpu"]
    name: str | None = None
    backend: str = ""  # cpu, cuda, rocm, mps, xpu
    memory_total_bytes: int | None = None
    memory_free_bytes: int | None = None
    match: DeviceMatchInfo | None = None
    checks: dict[ProbeFormat, FormatCheck] = Field(default_factory=dict)
    formats: dict[ProbeFormat, FormatResult] = Field(default_factory=dict)
    memory_bandwidth_gbps: float | None = None  # measured large copy (read + write), decimal GB/s
    bench_reason: str = ""


class BenchInfo(_Model):
    requested: bool
    status: Status | Literal["skipped"] = "skipped"
    reason: str = ""
    budget_s: float | None = None
    per_format_budget_s: float | None = None
    elapsed_s: float | None = None
    load_average_1m: float | None = None  # os.getloadavg() before timing: a busy host times low


class ProbeReport(_Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    created_at: dt.datetime
    probe_version: str
    catalog_version: str | None = None
    elapsed_s: float | None = None
    host: HostInfo
    nvml: NvmlInfo
    torch: TorchInfo
    devices: list[DeviceReport] = Field(default_factory=list)
    bench: BenchInfo

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    def device(self, device_id: str) -> DeviceReport | None:
        return next((d for d in self.devices if d.id == device_id), None)


class ProbeReportError(ValueError):
    """An uploaded or stored report can't be read; the message names the field and what was expected."""


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(report)"


def load_report(data: str | bytes | dict[str, Any]) -> ProbeReport:
    """Parse and validate a probe report from JSON text/bytes or an already-decoded dict."""
    if isinstance(data, str | bytes):
        raw = data.encode() if isinstance(data, str) else data
        if len(raw) > MAX_REPORT_BYTES:
            raise ProbeReportError(
                f"report is {len(raw):,} bytes; the limit is {MAX_REPORT_BYTES:,} (a probe report is a few kB)"
            )
        try:
            text = raw.decode("utf-8")
            check_json_shape(text, what="the report")  # depth/size first: json recurses per level
            decoded = load_json(text, what="the report")  # also refuses numbers beyond int()'s digit limit
        except UnreadableFile as exc:  # over a limit (LimitExceeded), a NUL character, ...
            raise ProbeReportError(str(exc)) from exc
        except UnicodeDecodeError as exc:
            raise ProbeReportError(f"report is not UTF-8 text: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise ProbeReportError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    else:
        decoded = data
    if not isinstance(decoded, dict):
        raise ProbeReportError(f"expected a JSON object at the top level, got {type(decoded).__name__}")
    version = decoded.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ProbeReportError(
            f"field schema_version: expected {SCHEMA_VERSION}, got {version!r}"
            + (" (missing: is this a probe report?)" if version is None else "")
        )
    try:
        return ProbeReport.model_validate(decoded)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:5]:
            given = err.get("input")
            shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
            problems.append(f"field {_loc(err['loc'])}: {err['msg']} (got {shown[:80]})")
        more = f"; and {exc.error_count() - 5} more" if exc.error_count() > 5 else ""
        raise ProbeReportError("; ".join(problems) + more) from exc
