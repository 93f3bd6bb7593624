"""A private, throw-away PostgreSQL cluster that a test can stop and start (fault tests).

Uses the Debian server binaries (CI installs them via .ci/run); listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import _require


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PgCluster:
    def __init__(self) -> None:
        bindir = _bin_dir()
        if bindir is None:
            if _require("REQUIRE_POSTGRES"):
                pytest.fail("REQUIRE_POSTGRES=1 but the PostgreSQL server binaries are not installed")
            pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql; CI does)")
        self.bin = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="fa-pgtest-"))
        from tests.ui.server import free_port

        self.port = free_port()
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self._cmd("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()
        self._cmd("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "fa")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/fa"

    def _cmd(self, name: str, *args: str) -> None:
        subprocess.run([*self.run_as, str(self.bin / name), *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        self._cmd("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w", "-o", opts, "start")

    def stop(self) -> None:
        self._cmd("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def pg_cluster():
    cluster = PgCluster()
    yield cluster
    cluster.destroy()
