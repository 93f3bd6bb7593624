"""NVIDIA GPUs through NVML (nvidia-ml-py): every field read on its own guard.

``pynvml`` is imported inside :func:`collect_nvml`, so the package imports without it. A missing
library or driver gives ``status="unavailable"``; a field the device does not support is left
``None`` with the reason in ``field_errors``; a GPU that falls off the bus gives that device
``status="error"`` and the others are still read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from probes.report import NvmlDevice, NvmlInfo


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _cuda_version(value: int) -> str:
    """nvmlSystemGetCudaDriverVersion's 13000 -> "13.0"."""
    return f"{value // 1000}.{(value % 1000) // 10}"


def pci_device_part(pci_device_id: int) -> str:
    """NVML's pciDeviceId packs ``device << 16 | vendor`` (0x233010DE) -> "0x2330"."""
    return f"0x{(pci_device_id >> 16) & 0xFFFF:04x}"


class _GpuLost(Exception):
    """Internal: the device stopped answering; stop reading it."""


def _reader(nvml: Any, field_errors: dict[str, str]) -> Callable[[str, Callable[[], Any]], Any]:
    """A guard for one NVML field: returns the value, or None with the reason recorded."""

    def read(field: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except nvml.NVMLError_NotSupported:
            field_errors[field] = "not supported on this device/driver"
        except nvml.NVMLError_NoPermission:
            field_errors[field] = "no permission"
        except nvml.NVMLError_FunctionNotFound:
            field_errors[field] = "the installed driver lacks this NVML function"
        except nvml.NVMLError_GpuIsLost as exc:
            raise _GpuLost(str(exc)) from exc
        except nvml.NVMLError as exc:
            field_errors[field] = f"NVML error: {exc}"
        except AttributeError:
            field_errors[field] = "this nvidia-ml-py version has no such function"
        return None

    return read


def _read_device(nvml: Any, index: int) -> NvmlDevice:
    errors: dict[str, str] = {}
    read = _reader(nvml, errors)
    values: dict[str, Any] = {}
    try:
        handle = read("handle", lambda: nvml.nvmlDeviceGetHandleByIndex(index))
        if handle is None:
            return NvmlDevice(index=index, status="error", reason=f"no handle: {errors.get('handle', '?')}")
        name = read("name", lambda: nvml.nvmlDeviceGetName(handle))
        values["name"] = _text(name) if name is not None else None
        mem = read("memory", lambda: nvml.nvmlDeviceGetMemoryInfo(handle))
        if mem is not None:
            values["memory_total_bytes"] = int(mem.total)
            values["memory_free_bytes"] = int(mem.free)
        cc = read("compute_capability", lambda: nvml.nvmlDeviceGetCudaComputeCapability(handle))
        if cc is not None:
            values["compute_capability"] = f"{cc[0]}.{cc[1]}"
        values["max_sm_clock_mhz"] = read(
            "max_sm_clock_mhz", lambda: nvml.nvmlDeviceGetMaxClockInfo(handle, nvml.NVML_CLOCK_SM)
        )
        values["max_memory_clock_mhz"] = read(
            "max_memory_clock_mhz", lambda: nvml.nvmlDeviceGetMaxClockInfo(handle, nvml.NVML_CLOCK_MEM)
        )
        power_mw = read("power_limit_w", lambda: nvml.nvmlDeviceGetPowerManagementLimit(handle))
        values["power_limit_w"] = power_mw / 1000 if power_mw is not None else None
        values["memory_bus_width_bits"] = read(
            "memory_bus_width_bits", lambda: nvml.nvmlDeviceGetMemoryBusWidth(handle)
        )
        mig = read("mig_mode", lambda: nvml.nvmlDeviceGetMigMode(handle))
        if mig is not None:
            values["mig_mode_current"] = bool(mig[0])
            values["mig_mode_pending"] = bool(mig[1])
        pci = read("pci", lambda: nvml.nvmlDeviceGetPciInfo(handle))
        if pci is not None:
            values["pci_device_id"] = pci_device_part(int(pci.pciDeviceId))
            bus = getattr(pci, "busId", None) or getattr(pci, "busIdLegacy", None)
            values["pci_bus_id"] = _text(bus) if bus else None
    except _GpuLost as exc:
        return NvmlDevice(
            index=index,
            status="error",
            reason=f"GPU is lost (fell off the bus or needs a reset): {exc}",
            field_errors=errors,
            **{k: v for k, v in values.items() if v is not None},
        )
    status = "ok" if values.get("name") else "error"
    reason = "" if status == "ok" else "the device did not report its name"
    return NvmlDevice(index=index, status=status, reason=reason, field_errors=errors, **values)


def collect_nvml() -> NvmlInfo:
    """Read driver and per-GPU facts through NVML; never raises for a missing or broken stack."""
    try:
        import pynvml as nvml
    except ImportError:
        return NvmlInfo(status="unavailable", reason="nvidia-ml-py (pynvml) is not installed")
    try:
        nvml.nvmlInit()
    except nvml.NVMLError_LibraryNotFound:
        return NvmlInfo(status="unavailable", reason="NVML library (libnvidia-ml.so) not found: no NVIDIA driver here")
    except nvml.NVMLError_DriverNotLoaded:
        return NvmlInfo(status="unavailable", reason="NVIDIA driver is installed but not loaded")
    except nvml.NVMLError_NoPermission:
        return NvmlInfo(status="error", reason="no permission to open the NVIDIA driver")
    except nvml.NVMLError as exc:
        return NvmlInfo(status="error", reason=f"nvmlInit failed: {exc}")
    try:
        system_errors: dict[str, str] = {}
        read = _reader(nvml, system_errors)
        try:
            driver = read("driver_version", nvml.nvmlSystemGetDriverVersion)
            cuda = read("cuda_driver_version", nvml.nvmlSystemGetCudaDriverVersion)
            nvml_version = read("nvml_version", nvml.nvmlSystemGetNVMLVersion)
            count = read("device_count", nvml.nvmlDeviceGetCount)
        except _GpuLost as exc:
            return NvmlInfo(status="error", reason=f"GPU is lost while reading system info: {exc}")
        devices = [_read_device(nvml, i) for i in range(count or 0)]
        if count is None:
            status, reason = "error", f"could not count GPUs: {system_errors.get('device_count', '?')}"
        elif count == 0:
            status, reason = "unavailable", "NVML is loaded but sees no GPU"
        elif any(d.status != "ok" for d in devices):
            status = "error"
            reason = "; ".join(f"GPU {d.index}: {d.reason}" for d in devices if d.status != "ok")
        else:
            status, reason = "ok", ""
        extra = "; ".join(f"{k}: {v}" for k, v in system_errors.items() if k != "device_count")
        return NvmlInfo(
            status=status,
            reason="; ".join(r for r in (reason, extra) if r),
            driver_version=_text(driver) if driver is not None else None,
            cuda_driver_version=_cuda_version(int(cuda)) if cuda is not None else None,
            nvml_version=_text(nvml_version) if nvml_version is not None else None,
            device_count=count,
            devices=devices,
        )
    finally:
        with contextlib.suppress(nvml.NVMLError):
            nvml.nvmlShutdown()
