"""Load without browsers: N concurrent sessions on the Advise page over Streamlit's own websocket protocol.

    .venv/bin/python bench/load_advise_ws.py [--sessions 20] [--seconds 60] [--baseline-sessions 1]

`bench/load_advise.py` drives real Chromium sessions; on a 2-CPU machine the 20 renderers take most of
the CPU and the figures measure the browsers. This client speaks the protocol the browser speaks
(protobuf `BackMsg` / `ForwardMsg` on `/_stcore/stream`), so nearly all CPU goes to the server: each
session opens the Advise page, then repeatedly sets "GPUs (tensor parallel)" to the next of 2, 4, 8, 1
(sending every widget's current value, as the browser does) and waits for the rerun to finish and
the heading "<model> on <n>x <hardware>" to show the new n. Update time = send to `script_finished`.

The real server is started as `make run` does (tests/ui/server.py, 127.0.0.1, fresh SQLite database).
Baseline in the same run: the same with `--baseline-sessions` sessions. Server CPU and memory (VmRSS of
the streamlit process and its children, /proc) before, at the end with sessions open, and after close.
Bounded: every loop stops at the deadline; only 127.0.0.1 is contacted. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from load_advise import PhaseResult, cpu_s, rss_mb, server_pid  # noqa: E402  (same results and /proc readers)

QUERY = "hw=h100_sxm5_80gb&model=llama-3.1-70b"
HEADING = "#### Llama 3.1 70B on {n}x NVIDIA H100 SXM5 80GB"
GPUS_LABEL = "GPUs (tensor parallel)"
GPU_CYCLE = (2, 4, 8, 1)


def _widget_state(el):
    """The WidgetState the browser would send for a rendered widget element (None for buttons)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    kind = el.WhichOneof("type")
    w = getattr(el, kind, None)
    if kind in ("selectbox", "radio"):
        if w.HasField("raw_value"):
            return WidgetState(id=w.id, string_value=w.raw_value)
        index = w.default if isinstance(w.default, int) else (w.default[0] if len(w.default) else 0)
        return WidgetState(id=w.id, string_value=w.options[index] if w.options else "")
    if kind == "number_input":
        value = w.value if w.set_value else w.default
        if w.data_type == w.INT:
            return WidgetState(id=w.id, int_value=int(value))
        return WidgetState(id=w.id, double_value=float(value))
    if kind == "checkbox":
        return WidgetState(id=w.id, bool_value=w.value if w.set_value else w.default)
    if kind == "slider" and w.type == w.SELECT_SLIDER:
        state = WidgetState(id=w.id)
        values = list(w.raw_value) or [w.options[int(i)] for i in w.default]  # default: float indices
        state.string_array_value.data.extend(values)
        return state
    return None


async def _rerun(ws, widgets: dict[str, object]) -> tuple[float, list[str], dict[str, object], dict[str, str]]:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.rerun_script.query_string = QUERY
    msg.rerun_script.widget_states.widgets.extend(widgets.values())
    start = time.perf_counter()
    await ws.send(msg.SerializeToString())
    texts: list[str] = []
    states: dict[str, object] = {}
    ids: dict[str, str] = {}
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await ws.recv())
        kind = fm.WhichOneof("type")
        if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            if el.WhichOneof("type") == "markdown":
                texts.append(el.markdown.body)
            state = _widget_state(el)
            if state is not None:
                states[state.id] = state
                label = getattr(el, el.WhichOneof("type")).label
                ids[label] = state.id
        elif kind == "script_finished":
            return time.perf_counter() - start, texts, states, ids


async def _session(base: str, deadline: float, phase: PhaseResult) -> None:
    import websockets

    url = base.replace("http://", "ws://") + "/_stcore/stream"
    try:
        async with websockets.connect(url, subprotocols=["streamlit"], origin=base, max_size=2**26) as ws:
            _, texts, states, ids = await _rerun(ws, {})
            gpus_id = ids[GPUS_LABEL]
            i = 0
            while time.monotonic() < deadline and i < 100_000:
                n = GPU_CYCLE[i % len(GPU_CYCLE)]
                i += 1
                states[gpus_id].int_value = n
                elapsed, texts, new_states, _ = await _rerun(ws, states)
                if HEADING.format(n=n) not in texts:
                    phase.errors.append(f"heading for {n}x not shown")
                    continue
                for wid, state in new_states.items():  # like a browser: keep its own values, learn new widgets
                    states.setdefault(wid, state)
                phase.latencies_s.append(elapsed)
    except Exception as exc:  # one line per failed session; the bench reports them
        phase.errors.append(f"{type(exc).__name__}: {str(exc)[:160]}")


async def _phase(base: str, pid: int | None, sessions: int, seconds: float) -> PhaseResult:
    phase = PhaseResult(contexts=sessions, seconds=seconds)
    phase.rss_before_mb = rss_mb(pid) if pid else float("nan")
    cpu0 = cpu_s(pid) if pid else float("nan")
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(_session(base, deadline, phase) for _ in range(sessions)))
    phase.server_cpu_s = (cpu_s(pid) if pid else float("nan")) - cpu0
    phase.rss_end_mb = rss_mb(pid) if pid else float("nan")
    await asyncio.sleep(5)
    phase.rss_after_close_mb = rss_mb(pid) if pid else float("nan")
    return phase


def measure(phases: list[int], seconds: float) -> list[PhaseResult]:
    from tests.ui.server import running_app

    with tempfile.TemporaryDirectory() as tmp, running_app(f"sqlite:///{tmp}/load.db") as base:
        port = urlparse(base).port
        pid = server_pid(port) if port else None
        return [asyncio.run(_phase(base, pid, n, seconds)) for n in phases]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--baseline-sessions", type=int, default=1)
    args = ap.parse_args(argv)
    results = measure([args.baseline_sessions, args.sessions], args.seconds)
    print(
        f"\nAdvise page under load over the websocket protocol (no browsers): {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}\n"
    )
    print(
        "| sessions | seconds | updates | errors | p50 update s | p95 update s | max s | updates/s "
        "| server CPU (share of window) | server RSS before / at end / after close MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.contexts} | {r.seconds:g} | {r.updates} | {len(r.errors)} | {r.pct(0.5):.3f} | "
            f"{r.pct(0.95):.3f} | {max(r.latencies_s, default=float('nan')):.3f} | "
            f"{r.updates / r.seconds:.1f} | {r.server_cpu_s:.1f} s ({r.server_cpu_s / r.seconds:.0%}) | "
            f"{r.rss_before_mb:.0f} / {r.rss_end_mb:.0f} / {r.rss_after_close_mb:.0f} |"
        )
    for r in results:
        for e in sorted(set(r.errors))[:5]:
            print(f"  {r.contexts} sessions, error: {e}")
        if r.latencies_s:
            print(f"  {r.contexts} sessions: mean update {statistics.mean(r.latencies_s):.3f} s")
    print(f"\ncommand: .venv/bin/python bench/load_advise_ws.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
