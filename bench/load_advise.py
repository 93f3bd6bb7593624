"""Load: N concurrent browser sessions on the Advise page, each changing an input over and over.

    .venv/bin/python bench/load_advise.py [--contexts 20] [--seconds 60] [--baseline-contexts 1]

The real server is started the way ``make run`` does (tests/ui/server.py: 127.0.0.1, a free port, a
fresh SQLite database). Debian's Chromium (Playwright, one browser, one context per session) opens the
Advise page in every context; once all have rendered, each session repeatedly sets "GPUs (tensor
parallel)" to the next value of 1, 2, 4, 8 and waits until the page's heading reads
"<model> on <n>x <hardware>" for the new n. The update time is from the keystroke to that heading.
A session that doesn't see its heading within ``--update-timeout`` counts an error and reloads.

Baseline in the same run: the same measurement with ``--baseline-contexts`` (default 1) sessions first.
The server's resident memory (VmRSS of the streamlit process and its children, from /proc) is read
before each phase, at its end with the sessions still open, and after they closed.

Prints a markdown table plus the exact command. Everything stays on 127.0.0.1; every loop is bounded
by the deadline and by ``MAX_UPDATES_PER_SESSION``.

Note: the browsers run on the same machine as the server, so on a small machine the figures include
the browsers' own CPU use (the table says how many CPUs there were).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MODEL = "Llama 3.1 70B"
HARDWARE = "NVIDIA H100 SXM5 80GB"
GPU_CYCLE = (2, 4, 8, 1)
MAX_UPDATES_PER_SESSION = 10_000
PAGE_LOAD_TIMEOUT_MS = 120_000


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@dataclass
class PhaseResult:
    contexts: int
    seconds: float
    latencies_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rss_before_mb: float = 0.0
    rss_end_mb: float = 0.0
    rss_after_close_mb: float = 0.0
    load_s: float = 0.0  # time until every session had rendered the page once
    server_run_s: list[float] = field(default_factory=list)  # Advise script runs inside the server (run log)
    server_cpu_s: float = 0.0  # CPU seconds the server used during the measured window

    @property
    def updates(self) -> int:
        return len(self.latencies_s)

    def pct(self, q: float) -> float:
        return percentile(self.latencies_s, q)

    def as_row(self) -> dict:
        return {
            "contexts": self.contexts,
            "seconds": self.seconds,
            "updates": self.updates,
            "errors": len(self.errors),
            "p50_s": self.pct(0.5),
            "p95_s": self.pct(0.95),
            "max_s": max(self.latencies_s, default=float("nan")),
            "mean_s": statistics.fmean(self.latencies_s) if self.latencies_s else float("nan"),
            "rss_before_mb": self.rss_before_mb,
            "rss_end_mb": self.rss_end_mb,
            "rss_after_close_mb": self.rss_after_close_mb,
            "load_s": self.load_s,
            "server_cpu_s": self.server_cpu_s,
        }


# ---------------------------------------------------------------- server memory from /proc


def _read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def server_pid(port: int) -> int | None:
    """The pid of the streamlit server listening on ``port`` (``python -m ui ... --server.port PORT``)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        args = _read(f"/proc/{entry}/cmdline").split("\0")
        if "ui" in args and "-m" in args and any(a == str(port) for a in args) and "--server.port" in args:
            return int(entry)
    return None


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _read(f"/proc/{entry}/stat")
            # the ppid is the 2nd field after the ")" that closes the command name
            tail = stat.rsplit(")", 1)[-1].split()
            if len(tail) > 1 and tail[1] == str(pid):
                kids.append(int(entry))
    return kids


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its descendants so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        tail = _read(f"/proc/{p}/stat").rsplit(")", 1)[-1].split()
        total += int(tail[11]) + int(tail[12]) if len(tail) > 12 else 0  # utime, stime
        todo += _children(p)
    return total / tick


def rss_mb(pid: int) -> float:
    """VmRSS of ``pid`` and all its descendants, in MiB."""
    total_kb, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        m = re.search(r"^VmRSS:\s+(\d+) kB", _read(f"/proc/{p}/status"), re.MULTILINE)
        total_kb += int(m.group(1)) if m else 0
        todo += _children(p)
    return total_kb / 1024


# ---------------------------------------------------------------- sessions


def heading(n: int) -> str:
    return f"{MODEL} on {n}x {HARDWARE}"


async def _open(browser, base: str):
    from playwright.async_api import expect

    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await ctx.new_page()
    await page.goto(f"{base}/?gpus=1", wait_until="domcontentloaded", timeout=PAGE_LOAD_TIMEOUT_MS)
    await expect(page.get_by_role("heading", name=heading(1), exact=True)).to_be_visible(timeout=PAGE_LOAD_TIMEOUT_MS)
    return ctx, page


