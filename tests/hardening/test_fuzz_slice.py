"""A fixed-seed slice of the fuzz benchmark (bench/fuzz.py, ~380 cases): hostile uploads built from the real
samples, probe reports, query parameters of every page, report ids and config.json files. None may end in an
unhandled exception, the store must be unchanged after every refusal, and every case must stay under the time
and memory targets. Also here: the batched import keeps its one transaction (a failure in a later batch
leaves nothing), which the fuzz's "store unchanged" check relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench import fuzz
from measurements import service
from store.db import create_db_engine
from store.migrate import prepare_database
from store.models import BenchmarkUpload, MeasurementSeries

CONFIG_KINDS = {"model_config", "config_upload"}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> fuzz.FuzzReport:
    return fuzz.run_fuzz(300, seed=18, heavy=False, directory=tmp_path_factory.mktemp("fuzz"))


@pytest.mark.slow  # the 384-case slice takes ~20 s: CI's full suite (.ci/run) runs it
def test_slice_has_no_unhandled_exception(report):
    assert len(report.cases) >= 300
    assert [(c.name, c.detail) for c in report.unhandled if c.kind not in CONFIG_KINDS] == []


@pytest.mark.slow  # the 384-case slice takes ~20 s: CI's full suite (.ci/run) runs it
def test_slice_config_loader_has_no_unhandled_exception(report):
    assert [(c.name, c.detail) for c in report.unhandled if c.kind in CONFIG_KINDS] == []


@pytest.mark.slow  # the 384-case slice takes ~20 s: CI's full suite (.ci/run) runs it
def test_slice_leaves_the_store_unchanged_after_every_refusal(report):
    assert report.store_changes == []


@pytest.mark.slow  # the 384-case slice takes ~20 s: CI's full suite (.ci/run) runs it
def test_slice_covers_every_boundary_with_refusals_and_imports(report):
    kinds = report.by_kind()
    assert {"upload", "params", "report_id", "probe", "model_config", "config_upload", "page_params"} <= set(kinds)
    assert kinds["upload"]["refused"] > 50 and kinds["upload"]["imported"] > 10
    assert kinds["config_upload"]["accepted"] > 0 and kinds["config_upload"]["refused"] > 0
    names = {c.name.split(":")[0] for c in report.cases}
    assert {"deep_nesting_1000", "deep_nesting_5000", "wide_csv_10k", "file_50mb", "many_empty_objects"} <= names
    assert {"hardware_compare", *fuzz.PAGES} <= names  # every page rendered with hostile query parameters


@pytest.mark.slow  # the 384-case slice takes ~20 s: CI's full suite (.ci/run) runs it
def test_targeted_hostile_files_are_refused_naming_the_limit(report):
    by_name = {(c.kind, c.name): c for c in report.cases}
    assert "max_json_depth" in by_name["upload", "deep_array_100k"].detail
    assert "max_json_depth" in by_name["upload", "deep_nesting_1000:vllm_serve_result_pr18566.json"].detail
    assert "max_json_containers" in by_name["upload", "many_empty_objects"].detail
    assert "over the 20.0 MB upload limit" in by_name["upload", "file_50mb"].detail
    assert "1,048,576-byte" in by_name["config_upload", "file_10mb"].detail
    assert "max_json_depth" in by_name["config_upload", "deep_text_config_50000"].detail
    assert by_name["model_config", "text_config_self_loop"].outcome == "accepted"


@pytest.mark.slow  # the 384-case slice takes ~20 s: CI's full suite (.ci/run) runs it
def test_slice_cases_stay_under_the_time_and_memory_targets(report):
    slow = [(c.name, round(c.seconds, 2)) for c in report.cases if c.seconds > fuzz.SLOW_S]
    assert slow == []
    big = [(c.name, c.peak_mb) for c in report.cases if (c.peak_mb or 0) > fuzz.MEMORY_LIMIT_MB]
    assert big == []


# ---------------------------------------------------------------- the batched import keeps one transaction


@pytest.fixture
def engine(tmp_path: Path):
    eng = create_db_engine(f"sqlite:///{tmp_path / 'batches.db'}")
    prepare_database(eng)
    yield eng
    eng.dispose()


def _sweep(n_rows: int) -> bytes:
    """The real RTX 4080 llama-bench rows repeated ``n_rows`` times (each a valid record)."""
    head, *rows = (fuzz.SHARED_LLAMA / "rtx4080_b5163.csv").read_bytes().splitlines(keepends=True)
    return head + b"".join(rows[i % len(rows)] for i in range(n_rows))


def _counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        uploads = conn.execute(select(func.count()).select_from(BenchmarkUpload.__table__)).scalar_one()
        rows = conn.execute(select(func.coalesce(func.sum(MeasurementSeries.n_points), 0))).scalar_one()
    return uploads, rows


def test_a_failure_in_a_later_batch_leaves_nothing(engine, monkeypatch):
    monkeypatch.setattr(service, "BATCH_RECORDS", 3)
    real, calls = service._insert_series, []

    def insert(session, series, *args, **kw):
        real(session, series, *args, **kw)
        calls.append(sum(len(s.points) for s in series))
        if len(calls) == 3:
            raise RuntimeError("disk full in the third batch")

    monkeypatch.setattr(service, "_insert_series", insert)
    with pytest.raises(RuntimeError, match="third batch"):
        service.import_file(_sweep(10), "sweep.csv", engine=engine)
    assert calls == [3, 3, 3]  # two whole batches went in before the failure
    assert _counts(engine) == (0, 0)


def test_batches_store_every_row_and_report_progress_to_the_end(engine, monkeypatch):
    monkeypatch.setattr(service, "BATCH_RECORDS", 4)
    ticks: list[tuple[int, int]] = []
    result = service.import_file(_sweep(10), "sweep.csv", engine=engine, progress=lambda d, t: ticks.append((d, t)))
    assert result.imported == 10 and _counts(engine) == (1, 10)
    assert [m.row for m in result.measurements] == sorted(m.row for m in result.measurements)
    assert ticks[-1] == (20, 20) and [d for d, _ in ticks] == sorted(d for d, _ in ticks)
    assert {m.source for m in result.measurements} == {f"upload {result.upload_id}"}
    assert service.delete_upload(result.upload_id, engine=engine) and _counts(engine) == (0, 0)
