"""Device matching: fixture catalog for the logic, the real recorded H100/H200 probe outputs as inputs."""

from __future__ import annotations

import json
import re

import pytest

from hardware_db.catalog import default_catalog
from hardware_db.match import DeviceMatch, match_cpu, match_gpu, match_name, normalize_pci_device_id
from tests.hardware_db._paths import SHARED_GPU


def _recorded(gpu: str) -> dict:
    """The values a probe reads on the recorded machine: NVML name/memory/CC, PCI id from nvidia-smi -q, lscpu."""
    folder = SHARED_GPU / gpu
    if not folder.exists():
        pytest.skip(f"shared fixtures not found at {folder}")
    raw = json.loads((folder / "probe_raw.json").read_text())
    smi = (folder / "nvidia-smi-q.txt").read_text()
    lscpu = (folder / "lscpu.txt").read_text()
    device_id = re.search(r"Device Id\s*:\s*(0x[0-9A-Fa-f]+)", smi).group(1)
    model = re.search(r"^Model name:\s*(.+)$", lscpu, re.M).group(1).strip()
    flags = re.search(r"^Flags:\s*(.+)$", lscpu, re.M).group(1).split()
    return {
        "name": raw["nvml"]["name"],
        "memory_bytes": raw["nvml"]["memory"]["total"],
        "cc": tuple(raw["nvml"]["cc"]),
        "pci": device_id,
        "torch_pci_device_id": raw["torch_cuda_device_properties"]["pci_device_id"],
        "cpu_model": model,
        "cpu_flags": flags,
    }


def _real_sku_or_skip(sku_id: str):
    catalog = default_catalog()
    if sku_id not in catalog.skus:
        pytest.skip(f"{sku_id} is not in the shipped catalog yet (written by the NVIDIA data engineer)")
    return catalog


# --------------------------------------------------------------------------- PCI ids


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0x2330", "0x2330"),
        ("2330", "0x2330"),
        (0x2330, "0x2330"),
        ("0x233010DE", "0x2330"),
        (0x233510DE, "0x2335"),
        ("10de:20B2", "0x20b2"),
        (None, None),
        ("n/a", None),
        (0, None),
    ],
)
def test_normalize_pci_device_id(raw, expected):
    assert normalize_pci_device_id(raw) == expected


# --------------------------------------------------------------------------- recorded machines, fixture catalog


def test_recorded_h100_matches_sku_by_name(fixture_catalog):
    r = _recorded("h100")
    m = match_gpu(
        r["name"],
        pci_device_id=r["pci"],
        compute_capability=r["cc"],
        memory_bytes=r["memory_bytes"],
        catalog=fixture_catalog,
    )
    assert m == DeviceMatch("h100_sxm5_80gb", "nvidia_hopper", "name", m.note)
    assert "warning" not in m.note


def test_recorded_h200_matches_sku(fixture_catalog):
    r = _recorded("h200")
    m = match_gpu(
        r["name"],
        pci_device_id=r["pci"],
        compute_capability=r["cc"],
        memory_bytes=r["memory_bytes"],
        catalog=fixture_catalog,
    )
    assert (m.sku_id, m.architecture_id) == ("h200_sxm_141gb", "nvidia_hopper")


def test_recorded_pci_id_alone_identifies_h100_and_h200(fixture_catalog):
    for gpu, sku in (("h100", "h100_sxm5_80gb"), ("h200", "h200_sxm_141gb")):
        r = _recorded(gpu)
        m = match_gpu("unrecognised board", pci_device_id=r["pci"], catalog=fixture_catalog)
        assert (m.sku_id, m.method) == (sku, "pci_device_id")


def test_torch_pci_device_id_is_a_slot_number_not_a_device_id(fixture_catalog):
    # torch's "pci_device_id" is the PCI slot (6 here); it must not match anything.
    r = _recorded("h100")
    m = match_gpu(None, pci_device_id=r["torch_pci_device_id"], compute_capability=r["cc"], catalog=fixture_catalog)
    assert (m.sku_id, m.architecture_id, m.method) == (None, "nvidia_hopper", "compute_capability")


def test_recorded_cpu_is_sapphire_or_emerald_rapids_from_flags(fixture_catalog):
    r = _recorded("h100")
    assert r["cpu_model"] == "Intel(R) Xeon(R) Processor"  # the VM hides the SKU name
    m = match_cpu(r["cpu_model"], r["cpu_flags"], catalog=fixture_catalog)
    assert (m.sku_id, m.architecture_id, m.method) == (None, "intel_xeon_amx", "cpu_flags")
    assert "amx_bf16" in m.note


