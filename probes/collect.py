"""Put the probes together into one :class:`~probes.report.ProbeReport` (collecting only, no display).

Order: host (lscpu, /proc), NVML, torch, catalog matching, functional checks per device, and
with ``bench=True`` the time-boxed timings (GPUs first, then the CPU). Every stage degrades to a
status and a reason; nothing here raises for a missing or broken stack.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from probes.bench_probe import (
    FormatTiming,
    PairedRatio,
    measure_bandwidth,
    paired_speedups,
    plan_for,
    time_format,
    verdicts,
)
from probes.cpu_probe import collect_host
from probes.nvml_probe import collect_nvml
from probes.report import (
    BenchInfo,
    CheckResult,
    DeviceMatchInfo,
    DeviceReport,
    FormatCheck,
    HostInfo,
    NvmlDevice,
    NvmlInfo,
    ProbeFormat,
    ProbeReport,
    TorchAccelerator,
)
from probes.torch_probe import TORCH_OP_ERRORS, _first_line, check_formats, collect_torch, import_torch

PROBE_VERSION = "1.0"
DEFAULT_BUDGET_S = 120.0

#: Probe format -> catalog MathFormat key of the dense peak.
CATALOG_KEY: dict[ProbeFormat, str] = {
    ProbeFormat.FP32: "fp32",
    ProbeFormat.BF16: "bf16",
    ProbeFormat.FP16: "fp16",
    ProbeFormat.INT8: "int8",
    ProbeFormat.FP8_E4M3: "fp8",
    ProbeFormat.FP8_E5M2: "fp8",
    ProbeFormat.FP4: "fp4",
}

Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load_catalog() -> tuple[Any | None, str]:
    try:
        from hardware_db.catalog import CatalogError, default_catalog
    except ImportError as exc:
        return None, f"catalog code not importable: {exc}"
    try:
        return default_catalog(), ""
    except (CatalogError, OSError) as exc:
        return None, f"catalog not loadable: {exc}"


def _as_info(match: Any) -> DeviceMatchInfo:
    return DeviceMatchInfo(
        sku_id=match.sku_id, architecture_id=match.architecture_id, method=match.method, note=match.note
    )


def match_gpu_info(
    catalog: Any | None,
    name: str | None,
    *,
    pci_device_id: str | None,
    compute_capability: str | None,
    memory_bytes: int | None,
) -> DeviceMatchInfo:
    if catalog is None:
        return DeviceMatchInfo(note="catalog unavailable")
    from hardware_db.match import match_gpu

    cc = tuple(int(x) for x in compute_capability.split(".")) if compute_capability else None
    return _as_info(
        match_gpu(name, pci_device_id=pci_device_id, compute_capability=cc, memory_bytes=memory_bytes, catalog=catalog)
    )


def match_cpu_info(catalog: Any | None, model: str | None, flags: set[str]) -> DeviceMatchInfo:
    if catalog is None:
        return DeviceMatchInfo(note="catalog unavailable")
    from hardware_db.match import match_cpu

    return _as_info(match_cpu(model, sorted(flags), catalog=catalog))


def peaks_for(catalog: Any | None, match: DeviceMatchInfo | None) -> dict[ProbeFormat, float | None]:
    if catalog is None or match is None or match.sku_id is None or match.sku_id not in catalog.skus:
        return {}
    return {fmt: catalog.dense_tflops(match.sku_id, key) for fmt, key in CATALOG_KEY.items()}


def _skipped(reason: str) -> dict[ProbeFormat, FormatCheck]:
    return {fmt: FormatCheck(result=CheckResult.SKIPPED, reason=reason) for fmt in ProbeFormat}


def _pair_nvml(acc: TorchAccelerator, nvml: NvmlInfo, used: set[int]) -> NvmlDevice | None:
    """The NVML entry of a torch CUDA device: same PCI bus id, else the same name in order."""
    if acc.backend != "cuda":
        return None
    candidates = [d for d in nvml.devices if d.index not in used]
    for dev in candidates:
        if acc.pci_bus_id and dev.pci_bus_id and dev.pci_bus_id.lower().endswith(acc.pci_bus_id.lower()[-12:]):
            return dev
    return next((d for d in candidates if d.name and d.name == acc.name), None)


def _torch_free_memory(torch: Any, device: str) -> int | None:
    try:
        free, _total = torch.cuda.mem_get_info(device)
    except TORCH_OP_ERRORS:
        return None
    return int(free)


def _host_error(exc: BaseException) -> tuple[HostInfo, set[str]]:
    return HostInfo(status="error", reason=f"host probe failed: {_first_line(exc)}"), set()


def collect_report(
    *,
    bench: bool = False,
    budget_s: float = DEFAULT_BUDGET_S,
    progress: Progress | None = None,
    catalog: Any | None = None,
) -> ProbeReport:
    """Probe this machine. ``bench`` adds timings, all within ``budget_s`` seconds."""
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    try:
        host, flags = collect_host()
    except (OSError, ValueError) as exc:
        host, flags = _host_error(exc)
    nvml = collect_nvml()
    torch, torch_reason = import_torch()
    torch_info = collect_torch(torch, torch_reason)
    if catalog is None:
        catalog, catalog_reason = _load_catalog()
    else:
        catalog_reason = ""
    catalog_version = getattr(catalog, "version", None)

    host.match = match_cpu_info(catalog, host.cpu_model, flags)
    if catalog_reason:
        host.match.note = catalog_reason
    for dev in nvml.devices:
        dev.match = match_gpu_info(
            catalog,
            dev.name,
            pci_device_id=dev.pci_device_id,
            compute_capability=dev.compute_capability,
            memory_bytes=dev.memory_total_bytes,
        )

    devices: list[DeviceReport] = [
        DeviceReport(
            id="cpu",
            kind="cpu",
            name=host.cpu_model,
            backend="cpu",
            memory_total_bytes=host.memory_total_bytes,
            memory_free_bytes=host.memory_available_bytes,
            match=host.match,
        )
    ]
    used: set[int] = set()
    for acc in torch_info.accelerators:
        paired = _pair_nvml(acc, nvml, used)
        if paired is not None:
            used.add(paired.index)
            match = paired.match
            total, free = paired.memory_total_bytes, paired.memory_free_bytes
        else:
            match = match_gpu_info(
                catalog,
                acc.gcn_arch_name if acc.backend == "rocm" and acc.gcn_arch_name else acc.name,
                pci_device_id=None,
                compute_capability=acc.compute_capability,
                memory_bytes=acc.total_memory_bytes,
            )
            if acc.backend == "rocm" and match.sku_id is None and acc.name:  # the marketing name may be known
                by_name = match_gpu_info(
                    catalog, acc.name, pci_device_id=None, compute_capability=None, memory_bytes=acc.total_memory_bytes
                )
                match = by_name if by_name.sku_id else match
            total = acc.total_memory_bytes
            free = _torch_free_memory(torch, acc.id) if acc.backend in ("cuda", "rocm") else None
        devices.append(
            DeviceReport(
                id=acc.id,
                kind="gpu",
                name=acc.name,
                backend=acc.backend,
                memory_total_bytes=total,
                memory_free_bytes=free,
                match=match,
            )
        )
    for dev in nvml.devices:
        if dev.index in used:
            continue
        why = (
            torch_info.reason
            if torch is None
            else "torch does not see this GPU (CPU-only build or CUDA_VISIBLE_DEVICES)"
        )
        devices.append(
            DeviceReport(
                id=f"nvml:{dev.index}",
                kind="gpu",
                name=dev.name,
                backend="cuda",
                memory_total_bytes=dev.memory_total_bytes,
                memory_free_bytes=dev.memory_free_bytes,
                match=dev.match,
                checks=_skipped(why),
            )
        )

    for device in devices:
        if device.checks:
            continue
        if torch is None:
            device.checks = _skipped(torch_reason)
            continue
        say(f"checking formats on {device.id} ({device.name})")
        try:
            device.checks = check_formats(torch, device.id)
        except TORCH_OP_ERRORS as exc:  # e.g. the device was lost between enumeration and use
            device.checks = _skipped(f"functional checks could not run: {_first_line(exc)}")

    bench_info = BenchInfo(requested=bench, budget_s=budget_s if bench else None)
    timings: dict[str, dict[ProbeFormat, FormatTiming]] = {d.id: {} for d in devices}
    paired: dict[str, dict[ProbeFormat, PairedRatio]] = {d.id: {} for d in devices}
    if bench:
        if torch is None:
            bench_info.status, bench_info.reason = "unavailable", torch_reason
        else:
            _run_bench(torch, devices, timings, paired, bench_info, budget_s, say)
    for device in devices:
        device.formats = verdicts(
            device.kind,
            device.checks,
            timings[device.id],
            peaks_for(catalog, device.match),
            bench_requested=bench,
            paired=paired[device.id],
        )
    return ProbeReport(
        created_at=dt.datetime.now(dt.UTC),
        probe_version=PROBE_VERSION,
        catalog_version=catalog_version,
        elapsed_s=round(time.perf_counter() - started, 3),
        host=host,
        nvml=nvml,
        torch=torch_info,
        devices=devices,
        bench=bench_info,
    )


def _run_bench(
    torch: Any,
    devices: list[DeviceReport],
    timings: dict[str, dict[ProbeFormat, FormatTiming]],
    paired: dict[str, dict[ProbeFormat, PairedRatio]],
    info: BenchInfo,
    budget_s: float,
    say: Progress,
) -> None:
    start = time.perf_counter()
    deadline = start + budget_s
    try:
        info.load_average_1m = round(os.getloadavg()[0], 2)
    except (OSError, AttributeError):  # not on every OS
        info.load_average_1m = None
    order = [d for d in devices if d.kind == "gpu"] + [d for d in devices if d.kind == "cpu"]
    precision = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("highest")  # fp32 means IEEE fp32 here, not TF32 / bf16x3
    try:
        skipped = _bench_devices(torch, order, timings, paired, info, deadline, say)
    finally:
        torch.set_float32_matmul_precision(precision)
    info.elapsed_s = round(time.perf_counter() - start, 3)
    info.status = "ok"
    notes = []
    threads = os.cpu_count() or 1
    if info.load_average_1m is not None and info.load_average_1m > 0.5 * threads:
        notes.append(
            f"the host was busy (load {info.load_average_1m:g} on {threads} CPUs): CPU TFLOPS read low; "
            "verdicts use alternating pairs and stay valid"
        )
    if skipped:
        notes.append(f"overall budget of {budget_s:g} s ran out before: {', '.join(skipped)}")
    info.reason = "; ".join(notes)


def _bench_devices(
    torch: Any,
    order: list[DeviceReport],
    timings: dict[str, dict[ProbeFormat, FormatTiming]],
    paired: dict[str, dict[ProbeFormat, PairedRatio]],
    info: BenchInfo,
    deadline: float,
    say: Progress,
) -> list[str]:
    """Time every runnable format on every device (GPUs first); returns what the budget cut."""
    skipped: list[str] = []
    for device in order:
        runnable = [f for f in ProbeFormat if device.checks.get(f) and device.checks[f].result == CheckResult.RUNS]
        if not runnable:
            continue
        plan = plan_for(device.id)
        info.per_format_budget_s = max(info.per_format_budget_s or 0.0, plan.per_format_s)
        say(f"benchmarking {device.id} ({device.name}): {len(runnable)} formats, <= {plan.per_format_s:g} s each")
        for fmt in runnable:
            if time.perf_counter() >= deadline:
                skipped.append(f"{device.id}/{fmt.value}")
                continue
            options = None
            if fmt == ProbeFormat.INT8 and device.id == "cpu":
                # torch._int_mm when it runs; torch.ao's quantized Linear only as the fallback
                options = ("int_mm",) if device.checks[fmt].op.startswith("torch._int_mm") else ("ao_quantized_linear",)
            timings[device.id][fmt] = time_format(torch, fmt, device.id, plan, deadline, say, options)
            best = timings[device.id][fmt].best
            say(f"{device.id} {fmt.value}: " + (f"{best.tflops:.3f} TFLOPS at {best.shape}" if best else "no timing"))
        if time.perf_counter() < deadline:
            say(f"{device.id}: speed-ups over the baseline from alternating pairs")
            paired[device.id] = paired_speedups(torch, device.id, device.kind, timings[device.id], plan, deadline, say)
        if time.perf_counter() < deadline:
            device.memory_bandwidth_gbps, device.bench_reason = measure_bandwidth(torch, device.id, plan, deadline)
            if device.memory_bandwidth_gbps is not None:
                device.memory_bandwidth_gbps = round(device.memory_bandwidth_gbps, 2)
                say(f"{device.id} copy bandwidth: {device.memory_bandwidth_gbps:.1f} GB/s")
        else:
            device.bench_reason = "bandwidth not measured: the overall time budget ran out"
    return skipped
