"""Run the probe from a long-lived process (the web app) with a hard time limit and one probe at a time.

``run_probe`` runs ``probes.collect.collect_report`` on a worker thread: the collector's own budget is only
checked between calls, so one call that hangs (a wedged GPU, a driver stuck in a kernel) would otherwise hold the
caller forever. The caller returns with ``ProbeTimedOut`` while the stuck call is left behind; the probe slot
stays busy until it returns. A second probe while one runs gets ``ProbeBusy`` instead of waiting.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from probes.collect import collect_report

if TYPE_CHECKING:
    from hardware_db.catalog import Catalog
    from probes.report import ProbeReport


class ProbeBusy(RuntimeError):
    """Another probe is running in this process."""


class ProbeTimedOut(RuntimeError):
    """The probe did not return within its hard limit (a call is hanging)."""


class ProbeFailed(RuntimeError):
    """The collector raised; the message says what (first line)."""


#: Overall time budget of a micro-benchmark run started from the app (the CLI default is 120 s).
BENCH_BUDGET_S = 60.0
#: A quick probe (no timings) that takes longer than this is treated as hung.
QUICK_PROBE_LIMIT_S = 30.0
#: Time over the budget before a probe counts as hung (the budget is checked between calls only).
PROBE_GRACE_S = 30.0
_DONE = object()
#: One probe at a time per process: the micro-benchmarks would disturb each other's timings.
PROBE_LOCK = threading.Lock()


def run_probe(
    *,
    bench: bool,
    catalog: Catalog | None = None,
    progress: Callable[[str], None] | None = None,
    limit_s: float | None = None,
) -> ProbeReport:
    """Probe this machine (quick, or with micro-benchmarks within ``BENCH_BUDGET_S``); see the module docstring.

    ``limit_s`` defaults to the budget plus ``PROBE_GRACE_S``. ``ProbeFailed`` carries any error the collector
    raised (for example a GPU out of memory outside the per-format time boxes)."""
    if not PROBE_LOCK.acquire(blocking=False):
        raise ProbeBusy("another probe is running on this server right now; try again in a minute")
    limit = limit_s if limit_s is not None else (BENCH_BUDGET_S if bench else QUICK_PROBE_LIMIT_S) + PROBE_GRACE_S
    messages: queue.Queue = queue.Queue()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["report"] = collect_report(
                bench=bench, budget_s=BENCH_BUDGET_S, progress=messages.put, catalog=catalog
            )
        except Exception as exc:  # noqa: BLE001 - handed to the caller as a ProbeFailed message
            outcome["error"] = exc
        finally:
            PROBE_LOCK.release()
            messages.put(_DONE)

    threading.Thread(target=work, name="format-advisor-probe", daemon=True).start()
    deadline = time.monotonic() + limit
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProbeTimedOut(
                f"the probe did not finish within {limit:g} s (a benchmark call is hanging?); it was abandoned, "
                "and new probes wait until the stuck call returns; the rest of the app is unaffected"
            )
        try:
            message = messages.get(timeout=min(remaining, 0.25))
        except queue.Empty:
            continue
        if message is _DONE:
            break
        if progress:
            progress(message)
    if "error" in outcome:
        exc = outcome["error"]
        first = str(exc).strip().splitlines()
        raise ProbeFailed(f"{type(exc).__name__}: {first[0] if first else ''}"[:300]) from exc
    return outcome["report"]
