"""Paths used by the hardware_db tests."""

from __future__ import annotations

from pathlib import Path

FIXTURE_CATALOG = Path(__file__).resolve().parents[1] / "fixtures" / "catalog"
SHARED_GPU = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "gpu"
