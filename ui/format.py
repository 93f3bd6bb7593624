"""Display formatting in one place: numbers, units and support badges."""

from __future__ import annotations

import math

BADGES = {
    "native": "native",
    "weight_only": "weight-only",
    "emulated": "emulated",
    "unsupported": "unsupported",
    "unknown": "unknown",
}


def support_badge(level: str) -> str:
    return BADGES.get(level, level)


def fmt_num(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "unknown"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"
