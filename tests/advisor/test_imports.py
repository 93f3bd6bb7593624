import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("streamlit", "torch", "pynvml", "sqlalchemy")


def test_advisor_never_imports_heavy_packages():
    modules = sorted(
        "advisor." + p.stem if p.stem != "__init__" else "advisor" for p in (ROOT / "advisor").glob("*.py")
    )
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(json.dumps(sorted(k for k in sys.modules if k.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "advisor.__main__" in modules and "advisor.recommend" in modules
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
