"""Paths and helpers for the measurement tests (``db_engine`` comes from tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.migrate import database_state

HERE = Path(__file__).resolve()
SHARED_LLAMA = HERE.parents[2] / ".." / "shared" / "fixtures" / "llama-bench"
FIXTURES = HERE.parents[1] / "fixtures" / "benchmarks"


def counts(engine: Engine) -> tuple[int, int]:
    """(uploads, result rows) stored."""
    state = database_state(engine)
    return state.uploads, state.measurements


@pytest.fixture
def shared_llama() -> Path:
    if not SHARED_LLAMA.exists():
        pytest.fail(f"shared fixtures missing: {SHARED_LLAMA}")
    return SHARED_LLAMA


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def one(measurements, **attrs):
    """The single measurement whose fields equal ``attrs`` (fails when none or several match)."""
    hits = [m for m in measurements if all(getattr(m, k) == v for k, v in attrs.items())]
    assert len(hits) == 1, f"{len(hits)} measurements match {attrs}: {[m.describe() for m in hits]}"
    return hits[0]
