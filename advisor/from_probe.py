"""Build the advisor's ``HardwareTarget`` from one probed device (``probes.target.ProbeTarget``).

Duck-typed on purpose (no import of the probes package): any object with the ProbeTarget fields
works. Measured throughputs and bandwidth take precedence over the catalog's datasheet values,
and a measured verdict overrides the catalog's support claim for that math format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advisor.hardware import HardwareTarget, SupportEntry
from hardware_db.schema import Support

if TYPE_CHECKING:
    from hardware_db.catalog import Catalog

#: Probe verdicts that change the support level; ``not_available`` leaves the catalog's claim
#: (a missing torch kernel says nothing about the silicon).
VERDICT_LEVEL = {"measured_native": Support.NATIVE, "runs_no_speedup": Support.EMULATED}


def target_from_probe(device: Any, catalog: Catalog) -> HardwareTarget:
    base = HardwareTarget.from_catalog(catalog, device.sku_id) if device.sku_id in catalog.skus else None
    support: dict[str, SupportEntry] = {}
    arch_id = device.architecture_id or (base.architecture if base else None)
    if base is None and arch_id in catalog.architectures:
        for key, claim in catalog.architectures[arch_id].support.items():
            support[key] = SupportEntry(
                level=claim.level,
                source=claim.source,
                notes=claim.notes,
                encoding=claim.encoding.value if claim.encoding else None,
                origin="architecture",
            )
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
    gb = 1e9
    total = device.memory_total_bytes / gb if device.memory_total_bytes else None
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
    return target
