"""Host probe parsers against the recorded lscpu of the H100/H200 hosts and this machine's layout."""

from __future__ import annotations

import pytest

from hardware_db.catalog import default_catalog
from probes.collect import match_cpu_info
from probes.cpu_probe import format_flags, host_from_texts, parse_cpuinfo, parse_lscpu, parse_meminfo
from tests.probes.fake_pynvml import SHARED_GPU

# A /proc/cpuinfo excerpt in the kernel's aarch64 layout (feature names as arch/arm64 prints them).
ARM_CPUINFO = """processor\t: 0
BogoMIPS\t: 2000.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm sb paca pacg dcpodp sve2 sveaes svepmull svebitperm svesha3 svesm4 flagm2 frint svei8mm svebf16 i8mm bf16 dgh rng bti
CPU implementer\t: 0x41
CPU part\t: 0xd4f

processor\t: 1
Features\t: fp asimd
"""


@pytest.mark.parametrize("gpu", ["h100", "h200"])
def test_recorded_sapphire_rapids_lscpu(gpu):
    text = (SHARED_GPU / gpu / "lscpu.txt").read_text()
    fields = parse_lscpu(text)
    assert fields["Model name"] == "Intel(R) Xeon(R) Processor"
    host = host_from_texts(lscpu=text, cpuinfo=None, meminfo=None)
    assert (host["sockets"], host["cores"], host["threads"]) == (1, 16, 16)
    assert host["machine"] == "x86_64"
    assert host["cpu_flags"] == {
        "avx2": True,
        "avx512f": True,
        "avx512_vnni": True,
        "avx_vnni": True,
        "avx512_bf16": True,
        "avx512_fp16": True,
        "amx_tile": True,
        "amx_int8": True,
        "amx_bf16": True,
        "amx_fp16": False,
    }
    match = match_cpu_info(default_catalog(), host["cpu_model"], host["flags"])
    assert match.architecture_id == "intel_xeon_amx", match.note
    assert match.method == "cpu_flags"


def test_indented_flags_block_does_not_override_the_flags_field():
    text = (SHARED_GPU / "h100" / "lscpu.txt").read_text()
    assert "flags\t\t:" in text  # the recorded file carries a /proc/cpuinfo-style tail
    assert parse_lscpu(text)["Flags"].startswith("fpu vme")


def test_arm_cpuinfo_flags_and_topology():
    info = parse_cpuinfo(ARM_CPUINFO)
    assert info["threads"] == 2
    flags = format_flags(info["flags"], "aarch64")
    assert flags == {"asimddp": True, "i8mm": True, "bf16": True, "sve": True, "sve2": True, "sme": False}


def test_x86_cpuinfo_counts_sockets_and_cores():
    text = "".join(
        f"processor : {i}\nvendor_id : AuthenticAMD\nmodel name : AMD EPYC 9654 96-Core Processor\n"
        f"physical id : {i // 4}\ncore id : {(i % 4) // 2}\nflags : avx2 avx512f avx512_bf16\n\n"
        for i in range(8)
    )
    info = parse_cpuinfo(text)
    assert (info["threads"], info["sockets"], info["cores"]) == (8, 2, 4)
    assert info["model"] == "AMD EPYC 9654 96-Core Processor"
    host = host_from_texts(lscpu=None, cpuinfo=text, meminfo=None, machine="x86_64")
    assert host["cpu_flags"]["avx512_bf16"] is True and host["cpu_flags"]["amx_tile"] is False


def test_meminfo_in_bytes():
    total, available = parse_meminfo("MemTotal:       24684084 kB\nMemFree: 1 kB\nMemAvailable:   24117120 kB\n")
    assert total == 24684084 * 1024
    assert available == 24117120 * 1024


def test_missing_sources_give_nones():
    host = host_from_texts(lscpu=None, cpuinfo=None, meminfo=None)
    assert host["cpu_model"] is None and host["memory_total_bytes"] is None and host["flags"] == set()
