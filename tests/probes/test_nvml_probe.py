"""NVML probe against a fake pynvml: one scenario per failure, plus the real recorded H100/H200 values."""

from __future__ import annotations

import sys

import pytest

from hardware_db.catalog import default_catalog
from probes.collect import match_gpu_info
from probes.nvml_probe import collect_nvml, pci_device_part
from tests.probes import fake_pynvml as fake
from tests.probes.fake_pynvml import Scenario, make_fake, recorded_device


@pytest.fixture
def install(monkeypatch):
    def _install(scenario: Scenario):
        monkeypatch.setitem(sys.modules, "pynvml", make_fake(scenario))
        return scenario

    return _install


def test_pci_device_part_unpacks_nvml_form():
    assert pci_device_part(0x233010DE) == "0x2330"
    assert pci_device_part(0x233510DE) == "0x2335"


def test_no_pynvml_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import pynvml -> ImportError
    info = collect_nvml()
    assert info.status == "unavailable"
    assert "not installed" in info.reason
    assert info.devices == []


def test_library_not_found(install):
    scenario = install(Scenario(init_error=fake.NVMLError_LibraryNotFound))
    info = collect_nvml()
    assert info.status == "unavailable"
    assert "libnvidia-ml" in info.reason
    assert "nvmlShutdown" not in scenario.calls  # init failed: nothing to shut down


def test_driver_not_loaded(install):
    install(Scenario(init_error=fake.NVMLError_DriverNotLoaded))
    info = collect_nvml()
    assert info.status == "unavailable"
    assert "not loaded" in info.reason


def test_other_init_error_is_error_not_crash(install):
    install(Scenario(init_error=fake.NVMLError_Unknown))
    info = collect_nvml()
    assert info.status == "error"
    assert "NVMLError_Unknown" in info.reason


def test_no_gpus(install):
    scenario = install(Scenario(devices=[]))
    info = collect_nvml()
    assert info.status == "unavailable"
    assert info.device_count == 0
    assert scenario.calls[-1] == "nvmlShutdown"


def test_recorded_h100_values_are_read_exactly(install):
    install(Scenario(devices=[recorded_device("h100")]))
    info = collect_nvml()
    assert info.status == "ok", info.reason
    assert info.driver_version == "580.159.04"
    assert info.cuda_driver_version == "13.0"
    (dev,) = info.devices
    assert dev.name == "NVIDIA H100 80GB HBM3"
    assert dev.memory_total_bytes == 85520809984
    assert dev.memory_free_bytes == 85017493504
    assert dev.compute_capability == "9.0"
    assert (dev.max_sm_clock_mhz, dev.max_memory_clock_mhz) == (1980, 2619)
    assert dev.power_limit_w == 700.0
    assert dev.memory_bus_width_bits == 5120
    assert (dev.mig_mode_current, dev.mig_mode_pending) == (False, False)
    assert dev.pci_device_id == "0x2330"
    assert dev.pci_bus_id == "00000000:00:06.0"
    assert dev.field_errors == {}


def test_field_not_supported_leaves_that_field_only(install):
    scenario = Scenario(
        devices=[recorded_device("h100")],
        failures={
            (0, "nvmlDeviceGetPowerManagementLimit"): fake.NVMLError_NotSupported,
            (0, "nvmlDeviceGetMigMode"): fake.NVMLError_NotSupported,
            (0, "nvmlDeviceGetMemoryBusWidth"): fake.NVMLError_NoPermission,
            (0, "nvmlDeviceGetMaxClockInfo"): fake.NVMLError_FunctionNotFound,
        },
    )
    install(scenario)
    info = collect_nvml()
    (dev,) = info.devices
    assert info.status == "ok" and dev.status == "ok"
    assert dev.power_limit_w is None and dev.mig_mode_current is None and dev.memory_bus_width_bits is None
    assert dev.max_sm_clock_mhz is None
    assert dev.field_errors == {
        "power_limit_w": "not supported on this device/driver",
        "mig_mode": "not supported on this device/driver",
        "memory_bus_width_bits": "no permission",
        "max_sm_clock_mhz": "the installed driver lacks this NVML function",
        "max_memory_clock_mhz": "the installed driver lacks this NVML function",
    }
    # the other fields are still the recorded ones
    assert dev.memory_total_bytes == 85520809984 and dev.pci_device_id == "0x2330"


def test_gpu_lost_marks_that_device_and_reads_the_others(install):
    scenario = Scenario(
        devices=[recorded_device("h100"), recorded_device("h200")],
        failures={(0, "nvmlDeviceGetCudaComputeCapability"): fake.NVMLError_GpuIsLost},
    )
    install(scenario)
    info = collect_nvml()
    lost, fine = info.devices
    assert lost.status == "error" and "lost" in lost.reason
    assert lost.name == "NVIDIA H100 80GB HBM3"  # what was read before the loss is kept
    assert lost.compute_capability is None and lost.pci_device_id is None
    assert fine.status == "ok" and fine.name == "NVIDIA H200" and fine.memory_total_bytes == 150754820096
    assert info.status == "error" and "GPU 0" in info.reason
    assert scenario.calls[-1] == "nvmlShutdown"


def test_gpu_lost_on_handle(install):
    install(
        Scenario(
            devices=[recorded_device("h100")], failures={(0, "nvmlDeviceGetHandleByIndex"): fake.NVMLError_GpuIsLost}
        )
    )
    info = collect_nvml()
    assert info.status == "error"
    assert info.devices[0].status == "error" and "lost" in info.devices[0].reason


@pytest.mark.parametrize(("gpu", "sku"), [("h100", "h100_sxm5_80gb"), ("h200", "h200_sxm_141gb")])
def test_recorded_gpus_match_their_catalog_sku(install, gpu, sku):
    catalog = default_catalog()
    if sku not in catalog.skus:
        pytest.fail(f"catalog has no {sku} yet: the recorded {gpu} can't be matched")
    install(Scenario(devices=[recorded_device(gpu)]))
    (dev,) = collect_nvml().devices
    match = match_gpu_info(
        catalog,
        dev.name,
        pci_device_id=dev.pci_device_id,
        compute_capability=dev.compute_capability,
        memory_bytes=dev.memory_total_bytes,
    )
    assert match.sku_id == sku, match.note
    assert match.architecture_id == "nvidia_hopper"


@pytest.mark.parametrize(("gpu", "sku"), [("h100", "h100_sxm5_80gb"), ("h200", "h200_sxm_141gb")])
def test_recorded_pci_id_alone_matches(install, gpu, sku):
    """Renamed boards (or a driver reporting a new name) still match through the PCI device id."""
    catalog = default_catalog()
    if sku not in catalog.skus:
        pytest.fail(f"catalog has no {sku} yet")
    install(Scenario(devices=[recorded_device(gpu)]))
    (dev,) = collect_nvml().devices
    match = match_gpu_info(
        catalog, "Unknown Board", pci_device_id=dev.pci_device_id, compute_capability="9.0", memory_bytes=None
    )
    assert match.sku_id == sku
    assert match.method == "pci_device_id"
