"""A probe report as hardware targets for the advisor: plain dataclasses, no pydantic models leak out.

The advisor builds its ``HardwareTarget`` from these; measured throughputs take precedence over
the catalog's datasheet peaks. Keys of ``measured_tflops`` are catalog math formats
(``fp32 bf16 fp16 int8 fp8 fp4``); fp8 is the E4M3 timing (the inference format), else E5M2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from probes.report import Outcome, ProbeFormat, ProbeReport

#: Catalog math-format key -> probe formats that stand for it, first measured wins.
MATH_FORMATS: dict[str, tuple[ProbeFormat, ...]] = {
    "fp32": (ProbeFormat.FP32,),
    "bf16": (ProbeFormat.BF16,),
    "fp16": (ProbeFormat.FP16,),
    "int8": (ProbeFormat.INT8,),
    "fp8": (ProbeFormat.FP8_E4M3, ProbeFormat.FP8_E5M2),
    "fp4": (ProbeFormat.FP4,),
}


@dataclass(frozen=True)
class ProbeTarget:
    device_id: str  # "cpu", "cuda:0"
    kind: str  # "cpu" | "gpu"
    name: str
    sku_id: str | None
    architecture_id: str | None
    match_method: str
    memory_total_bytes: int | None
    memory_free_bytes: int | None
    memory_bandwidth_gbps: float | None  # measured copy bandwidth; None when not timed
    measured_tflops: dict[str, float] = field(default_factory=dict)  # only formats that were timed
    verdicts: dict[str, str] = field(default_factory=dict)  # math format -> probe verdict
    native_formats: tuple[str, ...] = ()  # math formats measured as native here
    probe_created_at: str = ""
    hostname: str = ""

    @property
    def label(self) -> str:
        what = self.sku_id or self.architecture_id or "not in catalog"
        return f"{self.name} ({what}) on {self.hostname or 'unknown host'}"


def report_to_targets(report: ProbeReport) -> list[ProbeTarget]:
    """One target per device of the report (the CPU included), in report order."""
    targets = []
    for device in report.devices:
        measured: dict[str, float] = {}
        verdicts: dict[str, str] = {}
        for key, candidates in MATH_FORMATS.items():
            results = [device.formats[f] for f in candidates if f in device.formats]
            timed = [r for r in results if r.achieved_tflops is not None]
            chosen = timed[0] if timed else (results[0] if results else None)
            if chosen is None:
                continue
            verdicts[key] = chosen.verdict.value
            if chosen.achieved_tflops is not None:
                measured[key] = chosen.achieved_tflops
        match = device.match
        targets.append(
            ProbeTarget(
                device_id=device.id,
                kind=device.kind,
                name=device.name or device.id,
                sku_id=match.sku_id if match else None,
                architecture_id=match.architecture_id if match else None,
                match_method=match.method if match else "none",
                memory_total_bytes=device.memory_total_bytes,
                memory_free_bytes=device.memory_free_bytes,
                memory_bandwidth_gbps=device.memory_bandwidth_gbps,
                measured_tflops=measured,
                verdicts=verdicts,
                native_formats=tuple(k for k, v in verdicts.items() if v == Outcome.MEASURED_NATIVE.value),
                probe_created_at=report.created_at.isoformat(),
                hostname=report.host.hostname,
            )
        )
    return targets
