"""Faults in the probe: a benchmark call that hangs, or runs out of GPU memory, is time-boxed, reported
on the page, and the app keeps running (other pages render, the next probe works once the call returns).

The real collector runs (functional checks on this machine's CPU); only the timed matrix multiply of
``probes.bench_probe`` is replaced by a fake torch op that blocks until released, or raises
``torch.OutOfMemoryError`` the way a GPU allocation does.
"""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

import probes.bench_probe as bench_probe
import ui.probe_page as probe_page
from probes import runner
from probes.report import Outcome
from probes.torch_probe import Matmul

torch = pytest.importorskip("torch")

SCRIPT = "from ui.probe_page import render\nrender()\n"
BUDGET_S = 2.0
GRACE_S = 3.0


def _page(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(probe_page, "BENCH_BUDGET_S", BUDGET_S)  # the page's label and the budget it passes
    monkeypatch.setattr(runner, "BENCH_BUDGET_S", BUDGET_S)
    monkeypatch.setattr(runner, "PROBE_GRACE_S", GRACE_S)
    return AppTest.from_string(SCRIPT, default_timeout=120).run()


def _bench_button(at: AppTest):
    return next(b for b in at.button if b.label.startswith("Run with micro-benchmarks"))


def _quick_button(at: AppTest):
    return next(b for b in at.button if b.label.startswith("Run the quick probe"))


def _fake_matmul(run):
    def make(torch_, fmt, device, m, n, k, variant="default", **_kw):
        return Matmul(fmt, run, f"fake {fmt.value}", m, n, k)

    return make


@pytest.fixture
def release():
    gate = threading.Event()
    yield gate
    gate.set()  # the hung call returns, so its thread ends with the test


@pytest.mark.slow
def test_a_hanging_benchmark_call_is_time_boxed_and_the_app_keeps_running(monkeypatch, sqlite_url, release):
    entered = threading.Event()

    def hang():
        entered.set()
        release.wait(timeout=600)  # "forever" for the page: released at the end of the test

    monkeypatch.setattr(bench_probe, "make_matmul", _fake_matmul(hang))
    at = _page(monkeypatch, sqlite_url)
    started = time.monotonic()
    _bench_button(at).click().run()
    elapsed = time.monotonic() - started
    assert entered.is_set(), "the fake op was never called"
    assert not at.exception
    assert elapsed < BUDGET_S + GRACE_S + 20, f"the page waited {elapsed:.0f} s"
    errors = [e.value for e in at.error]
    assert any(f"did not finish within {BUDGET_S + GRACE_S:g} s" in e for e in errors), errors

    # the app keeps running: other pages render while the call is stuck
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    other = AppTest.from_string("from ui.hardware_page import render\nrender()\n", default_timeout=60).run()
    assert not other.exception and other.title[0].value == "Hardware catalog"
    # a second probe is refused with a message (the slot is held by the stuck call), not queued forever
    _quick_button(at).click().run()
    assert not at.exception
    assert any("another probe is running" in s.label for s in at.status), [s.label for s in at.status]

    # once the call returns, the slot is free again and a probe completes
    release.set()
    deadline = time.monotonic() + 60
    while runner.PROBE_LOCK.locked() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not runner.PROBE_LOCK.locked()
    monkeypatch.setattr(bench_probe, "make_matmul", _fake_matmul(lambda: None))
    _quick_button(at).click().run()
    assert not at.exception and not at.error
    assert any(s.label.startswith("Probe finished") for s in at.status)


def test_gpu_out_of_memory_in_a_benchmark_is_reported_per_format(monkeypatch, sqlite_url):
    def oom():
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.19 GiB total)")

    monkeypatch.setattr(bench_probe, "make_matmul", _fake_matmul(oom))
    at = _page(monkeypatch, sqlite_url)
    _bench_button(at).click().run()
    assert not at.exception and not at.error
    report = at.session_state["probe_server_report"]
    cpu = next(d for d in report.devices if d.id == "cpu")
    timed = [f for f, r in cpu.formats.items() if r.verdict == Outcome.NOT_MEASURED and "OutOfMemoryError" in r.reason]
    runnable = [f for f, c in cpu.checks.items() if c.result.value == "runs"]
    assert runnable and sorted(timed) == sorted(runnable)
    assert "CUDA out of memory" in cpu.formats[runnable[0]].reason
    table = next(d.value for d in at.dataframe if "verdict" in d.value.columns)
    assert table["reason"].str.contains("OutOfMemoryError").sum() == len(runnable)


def test_an_error_escaping_the_collector_is_a_message(monkeypatch, sqlite_url):
    def broken(**_kw):
        raise torch.OutOfMemoryError("CUDA out of memory while enumerating devices")

    monkeypatch.setattr(runner, "collect_report", broken)
    at = _page(monkeypatch, sqlite_url)
    _quick_button(at).click().run()
    assert not at.exception
    assert any("OutOfMemoryError: CUDA out of memory while enumerating devices" in e.value for e in at.error)
    assert not runner.PROBE_LOCK.locked()  # the slot is released after a failure
