"""GuideLLM ``benchmarks.csv``: no public sample was found (searched 2026-12-07: the vllm-project/guidellm history
holds no .csv file, its PR #378 attaches its example only as a GitHub user-attachment, and no repository in the
index holds one), so the CSV is recognised and refused with a message, not read. The header rows below are the
column names GuideLLM's source writes (v0.3.0 ``benchmark/output.py`` ``save_csv``; v0.7.3
``benchmark/outputs/csv.py``), not a recorded tool output: they test the refusal only."""

from __future__ import annotations

import pytest

from measurements.service import import_file
from tests.measurements.conftest import counts

V02_HEADER = "Type,Run Id,Id,Name,Start Time,End Time,Duration,Successful Requests\n"
V04_HEADER = (
    "Run Info,Run Info,Run Info,Run Info,Run Info,Run Info,Benchmark,Benchmark,Benchmark,Benchmark,Timings,"
    "Request Counts\n"
    "Run ID,Run Index,Profile,Requests,Backend,Environment,Type,ID,Strategy,Constraints,Start Time,Successful\n"
)


@pytest.mark.parametrize(("header", "layout"), [(V02_HEADER, "v0.2-v0.3 layout"), (V04_HEADER, "v0.4+ layout")])
def test_guidellm_csv_is_refused_with_the_way_to_import_the_run(db_engine, header, layout):
    result = import_file(header.encode(), "benchmarks.csv", engine=db_engine)
    assert result.imported == 0
    assert f"a GuideLLM benchmarks.csv (the {layout}" in result.message
    assert "upload the benchmarks.json or benchmarks.yaml of the same run" in result.message
    assert counts(db_engine) == (0, 0)
