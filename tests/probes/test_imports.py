"""House rule: importing the probes package never imports torch or pynvml (they load inside functions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_importing_probes_loads_neither_torch_nor_pynvml():
    code = (
        "import sys\n"
        "import probes, probes.report, probes.collect, probes.target, probes.cpu_probe, probes.nvml_probe\n"
        "import probes.torch_probe, probes.bench_probe, probes.__main__\n"
        "print(sorted(m for m in ('torch', 'pynvml') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