# --------------------------------------------------------------------------- recorded machines, real catalog


def test_recorded_h100_matches_real_catalog():
    catalog = _real_sku_or_skip("h100_sxm5_80gb")
    r = _recorded("h100")
    m = match_gpu(
        r["name"], pci_device_id=r["pci"], compute_capability=r["cc"], memory_bytes=r["memory_bytes"], catalog=catalog
    )
    assert (m.sku_id, m.architecture_id) == ("h100_sxm5_80gb", "nvidia_hopper")


def test_recorded_h200_matches_real_catalog():
    catalog = _real_sku_or_skip("h200_sxm_141gb")
    r = _recorded("h200")
    m = match_gpu(
        r["name"], pci_device_id=r["pci"], compute_capability=r["cc"], memory_bytes=r["memory_bytes"], catalog=catalog
    )
    assert (m.sku_id, m.architecture_id) == ("h200_sxm_141gb", "nvidia_hopper")


def test_recorded_cpu_matches_real_catalog():
    catalog = default_catalog()
    if "intel_xeon_amx" not in catalog.architectures:
        pytest.skip("intel_xeon_amx is not in the shipped catalog yet (written by the Intel data engineer)")
    r = _recorded("h100")
    m = match_cpu(r["cpu_model"], r["cpu_flags"], catalog=catalog)
    assert (m.architecture_id, m.method) == ("intel_xeon_amx", "cpu_flags")


# --------------------------------------------------------------------------- precedence and disambiguation


def test_exact_alias_beats_pci_id(fixture_catalog):
    # name says H200, PCI id says H100: the exact alias wins
    m = match_gpu("NVIDIA H200", pci_device_id="0x2330", catalog=fixture_catalog)
    assert (m.sku_id, m.method) == ("h200_sxm_141gb", "name")


def test_pci_id_beats_normalized_name(fixture_catalog):
    # "NVIDIA H100" alone is ambiguous (SXM or PCIe); the PCI id decides
    m = match_gpu("NVIDIA H100", pci_device_id="0x2331", catalog=fixture_catalog)
    assert (m.sku_id, m.method) == ("h100_pcie_80gb", "pci_device_id")


def test_alias_is_case_and_space_insensitive(fixture_catalog):
    assert match_gpu("nvidia  h100 80gb hbm3", catalog=fixture_catalog).sku_id == "h100_sxm5_80gb"


@pytest.mark.parametrize(("gib", "sku"), [(40, "a100_sxm4_40gb"), (80, "a100_sxm4_80gb")])
def test_memory_disambiguates_a100(fixture_catalog, gib, sku):
    m = match_gpu("NVIDIA A100", memory_bytes=gib * 2**30 - 300 * 2**20, catalog=fixture_catalog)
    assert (m.sku_id, m.method) == (sku, "name+memory")


def test_ambiguous_name_gives_architecture_only(fixture_catalog):
    m = match_gpu("NVIDIA H100", memory_bytes=85520809984, catalog=fixture_catalog)
    assert (m.sku_id, m.architecture_id) == (None, "nvidia_hopper")
    assert "ambiguous" in m.note


def test_unknown_sku_falls_back_to_exact_compute_capability(fixture_catalog):
    m = match_gpu("NVIDIA GeForce RTX 5090", compute_capability=(12, 0), catalog=fixture_catalog)
    assert m == DeviceMatch(
        None,
        "nvidia_blackwell_consumer",
        "compute_capability",
        "inferred from compute capability 12.0: SKU not in catalog",
    )


def test_compute_capability_is_never_compared_across_families(fixture_catalog):
    # 10.0 is not "at least 9.0 so Hopper"; with no 10.0 architecture in the fixture, nothing is inferred
    m = match_gpu("NVIDIA B200", compute_capability=(10, 0), catalog=fixture_catalog)
    assert (m.sku_id, m.architecture_id, m.method) == (None, None, "none")
    assert "10.0" in m.note


def test_contradicting_compute_capability_is_noted(fixture_catalog):
    m = match_gpu("NVIDIA H100 80GB HBM3", compute_capability=(8, 9), catalog=fixture_catalog)
    assert m.sku_id == "h100_sxm5_80gb"
    assert "8.9" in m.note and "9.0" in m.note


