"""Calibration from a team's own measurements: per-phase speed multipliers fitted on ``Comparison`` values.

``calibrate(comparisons)`` groups the comparisons that have a speed ratio (``Comparison.speed_ratio`` =
measured / estimated speed, inverted for latencies) by (phase, hardware SKU, engine, format) and takes the
geometric mean, with fallbacks to (any engine, format), (engine, any format) and (any engine, any format).
``estimate(..., calibration=cal)`` divides the phase's estimated time by the factor of the most specific key
that exists. The ratio a row contributes is the one the Benchmarks page shows as that row's error
(``ratio = 1 / (1 + error / 100)`` for a rate), so the page and the calibration cannot disagree.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from advisor.comparison import Comparison

ANY = "*"
#: The band of a calibrated estimate is never narrower than +-15% (a single run's repeatability).
MIN_CALIBRATED_BAND = math.log(1.15)


@dataclass(frozen=True)
class CalibrationFactor:
    scale: float  # measured / estimated speed, geometric mean
    n: int
    log_sd: float
    sources: tuple[str, ...] = ()

    @property
    def band(self) -> tuple[float, float]:
        spread = max(2 * self.log_sd, MIN_CALIBRATED_BAND)
        return math.exp(-spread), math.exp(spread)


@dataclass(frozen=True)
class Calibration:
    """Per-phase speed multipliers keyed by (phase, hardware sku, engine, format); ``*`` = any."""

    factors: Mapping[tuple[str, str, str, str], CalibrationFactor] = field(default_factory=dict)
    n_measurements: int = 0
    skipped: tuple[str, ...] = ()

    def lookup(self, phase: str, sku: str | None, engine: str | None, fmt: str) -> CalibrationFactor | None:
        if not sku:
            return None
        for key in ((phase, sku, engine or ANY, fmt), (phase, sku, ANY, fmt), (phase, sku, engine or ANY, ANY)):
            if key in self.factors:
                return self.factors[key]
        return self.factors.get((phase, sku, ANY, ANY))


def calibrate(comparisons: Iterable[Comparison]) -> Calibration:
    """Fit the multipliers (see the module docstring); comparisons without a ratio are listed in ``skipped``."""
    grouped: dict[tuple[str, str, str, str], list[tuple[float, str]]] = defaultdict(list)
    used, skipped = 0, []
    for c in comparisons:
        m = c.measurement
        ratio = c.speed_ratio
        if ratio is None or not m.hardware_sku or not m.format_id:
            skipped.append(f"{m.where or m.describe()}: {c.note or 'no speed estimate to compare with'}")
            continue
        used += 1
        eng = m.engine or ANY
        for key in (
            (c.phase, m.hardware_sku, eng, m.format_id),
            (c.phase, m.hardware_sku, ANY, m.format_id),
            (c.phase, m.hardware_sku, eng, ANY),
            (c.phase, m.hardware_sku, ANY, ANY),
        ):
            grouped[key].append((math.log(ratio), m.where))
    factors = {}
    for key, rows in sorted(grouped.items()):
        logs = sorted(set(rows))  # the same row reached through two keys counts once
        vals = [lr for lr, _ in logs]
        mean = sum(vals) / len(vals)
        sd = math.sqrt(sum((x - mean) ** 2 for x in vals) / (len(vals) - 1)) if len(vals) > 1 else 0.0
        factors[key] = CalibrationFactor(math.exp(mean), len(vals), sd, tuple(src for _, src in logs))
    return Calibration(factors=factors, n_measurements=used, skipped=tuple(skipped))
