"""Load, shortened: bench/load_advise.py with 5 browser sessions for 15 s against the real server.

Every update must show its new heading (no errors, no traceback on any page) and the 95th-percentile
update time must stay under a generous bound for a small CI machine; the server's memory must not
grow without bound while the sessions run.
"""

from __future__ import annotations

import importlib.util
import math
import sys

import pytest

from tests.conftest import REPO
from tests.ui.server import chromium_path

P95_BOUND_S = 20.0


def _load_advise():
    spec = importlib.util.spec_from_file_location("load_advise", REPO / "bench" / "load_advise.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_advise"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.browser
def test_five_sessions_for_fifteen_seconds():
    chromium_path()  # skips (or fails under REQUIRE_BROWSER=1) without Chromium
    bench = _load_advise()
    (one, five) = bench.measure([1, 5], seconds=15, update_timeout_s=60)
    for phase in (one, five):
        assert phase.errors == [], phase.errors
        assert phase.updates >= phase.contexts, f"{phase.contexts} sessions made only {phase.updates} updates"
        assert phase.pct(0.95) < P95_BOUND_S, bench.table([one, five])
    assert not math.isnan(five.rss_end_mb) and five.rss_end_mb > 50  # the server's process was found
    assert five.rss_end_mb < 4 * max(one.rss_before_mb, 150), bench.table([one, five])


def test_server_memory_is_read_from_proc():
    import os

    bench = _load_advise()
    me = bench.rss_mb(os.getpid())
    assert 10 < me < 100_000
    assert bench.server_pid(1) is None  # no server on port 1


def _load_advise_ws():
    _load_advise()  # load_advise_ws imports its /proc readers from it
    spec = importlib.util.spec_from_file_location("load_advise_ws", REPO / "bench" / "load_advise_ws.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_advise_ws"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_ten_protocol_sessions_every_update_shows_its_heading():
    """bench/load_advise_ws.py shortened: 10 websocket sessions x 10 s, no browser; every rerun must
    finish and show the heading for the GPU count it asked for (the bench counts a wrong one as an error)."""
    bench = _load_advise_ws()
    (one, ten) = bench.measure([1, 10], seconds=10)
    for phase in (one, ten):
        assert phase.errors == [], phase.errors
        assert phase.updates >= 2 * phase.contexts, (phase.contexts, phase.updates)
    assert ten.rss_end_mb - one.rss_before_mb < 200, (one.rss_before_mb, ten.rss_end_mb)  # no runaway growth
