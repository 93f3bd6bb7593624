"""A fake ``pynvml`` module, one instance per failure scenario, fed with real recorded NVML values.

The recorded values come from ``../shared/fixtures/gpu/<gpu>/probe_raw.json`` (what pynvml
returned on a real H100/H200) and ``nvidia-smi-q.txt`` (the PCI device id and bus id, which the
raw dump does not hold). Inject with ``monkeypatch.setitem(sys.modules, "pynvml", fake)``.
"""

from __future__ import annotations

import json
import re
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SHARED_GPU = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "gpu"


class NVMLError(Exception):
    pass


class NVMLError_LibraryNotFound(NVMLError):  # noqa: N801 - pynvml's names
    pass


class NVMLError_DriverNotLoaded(NVMLError):  # noqa: N801
    pass


class NVMLError_NotSupported(NVMLError):  # noqa: N801
    pass


class NVMLError_GpuIsLost(NVMLError):  # noqa: N801
    pass


class NVMLError_NoPermission(NVMLError):  # noqa: N801
    pass


class NVMLError_FunctionNotFound(NVMLError):  # noqa: N801
    pass


class NVMLError_Unknown(NVMLError):  # noqa: N801
    pass


def recorded_device(gpu: str) -> dict[str, Any]:
    """The recorded NVML values of one GPU ("h100" / "h200") plus its PCI ids from nvidia-smi -q."""
    raw = json.loads((SHARED_GPU / gpu / "probe_raw.json").read_text())
    smi = (SHARED_GPU / gpu / "nvidia-smi-q.txt").read_text()
    device_id = re.search(r"^\s*Device Id\s*:\s*(0x[0-9A-Fa-f]+)", smi, re.M)
    bus_id = re.search(r"^\s*Bus Id\s*:\s*(\S+)", smi, re.M)
    assert device_id and bus_id, f"nvidia-smi-q.txt of {gpu} lacks Device Id / Bus Id"
    nvml = raw["nvml"]
    return {
        **nvml,
        "pci_device_id": int(device_id.group(1), 16),  # 0x233010DE: device << 16 | vendor
        "bus_id": bus_id.group(1),
    }


@dataclass
class Scenario:
    devices: list[dict[str, Any]] = field(default_factory=list)
    driver: str = "580.159.04"
    cuda_driver: int = 13000
    init_error: type[NVMLError] | None = None
    #: (device index, function name) -> exception class raised by that call
    failures: dict[tuple[int, str], type[NVMLError]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)


def make_fake(scenario: Scenario) -> types.ModuleType:
    mod = types.ModuleType("pynvml")
    for cls in (
        NVMLError,
        NVMLError_LibraryNotFound,
        NVMLError_DriverNotLoaded,
        NVMLError_NotSupported,
        NVMLError_GpuIsLost,
        NVMLError_NoPermission,
        NVMLError_FunctionNotFound,
        NVMLError_Unknown,
    ):
        setattr(mod, cls.__name__, cls)
    mod.NVML_CLOCK_GRAPHICS, mod.NVML_CLOCK_SM, mod.NVML_CLOCK_MEM = 0, 1, 2
    mod.scenario = scenario

    def init() -> None:
        scenario.calls.append("nvmlInit")
        if scenario.init_error is not None:
            raise scenario.init_error(f"fake {scenario.init_error.__name__}")

    def shutdown() -> None:
        scenario.calls.append("nvmlShutdown")

    def device_call(name: str, getter):
        def call(handle, *args):
            failure = scenario.failures.get((handle, name))
            if failure is not None:
                raise failure(f"fake {failure.__name__} in {name}")
            return getter(scenario.devices[handle], *args)

        return call

    def handle_by_index(index: int) -> int:
        failure = scenario.failures.get((index, "nvmlDeviceGetHandleByIndex"))
        if failure is not None:
            raise failure("fake handle failure")
        return index

    mod.nvmlInit = init
    mod.nvmlShutdown = shutdown
    mod.nvmlSystemGetDriverVersion = lambda: scenario.driver
    mod.nvmlSystemGetCudaDriverVersion = lambda: scenario.cuda_driver
    mod.nvmlSystemGetNVMLVersion = lambda: "13." + scenario.driver
    mod.nvmlDeviceGetCount = lambda: len(scenario.devices)
    mod.nvmlDeviceGetHandleByIndex = handle_by_index
    mod.nvmlDeviceGetName = device_call("nvmlDeviceGetName", lambda d: d["name"])
    mod.nvmlDeviceGetMemoryInfo = device_call("nvmlDeviceGetMemoryInfo", lambda d: types.SimpleNamespace(**d["memory"]))
    mod.nvmlDeviceGetCudaComputeCapability = device_call("nvmlDeviceGetCudaComputeCapability", lambda d: tuple(d["cc"]))
    mod.nvmlDeviceGetMaxClockInfo = device_call(
        "nvmlDeviceGetMaxClockInfo", lambda d, clock: d["max_sm_clock"] if clock == 1 else d["max_mem_clock"]
    )
    mod.nvmlDeviceGetPowerManagementLimit = device_call(
        "nvmlDeviceGetPowerManagementLimit", lambda d: d["power_limit_mw"]
    )
    mod.nvmlDeviceGetMemoryBusWidth = device_call("nvmlDeviceGetMemoryBusWidth", lambda d: d["bus_width"])
    mod.nvmlDeviceGetMigMode = device_call("nvmlDeviceGetMigMode", lambda d: list(d["mig_mode"]))
    mod.nvmlDeviceGetPciInfo = device_call(
        "nvmlDeviceGetPciInfo",
        lambda d: types.SimpleNamespace(pciDeviceId=d["pci_device_id"], busId=d["bus_id"].encode()),
    )
    return mod