async def _session(page, base: str, deadline: float, result: PhaseResult, update_timeout_s: float) -> None:
    from playwright.async_api import expect

    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)[:200]))
    current, i = 1, 0
    while time.monotonic() < deadline and i < MAX_UPDATES_PER_SESSION:
        n = GPU_CYCLE[i % len(GPU_CYCLE)]
        i += 1
        if n == current:
            continue
        box = page.get_by_label("GPUs (tensor parallel)", exact=True)
        started = time.perf_counter()
        try:
            await box.fill(str(n))
            await box.press("Enter")
            await expect(page.get_by_role("heading", name=heading(n), exact=True)).to_be_visible(
                timeout=update_timeout_s * 1000
            )
        except Exception as exc:  # noqa: BLE001 - a timeout or a lost page: counted, then recover
            result.errors.append(f"update to {n}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
            try:
                await page.goto(f"{base}/?gpus=1", wait_until="domcontentloaded", timeout=PAGE_LOAD_TIMEOUT_MS)
                await expect(page.get_by_role("heading", name=heading(1), exact=True)).to_be_visible(
                    timeout=PAGE_LOAD_TIMEOUT_MS
                )
                current = 1
            except Exception as again:  # noqa: BLE001
                result.errors.append(f"reload: {type(again).__name__}")
                return
            continue
        result.latencies_s.append(time.perf_counter() - started)
        current = n
        if await page.locator("[data-testid=stException]").count():
            result.errors.append("a traceback is shown on the page")
    result.errors += [f"page error: {e}" for e in page_errors]


async def run_phase(base: str, pid: int | None, contexts: int, seconds: float, update_timeout_s: float) -> PhaseResult:
    from playwright.async_api import async_playwright

    from tests.ui.server import CHROMIUM_FLAGS, chromium_path

    result = PhaseResult(contexts=contexts, seconds=seconds)
    result.rss_before_mb = rss_mb(pid) if pid else float("nan")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        try:
            started = time.perf_counter()
            opened = await asyncio.gather(*(_open(browser, base) for _ in range(contexts)), return_exceptions=True)
            result.load_s = time.perf_counter() - started
            pages = []
            for item in opened:
                if isinstance(item, BaseException):
                    result.errors.append(f"first load: {type(item).__name__}: {str(item).splitlines()[0][:160]}")
                else:
                    pages.append(item)
            deadline = time.monotonic() + seconds
            window_start = time.time()
            cpu_before = cpu_s(pid) if pid else float("nan")
            await asyncio.gather(*(_session(page, base, deadline, result, update_timeout_s) for _, page in pages))
            result.server_cpu_s = (cpu_s(pid) if pid else float("nan")) - cpu_before
            result.server_run_s = _server_runs(window_start, time.time())
            result.rss_end_mb = rss_mb(pid) if pid else float("nan")
            for ctx, _ in pages:
                await ctx.close()
        finally:
            await browser.close()
    await asyncio.sleep(5)  # let the server notice the closed sessions
    result.rss_after_close_mb = rss_mb(pid) if pid else float("nan")
    return result


RUN_LOG = Path(tempfile.gettempdir()) / f"format-advisor-runlog-{os.getpid()}.txt"


def _server_runs(start: float, end: float) -> list[float]:
    """Server-side Advise script times logged (FORMAT_ADVISOR_RUN_LOG) between two wall-clock times."""
    if not RUN_LOG.exists():
        return []
    out = []
    for line in RUN_LOG.read_text().splitlines():
        stamp, _page, secs = line.split()
        if start <= float(stamp) <= end:
            out.append(float(secs))
    return out


def measure(phases: list[int], seconds: float, update_timeout_s: float = 30.0) -> list[PhaseResult]:
    """Start the server once, then run one phase per entry of ``phases`` (number of sessions) in order."""
    from tests.ui.server import running_app

    RUN_LOG.unlink(missing_ok=True)
    os.environ["FORMAT_ADVISOR_RUN_LOG"] = str(RUN_LOG)  # inherited by the server `running_app` starts
    with tempfile.TemporaryDirectory() as tmp, running_app(f"sqlite:///{tmp}/load.db") as base:
        port = urlparse(base).port
        pid = server_pid(port) if port else None
        return [asyncio.run(run_phase(base, pid, n, seconds, update_timeout_s)) for n in phases]


def table(results: list[PhaseResult]) -> str:
    lines = [
        "| sessions | seconds | updates | errors | p50 update s | p95 update s | max s | updates/s "
        "| server-side Advise run p50 / p95 s (n) "
        "| server CPU s (share of window) | server RSS before MB | at end MB | after close MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.contexts} | {r.seconds:g} | {r.updates} | {len(r.errors)} | {r.pct(0.5):.2f} | {r.pct(0.95):.2f} | "
            f"{max(r.latencies_s, default=float('nan')):.2f} | {r.updates / r.seconds:.1f} | "
            f"{percentile(r.server_run_s, 0.5):.3f} / {percentile(r.server_run_s, 0.95):.3f} ({len(r.server_run_s)}) | "
            f"{r.server_cpu_s:.1f} ({r.server_cpu_s / r.seconds:.0%}) | {r.rss_before_mb:.0f} | "
            f"{r.rss_end_mb:.0f} | {r.rss_after_close_mb:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contexts", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--baseline-contexts", type=int, default=1)
    ap.add_argument("--update-timeout", type=float, default=30.0, help="seconds an update may take before an error")
    args = ap.parse_args(argv)
    results = measure([args.baseline_contexts, args.contexts], args.seconds, args.update_timeout)
    print(
        f"\nAdvise page under load: each session sets 'GPUs' to the next of {GPU_CYCLE} and waits for the heading "
        f"'{heading(2)}'-style text to change; server and Chromium on the same machine: {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}\n"
    )
    print(table(results))
    for r in results:
        for e in sorted(set(r.errors))[:8]:
            print(f"  {r.contexts} sessions, error: {e}")
        print(f"  {r.contexts} sessions: all pages rendered once after {r.load_s:.1f} s")
    print(f"\ncommand: .venv/bin/python bench/load_advise.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