def test_amd_gcn_arch_name_gives_architecture(fixture_catalog):
    m = match_gpu("gfx942:sramecc+:xnack-", catalog=fixture_catalog)
    assert (m.sku_id, m.architecture_id) == (None, "amd_cdna3")


def test_nothing_known(fixture_catalog):
    assert match_gpu("Totally Unknown Accelerator", catalog=fixture_catalog).method == "none"
    assert match_gpu(None, catalog=fixture_catalog).method == "none"


# --------------------------------------------------------------------------- free text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NVIDIA GeForce RTX 4080", "rtx_4080"),
        ("RTX 4080", "rtx_4080"),
        ("rtx 4080 super", "rtx_4080_super"),
        ("H100 SXM", "h100_sxm5_80gb"),
        ("NVIDIA H100 80GB HBM3", "h100_sxm5_80gb"),
        ("A100 80GB", "a100_sxm4_80gb"),
        ("A100-SXM4-40GB", "a100_sxm4_40gb"),
        ("MI300X", "mi300x"),
        ("A100", None),  # 40 or 80 GB?
        ("H100", None),  # SXM or PCIe?
        ("RTX 5090", None),
        ("", None),
    ],
)
def test_match_name(fixture_catalog, text, expected):
    assert match_name(text, fixture_catalog) == expected


def test_match_name_real_catalog_h100_sxm():
    catalog = _real_sku_or_skip("h100_sxm5_80gb")
    assert match_name("H100 SXM", catalog) == "h100_sxm5_80gb"
    assert match_name("NVIDIA H100 80GB HBM3", catalog) == "h100_sxm5_80gb"


def test_match_name_real_catalog_rtx_4080():
    catalog = _real_sku_or_skip("rtx_4080")
    assert match_name("NVIDIA GeForce RTX 4080", catalog) == "rtx_4080"


# --------------------------------------------------------------------------- CPUs


def test_cpu_alias(fixture_catalog):
    m = match_cpu("AMD EPYC 9654 96-Core Processor", catalog=fixture_catalog)
    assert (m.sku_id, m.architecture_id, m.method) == ("epyc_9654", "amd_zen4", "cpu_model")


def test_cpu_normalized_model_name(fixture_catalog):
    m = match_cpu("Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.0GHz", catalog=fixture_catalog)
    assert (m.sku_id, m.method) == ("xeon_platinum_8480", "cpu_model")


def test_cpu_flags_granite_rapids(fixture_catalog):
    m = match_cpu(
        "Intel(R) Xeon(R) Processor", ["avx512f", "amx_bf16", "amx_fp16", "amx_tile"], catalog=fixture_catalog
    )
    assert (m.architecture_id, m.method) == ("intel_xeon_granite_rapids", "cpu_flags")


@pytest.mark.parametrize(
    ("flags", "arch"),
    [(["avx512f", "avx512_bf16"], "amd_zen4"), (["avx512f", "avx512_bf16", "avx_vnni", "movdir64b"], "amd_zen5")],
)
def test_cpu_flags_amd(fixture_catalog, flags, arch):
    m = match_cpu("AMD EPYC Processor", flags, catalog=fixture_catalog)
    assert (m.sku_id, m.architecture_id, m.method) == (None, arch, "cpu_flags")


def test_cpu_model_number_gives_zen_generation(fixture_catalog):
    assert match_cpu("AMD EPYC 9655 96-Core Processor", catalog=fixture_catalog).architecture_id == "amd_zen5"
    assert match_cpu("AMD EPYC 9554 64-Core Processor", catalog=fixture_catalog).architecture_id == "amd_zen4"


@pytest.mark.parametrize(
    ("flags", "arch"),
    [
        (["fp", "asimd", "sve", "bf16", "i8mm", "svebf16", "svei8mm"], "arm_neoverse_v1"),
        (["fp", "asimd", "sve", "sve2", "bf16", "i8mm", "svebf16", "svei8mm"], "arm_neoverse_v2"),
    ],
)
def test_cpu_flags_arm(fixture_catalog, flags, arch):
    assert match_cpu("", flags, catalog=fixture_catalog).architecture_id == arch


def test_cpu_lscpu_neoverse_name(fixture_catalog):
    assert match_cpu("Neoverse-V2", catalog=fixture_catalog).architecture_id == "arm_neoverse_v2"


def test_cpu_without_evidence(fixture_catalog):
    m = match_cpu("Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", ["avx2", "fma"], catalog=fixture_catalog)
    assert (m.sku_id, m.architecture_id, m.method) == (None, None, "none")
