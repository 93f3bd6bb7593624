"""The structure the README describes, checked: dependencies run one way, one measurement type, pages stand alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("safeio", "hardware_db", "advisor", "store", "viz", "measurements", "probes", "reports", "ui", "bench")

#: package -> the project packages it may import (besides itself). Dependencies run downwards only:
#: ui -> reports / measurements / probes -> store -> advisor -> hardware_db -> safeio; viz is a leaf of charts.
ALLOWED: dict[str, set[str]] = {
    "safeio": set(),
    "hardware_db": {"safeio"},
    "advisor": {"hardware_db", "safeio"},
    "store": {"advisor", "hardware_db", "safeio"},
    "viz": set(),
    "measurements": {"advisor", "hardware_db", "store", "safeio"},
    "probes": {"advisor", "hardware_db", "store", "safeio"},
    "reports": {"advisor", "hardware_db", "store", "safeio", "viz"},
    "ui": {"advisor", "hardware_db", "store", "safeio", "viz", "measurements", "probes", "reports"},
    "bench": {"advisor", "hardware_db", "store", "safeio", "viz", "measurements", "probes", "reports", "ui"},
}


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (REPO / package).rglob("*.py") if "migrations" not in p.parts or p.name != "env.py")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level project package) of every import in the file, function-level imports included."""
    tree = ast.parse(path.read_text(), str(path))
    out = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in PACKAGES:
                out.append((node.lineno, name))
    return out


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_run_one_way(package):
    upward = []
    for path in _modules(package):
        for line, name in _imports(path):
            top = name.split(".")[0]
            if top != package and top not in ALLOWED[package]:
                upward.append(f"{path.relative_to(REPO)}:{line} imports {name}")
    assert not upward, "\n".join(upward)


def test_the_allowed_graph_has_no_cycle():
    seen: dict[str, int] = {}

    def visit(p: str, stack: tuple[str, ...]) -> None:
        assert p not in stack, f"cycle: {' -> '.join((*stack, p))}"
        for q in ALLOWED[p]:
            visit(q, (*stack, p))
        seen[p] = 1

    for p in PACKAGES:
        visit(p, ())


def test_no_page_imports_another_page():
    pages = {p.stem for p in (REPO / "ui").glob("*_page.py")} | {"report_view"}
    bad = []
    for path in (REPO / "ui").glob("*.py"):
        for line, name in _imports(path):
            mod = name.split(".")[-1] if name.startswith("ui.") else ""
            if path.stem in pages and mod in pages and mod != path.stem:
                bad.append(f"{path.name}:{line} imports {name}")
    assert not bad, bad


#: Field names that identify "a measured result" shape.
_MEASURED = {"metric", "decode_tok_s", "prefill_tok_s", "ttft_ms", "tpot_ms", "measured", "hardware_sku", "model_id"}
_MEASURED_NEEDS = {"format_id"}


def test_one_measurement_type():
    """Outside advisor.measurement.Measurement and its stored series (store.models.MeasurementSeries), no class carries
    a measured result's identity (hardware, model, format) together with a measured figure."""
    offenders = []
    for package in PACKAGES:
        for path in _modules(package):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.ClassDef):
                    continue
                fields = {
                    t.target.id for t in node.body if isinstance(t, ast.AnnAssign) and isinstance(t.target, ast.Name)
                }
                if fields >= _MEASURED_NEEDS and len(fields & _MEASURED) >= 2:
                    offenders.append((str(path.relative_to(REPO)), node.name))
    # advisor.quality.QualityFigure is a published evaluation figure read from advisor/data/quality (catalog data
    # with its source, like the format table), not a result a team measured: it never goes through the store
    assert sorted(offenders) == [
        ("advisor/measurement.py", "Measurement"),
        ("advisor/quality.py", "QualityFigure"),
        ("store/models.py", "MeasurementSeries"),
    ]


def test_engine_is_pure_python():
    """advisor/ never imports streamlit, torch, pynvml or sqlalchemy (it takes and returns plain values)."""
    bad = []
    for path in _modules("advisor"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            bad += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in ("streamlit", "torch", "pynvml", "sqlalchemy")
            ]
    assert not bad, bad


def test_the_readme_prints_the_enforced_dependency_table():
    """README.md's table (package -> what it may import) is ``ALLOWED``, row for row: the documented architecture
    is the enforced one."""
    printed: dict[str, set[str]] = {}
    for line in (REPO / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`") and cells[0].strip("`") in PACKAGES:
            deps = {d.strip().strip("`") for d in cells[1].split(",")} - {"-", ""}
            printed[cells[0].strip("`")] = deps
    assert printed == ALLOWED
