"""A fixed-seed slice of the fuzz benchmark (bench/fuzz.py, ~300 cases): hostile uploads built from the real
samples, probe reports, query parameters and report ids. None may end in an unhandled exception, the store
must be unchanged after every refusal, and every case must stay under the time and memory targets."""

from __future__ import annotations

import pytest

from bench import fuzz


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> fuzz.FuzzReport:
    return fuzz.run_fuzz(300, seed=18, heavy=False, directory=tmp_path_factory.mktemp("fuzz"))


def test_slice_has_no_unhandled_exception(report):
    assert len(report.cases) >= 300
    assert [(c.name, c.detail) for c in report.unhandled] == []


def test_slice_leaves_the_store_unchanged_after_every_refusal(report):
    assert report.store_changes == []


def test_slice_covers_every_boundary_with_refusals_and_imports(report):
    kinds = report.by_kind()
    assert {"upload", "params", "report_id", "probe"} <= set(kinds)
    assert kinds["upload"]["refused"] > 50 and kinds["upload"]["imported"] > 10
    names = {c.name.split(":")[0] for c in report.cases}
    assert {"deep_nesting_1000", "deep_nesting_5000", "wide_csv_10k", "file_50mb", "many_empty_objects"} <= names


def test_targeted_hostile_files_are_refused_naming_the_limit(report):
    by_name = {c.name: c for c in report.cases}
    assert "max_json_depth" in by_name["deep_array_100k"].detail
    assert "max_json_depth" in by_name["deep_nesting_1000:vllm_serve_result_pr18566.json"].detail
    assert "max_json_containers" in by_name["many_empty_objects"].detail
    assert "over the 20.0 MB upload limit" in by_name["file_50mb"].detail


def test_slice_cases_stay_under_the_time_and_memory_targets(report):
    slow = [(c.name, round(c.seconds, 2)) for c in report.cases if c.seconds > fuzz.SLOW_S]
    assert slow == []
    big = [(c.name, c.peak_mb) for c in report.cases if (c.peak_mb or 0) > fuzz.MEMORY_LIMIT_MB]
    assert big == []
