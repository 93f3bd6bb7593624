"""GuideLLM ``benchmarks.csv``: the v0.4+ layout is read (real GuideLLM 0.6.0 samples in
tests/measurements/test_samples_hunt_r5.py); the v0.2-v0.3 layout is refused with a message (no public sample of it
was found: searched 2026-12-07, the vllm-project/guidellm history holds no .csv file, its PR #378 attaches its
example only as a GitHub user-attachment, and no repository in the index holds one). The header rows below are the
column names GuideLLM's source writes (v0.3.0 ``benchmark/output.py`` ``save_csv``; v0.7.3
``benchmark/outputs/csv.py``), not a recorded tool output: they test the refusals only."""

from __future__ import annotations

from measurements.service import import_file
from tests.measurements.conftest import counts

V02_HEADER = "Type,Run Id,Id,Name,Start Time,End Time,Duration,Successful Requests\n"
V04_HEADER = (
    "Run Info,Run Info,Run Info,Run Info,Run Info,Run Info,Benchmark,Benchmark,Benchmark,Benchmark,Timings,"
    "Request Counts\n"
    "Run ID,Run Index,Profile,Requests,Backend,Environment,Type,ID,Strategy,Constraints,Start Time,Successful\n"
)


def test_guidellm_v02_csv_is_refused_with_the_way_to_import_the_run(db_engine):
    result = import_file(V02_HEADER.encode(), "benchmarks.csv", engine=db_engine)
    assert result.imported == 0
    assert "a GuideLLM benchmarks.csv of the v0.2-v0.3 layout" in result.message
    assert "upload the benchmarks.json or benchmarks.yaml of the same run" in result.message
    assert counts(db_engine) == (0, 0)


def test_guidellm_v04_csv_without_its_three_header_rows_is_refused(db_engine):
    result = import_file(V04_HEADER.encode(), "benchmarks.csv", engine=db_engine)
    assert result.imported == 0
    assert "needs its three header rows" in result.message
    assert counts(db_engine) == (0, 0)
