"""Start the real app the way `make run` does, on 127.0.0.1 and a free port; stop it afterwards."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REPO, _require

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Every table a page draws: the sortable grids (st.dataframe) and the plain markdown tables (the ranking on
#: Advise and on the shared report, ui/ranking.py). ``TABLE_JS`` is the <table> element of either.
TABLES = "[data-testid=stDataFrame], [data-testid=stMarkdown] table"
TABLE_JS = "(g.tagName === 'TABLE' ? g : g.querySelector('table'))"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        if _require("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER=1 but no Chromium at {path}")
        pytest.skip("no Chromium: apt-get install -y chromium (CI installs it via .ci/run)")
    return path


@contextmanager
def running_app(database_url: str, *, startup_timeout_s: float = 90) -> Iterator[str]:
    """Run `make run` with its own port and database; yield the base URL."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    log_path = Path(tempfile.gettempdir()) / f"format-advisor-server-{port}.log"
    log = log_path.open("w")  # noqa: SIM115 - closed in the finally block below
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}", "HOST=127.0.0.1"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"`make run` exited with {proc.returncode} before serving")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"app did not answer on {base} within {startup_timeout_s} s")
            time.sleep(0.3)
        yield base
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
