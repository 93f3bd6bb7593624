"""Catalog export (rows, CSV, JSON, DataFrame) and the ``python -m hardware_db`` command line, on the fixture catalog."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hardware_db.__main__ import main
from hardware_db.export import COLUMNS, export_csv, export_dataframe, export_json, export_rows
from tests.hardware_db._paths import FIXTURE_CATALOG

REPO = Path(__file__).resolve().parents[2]


def _row(rows: list[dict], sku_id: str) -> dict:
    (row,) = [r for r in rows if r["id"] == sku_id]
    return row


def test_columns_cover_the_documented_set():
    required = [
        "id",
        "name",
        "vendor",
        "architecture",
        "kind",
        "segment",
        "compute_capability",
        "isa",
        "memory_gb",
        "memory_bandwidth_gbps",
        "tdp_w",
        "release_year",
        "fp8_encoding",
        "source",
        "checked",
        "catalog_version",
    ]
    for fmt in ("fp32", "tf32", "fp16", "bf16", "fp8", "int8", "int4", "fp6", "fp4"):
        required += [f"dense_tflops_{fmt}", f"sparse_tflops_{fmt}", f"support_{fmt}"]
    required += ["support_mxfp8", "support_mxfp6", "support_mxfp4", "support_nvfp4"]
    assert set(required) <= set(COLUMNS)
    assert len(set(COLUMNS)) == len(COLUMNS)


def test_rows_one_per_sku_with_values(fixture_catalog):
    rows = export_rows(fixture_catalog)
    assert [r["id"] for r in rows] == sorted(fixture_catalog.skus, key=lambda i: (fixture_catalog.skus[i].vendor, i))
    assert all(list(r) == list(COLUMNS) for r in rows)
    h100 = _row(rows, "h100_sxm5_80gb")
    assert h100["architecture"] == "nvidia_hopper"
    assert h100["kind"] == "gpu"
    assert h100["compute_capability"] == "9.0"
    assert h100["memory_gb"] == 80
    assert h100["memory_bandwidth_gbps"] == 3350
    assert h100["dense_tflops_fp16"] == 989.5
    assert h100["sparse_tflops_fp8"] == 3958
    assert h100["dense_tflops_fp32"] is None  # not in the fixture: unknown stays unknown
    assert h100["support_fp8"] == "native"
    assert h100["fp8_encoding"] == "ocp"
    assert h100["support_int4"] == "unsupported"
    assert h100["support_nvfp4"] == "unknown"  # no claim -> unknown, never guessed
    assert h100["catalog_version"] == fixture_catalog.version
    assert h100["checked"] == "2026-11-27"


def test_fnuz_encoding_and_isa(fixture_catalog):
    mi300x = _row(export_rows(fixture_catalog), "mi300x")
    assert (mi300x["fp8_encoding"], mi300x["isa"], mi300x["compute_capability"]) == ("fnuz", "gfx942", None)


def test_cpu_row_has_empty_memory(fixture_catalog):
    epyc = _row(export_rows(fixture_catalog), "epyc_9654")
    assert (epyc["kind"], epyc["memory_gb"], epyc["tdp_w"]) == ("cpu", None, 360)


def test_csv_empty_cells_and_unknown_tokens(fixture_catalog):
    reader = csv.DictReader(io.StringIO(export_csv(fixture_catalog)))
    assert tuple(reader.fieldnames) == COLUMNS
    rows = {r["id"]: r for r in reader}
    assert len(rows) == len(fixture_catalog.skus)
    h100 = rows["h100_sxm5_80gb"]
    assert (h100["memory_gb"], h100["dense_tflops_fp16"], h100["dense_tflops_fp32"]) == ("80", "989.5", "")
    assert (h100["support_mxfp4"], h100["support_bf16"]) == ("unknown", "native")
    assert rows["epyc_9654"]["memory_gb"] == ""
    assert rows["rtx_4080"]["support_fp8"] == "native"
    assert rows["rtx_4080"]["support_int8"] == "unknown"


def test_json_round_trips_to_rows(fixture_catalog):
    assert json.loads(export_json(fixture_catalog)) == export_rows(fixture_catalog)


def test_dataframe(fixture_catalog):
    df = export_dataframe(fixture_catalog)
    assert list(df.columns) == list(COLUMNS)
    assert len(df) == len(fixture_catalog.skus)
    assert df.set_index("id").loc["a100_sxm4_40gb", "memory_gb"] == 40


# --------------------------------------------------------------------------- command line


def test_cli_export_csv_to_file(tmp_path, fixture_catalog, capsys):
    out = tmp_path / "catalog.csv"
    assert main(["--data-dir", str(FIXTURE_CATALOG), "export", "--format", "csv", "--out", str(out)]) == 0
    assert out.read_text() == export_csv(fixture_catalog)
    assert "10 SKUs" in capsys.readouterr().err


def test_cli_export_json_to_stdout(fixture_catalog, capsys):
    assert main(["--data-dir", str(FIXTURE_CATALOG), "export", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == export_rows(fixture_catalog)


def test_cli_validate_prints_counts_and_version(fixture_catalog, capsys):
    assert main(["--data-dir", str(FIXTURE_CATALOG), "validate"]) == 0
    out = capsys.readouterr().out
    assert fixture_catalog.version in out
    assert "11 architectures, 10 SKUs" in out


def test_cli_validate_bad_data_exits_1_naming_the_file(tmp_path, capsys):
    data = tmp_path / "catalog"
    shutil.copytree(FIXTURE_CATALOG, data)
    bad = data / "skus" / "nvidia" / "rtx_4080.toml"
    bad.write_text(bad.read_text().replace('architecture = "nvidia_ada"', 'architecture = "nvidia_adaa"'))
    assert main(["--data-dir", str(data), "validate"]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "nvidia_adaa" in err


def test_cli_list(capsys):
    assert main(["--data-dir", str(FIXTURE_CATALOG), "list", "--vendor", "amd"]) == 0
    out = capsys.readouterr().out
    assert "mi300x" in out and "epyc_9654" in out and "h100_sxm5_80gb" not in out


def test_module_runs_as_python_dash_m():
    proc = subprocess.run(
        [sys.executable, "-m", "hardware_db", "--data-dir", str(FIXTURE_CATALOG), "validate"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "10 SKUs" in proc.stdout


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_real_catalog_exports(fmt, tmp_path):
    out = tmp_path / f"catalog.{fmt}"
    assert main(["export", "--format", fmt, "--out", str(out)]) == 0
    assert "h100_sxm5_80gb" in out.read_text()
