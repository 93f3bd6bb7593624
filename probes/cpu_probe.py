"""Host probe: OS, CPU model and topology, memory, and the CPU flags that decide native formats.

Reads ``lscpu`` (when installed) and ``/proc/cpuinfo`` / ``/proc/meminfo``; the parsers take text
so recorded outputs can be tested. Nothing here needs torch.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
from pathlib import Path

from probes.report import HostInfo

#: x86 flags that decide which matrix formats run natively on the CPU (Linux /proc/cpuinfo names).
X86_FORMAT_FLAGS: tuple[str, ...] = (
    "avx2",
    "avx512f",
    "avx512_vnni",
    "avx_vnni",
    "avx512_bf16",
    "avx512_fp16",
    "amx_tile",
    "amx_int8",
    "amx_bf16",
    "amx_fp16",
)
#: Arm flags (``Features`` in /proc/cpuinfo): int8 dot products, int8 matrix multiply, BF16, SVE/SVE2, SME.
ARM_FORMAT_FLAGS: tuple[str, ...] = ("asimddp", "i8mm", "bf16", "sve", "sve2", "sme")

LSCPU_TIMEOUT_S = 2.0


def parse_lscpu(text: str) -> dict[str, str]:
    """``lscpu`` output -> {"Model name": ..., "Flags": ...}; the first value of each key wins."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if ":" not in line or line.startswith((" ", "\t")):
            continue
        key, _, value = line.partition(":")
        key = key.strip()
        if key and key not in fields:
            fields[key] = value.strip()
    return fields


def parse_cpuinfo(text: str) -> dict[str, object]:
    """``/proc/cpuinfo`` -> model, vendor, flags, and topology counted from the processor blocks."""
    model = vendor = None
    flags: set[str] = set()
    processors = 0
    sockets: set[str] = set()
    cores: set[tuple[str, str]] = set()
    physical_id = "0"
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "processor":
            processors += 1
        elif key == "model name" and model is None:
            model = value
        elif key == "vendor_id" and vendor is None:
            vendor = value
        elif key in ("flags", "features") and not flags:
            flags = set(value.split())
        elif key == "physical id":
            physical_id = value
            sockets.add(value)
        elif key == "core id":
            cores.add((physical_id, value))
    return {
        "model": model,
        "vendor": vendor,
        "flags": flags,
        "threads": processors or None,
        "sockets": len(sockets) or None,
        "cores": len(cores) or None,
    }


def parse_meminfo(text: str) -> tuple[int | None, int | None]:
    """``/proc/meminfo`` -> (MemTotal, MemAvailable) in bytes."""
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            factor = 1024 if len(parts) > 1 and parts[1].lower() == "kb" else 1
            values[key.strip()] = int(parts[0]) * factor
    return values.get("MemTotal"), values.get("MemAvailable")


def format_flags(flags: set[str], machine: str | None) -> dict[str, bool]:
    """The format-deciding flags for this ISA, each present or absent."""
    arm = (machine or "").lower() in ("aarch64", "arm64") or ("asimd" in flags and "avx2" not in flags)
    names = ARM_FORMAT_FLAGS if arm else X86_FORMAT_FLAGS
    return {name: name in flags for name in names}


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def host_from_texts(
    *, lscpu: str | None, cpuinfo: str | None, meminfo: str | None, machine: str | None = None
) -> dict[str, object]:
    """Combine recorded lscpu / cpuinfo / meminfo texts into HostInfo fields (lscpu wins where both say)."""
    ls = parse_lscpu(lscpu) if lscpu else {}
    ci = parse_cpuinfo(cpuinfo) if cpuinfo else {}
    flags: set[str] = set(ls["Flags"].split()) if ls.get("Flags") else set(ci.get("flags") or ())
    machine = machine or ls.get("Architecture")
    sockets = _int(ls.get("Socket(s)")) or ci.get("sockets")
    per_socket = _int(ls.get("Core(s) per socket"))
    threads = _int(ls.get("CPU(s)")) or ci.get("threads")
    cores = per_socket * sockets if per_socket and sockets else ci.get("cores")
    if cores is None and threads and _int(ls.get("Thread(s) per core")):
        cores = threads // _int(ls.get("Thread(s) per core"))
    total, available = parse_meminfo(meminfo) if meminfo else (None, None)
    return {
        "cpu_model": ls.get("Model name") or ci.get("model"),
        "cpu_vendor": ls.get("Vendor ID") or ci.get("vendor"),
        "machine": machine,
        "sockets": sockets,
        "cores": cores,
        "threads": threads,
        "memory_total_bytes": total,
        "memory_available_bytes": available,
        "flags": flags,
        "cpu_flags": format_flags(flags, machine),
    }


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return None


def _run_lscpu() -> str | None:
    exe = shutil.which("lscpu")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe], capture_output=True, text=True, timeout=LSCPU_TIMEOUT_S, env={**os.environ, "LC_ALL": "C"}
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def collect_host() -> tuple[HostInfo, set[str]]:
    """Probe this machine's host; returns the report section and the full flag set (for matching)."""
    uname = platform.uname()
    cpuinfo = _read("/proc/cpuinfo")
    parsed = parse_cpuinfo(cpuinfo) if cpuinfo else {}
    # /proc/cpuinfo answers everything on x86; lscpu (a subprocess) only when it does not,
    # e.g. Arm, where the model name comes from lscpu's part-number table
    complete = all(parsed.get(k) for k in ("model", "flags", "sockets", "cores", "threads"))
    lscpu = None if complete else _run_lscpu()
    meminfo = _read("/proc/meminfo")
    fields = host_from_texts(lscpu=lscpu, cpuinfo=cpuinfo, meminfo=meminfo, machine=uname.machine or None)
    flags: set[str] = fields.pop("flags")  # type: ignore[assignment]
    if not fields["cpu_model"]:
        fields["cpu_model"] = platform.processor() or None
    if not fields["threads"]:
        fields["threads"] = os.cpu_count()
    missing = [src for src, text in (("/proc/cpuinfo", cpuinfo), ("/proc/meminfo", meminfo)) if not text]
    if not complete and lscpu is None:
        missing.append("lscpu")
    reason = f"not readable here: {', '.join(missing)}" if missing else ""
    status = "ok" if (lscpu or cpuinfo) else "unavailable"
    if status == "unavailable":
        reason = "no lscpu and no /proc/cpuinfo: CPU model and flags unknown (non-Linux host?)"
    info = HostInfo(
        status=status,
        reason=reason,
        hostname=socket.gethostname(),
        os=_os_name(uname.system),
        kernel=uname.release or None,
        **fields,  # type: ignore[arg-type]
    )
    return info, flags


def _os_name(system: str) -> str | None:
    if system == "Linux":
        try:
            return f"Linux ({platform.freedesktop_os_release().get('PRETTY_NAME', 'unknown distribution')})"
        except OSError:
            return "Linux"
    if system == "Darwin":
        return f"macOS {platform.mac_ver()[0]}".strip()
    return system or None
