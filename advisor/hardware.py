"""``HardwareTarget``: the advisor's plain, frozen view of one device, from the catalog or a probe.

The advisor never reads the catalog's pydantic objects directly past this point. A target built from
a probe report carries measured throughputs and bandwidth, which take precedence over datasheet peaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from hardware_db.schema import SUPPORT_KEYS, Support

if TYPE_CHECKING:
    from collections.abc import Mapping

    from hardware_db.catalog import Catalog
    from hardware_db.schema import SupportClaim


@dataclass(frozen=True)
class SupportEntry:
    """One hardware support claim: level plus where it comes from."""

    level: Support
    source: str = ""
    notes: str = ""
    encoding: str | None = None  # fp8 only: "ocp" | "fnuz"
    origin: str = ""  # "sku", "architecture" or "probe"

    @classmethod
    def from_claim(cls, claim: SupportClaim, origin: str) -> SupportEntry:
        """One catalog claim (an architecture's or a SKU's) as the advisor's plain entry."""
        return cls(
            level=claim.level,
            source=claim.source,
            notes=claim.notes,
            encoding=claim.encoding.value if claim.encoding else None,
            origin=origin,
        )


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class HardwareTarget:
    name: str
    architecture: str  # an architecture id (hardware_db/data/architectures/<id>.toml)
    kind: str = "gpu"  # hardware_db.schema.DeviceKind value
    sku_id: str | None = None
    architecture_name: str = ""
    vendor: str = ""
    compute_capability: str | None = None
    support: Mapping[str, SupportEntry] = field(default_factory=dict)
    dense_tflops: Mapping[str, float] = field(default_factory=dict)  # datasheet dense peaks per MathFormat
    measured_tflops: Mapping[str, float] = field(default_factory=dict)  # probe micro-benchmarks (win)
    memory_gb: float | None = None
    free_memory_gb: float | None = None  # from a probe; fit is checked against it when given
    memory_bandwidth_gbps: float | None = None  # datasheet
    measured_bandwidth_gbps: float | None = None  # probe (wins)
    interconnect_gbps: float | None = None  # per-device scale-up bandwidth (NVLink, IF, ICI)
    source: str = ""
    unpublished: Mapping[str, str] = field(default_factory=dict)  # native format -> why no peak
    segment: str = ""  # hardware_db.schema.Segment value ("datacenter", "consumer", ...); "" when unknown
    fp32_lanes_per_unit: int | None = None  # FP32 lanes per SM (architecture's compute_unit); None when unknown

    def __post_init__(self) -> None:
        bad = sorted(set(self.support) - set(SUPPORT_KEYS))
        if bad:
            raise ValueError(f"unknown support keys {bad}")
        for name in ("support", "dense_tflops", "measured_tflops", "unpublished"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    # -- lookups ---------------------------------------------------------------------------------
    def support_level(self, key: str) -> Support:
        entry = self.support.get(key)
        return entry.level if entry else Support.UNKNOWN

    def peak_tflops(self, math_format: str) -> float | None:
        """Measured throughput for the math format if probed, else the datasheet dense peak."""
        return self.measured_tflops.get(math_format) or self.dense_tflops.get(math_format)

    @property
    def unit_ghz(self) -> float | None:
        """Compute units x clock (GHz) from the FP32 peak and the lanes per unit: the rate at which the device issues
        work (an A100's 108 SMs at 1.41 GHz give 152); None when either is unknown."""
        fp32 = self.peak_tflops("fp32")
        if not fp32 or not self.fp32_lanes_per_unit:
            return None
        return fp32 * 1e3 / (2.0 * self.fp32_lanes_per_unit)

    @property
    def bandwidth_gbps(self) -> float | None:
        return self.measured_bandwidth_gbps or self.memory_bandwidth_gbps

    @property
    def available_memory_gb(self) -> float | None:
        """Free memory when a probe gave it, else the total."""
        return self.free_memory_gb if self.free_memory_gb is not None else self.memory_gb

    @property
    def is_measured(self) -> bool:
        return bool(self.measured_tflops) or self.measured_bandwidth_gbps is not None

    def with_overrides(self, **changes) -> HardwareTarget:
        """A copy with fields replaced (e.g. ``free_memory_gb`` from a probe, ``memory_gb`` for a CPU host)."""
        return replace(self, **changes)

    # -- constructors ----------------------------------------------------------------------------
    @classmethod
    def from_catalog(cls, catalog: Catalog, sku_id: str) -> HardwareTarget:
        """Build a target from a catalog SKU: SKU support claims override the architecture's."""
        if sku_id not in catalog.skus:
            from advisor.formats import closest

            hint = closest(sku_id, sorted(catalog.skus))
            raise KeyError(f"unknown hardware {sku_id!r}" + (f"; did you mean {', '.join(hint)}?" if hint else ""))
        sku = catalog.skus[sku_id]
        arch = catalog.architectures[sku.architecture]
        support = {key: SupportEntry.from_claim(claim, "architecture") for key, claim in arch.support.items()}
        support.update({key: SupportEntry.from_claim(claim, "sku") for key, claim in sku.support.items()})
        return cls(
            name=sku.name,
            architecture=arch.id,
            kind=arch.kind.value,
            sku_id=sku.id,
            architecture_name=arch.name,
            vendor=sku.vendor,
            compute_capability=sku.compute_capability or arch.compute_capability,
            support=support,
            dense_tflops=dict(sku.dense_tflops),
            memory_gb=sku.memory_gb,
            memory_bandwidth_gbps=sku.memory_bandwidth_gbps,
            interconnect_gbps=sku.interconnect_gbps,
            source=sku.source,
            unpublished=dict(sku.unpublished),
            segment=sku.segment.value,
            fp32_lanes_per_unit=arch.compute_unit.fp32_lanes if arch.compute_unit else None,
        )

    @classmethod
    def from_probe(
        cls,
        *,
        name: str,
        architecture: str,
        base: HardwareTarget | None = None,
        measured_tflops: Mapping[str, float] | None = None,
        measured_bandwidth_gbps: float | None = None,
        memory_gb: float | None = None,
        free_memory_gb: float | None = None,
        support: Mapping[str, SupportEntry] | None = None,
        kind: str = "gpu",
        compute_capability: str | None = None,
    ) -> HardwareTarget:
        """A probe-derived target: start from the matched catalog SKU (``base``) when there is one;
        probed support claims override, measured throughputs take precedence over datasheet peaks."""
        merged_support = dict(base.support) if base else {}
        merged_support.update(support or {})
        return cls(
            name=name,
            architecture=architecture,
            kind=base.kind if base else kind,
            sku_id=base.sku_id if base else None,
            architecture_name=base.architecture_name if base else "",
            vendor=base.vendor if base else "",
            compute_capability=compute_capability or (base.compute_capability if base else None),
            support=merged_support,
            dense_tflops=dict(base.dense_tflops) if base else {},
            measured_tflops=dict(measured_tflops or {}),
            memory_gb=memory_gb if memory_gb is not None else (base.memory_gb if base else None),
            free_memory_gb=free_memory_gb,
            memory_bandwidth_gbps=base.memory_bandwidth_gbps if base else None,
            measured_bandwidth_gbps=measured_bandwidth_gbps,
            interconnect_gbps=base.interconnect_gbps if base else None,
            source=base.source if base else "probe",
            unpublished=dict(base.unpublished) if base else {},
            segment=base.segment if base else "",
            fp32_lanes_per_unit=base.fp32_lanes_per_unit if base else None,
        )
