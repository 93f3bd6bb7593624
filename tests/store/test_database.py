"""Storage foundation: migrations, restarts, catalog sync, clear errors for bad URLs."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from advisor.measurement import Measurement, Metric
from hardware_db.catalog import default_catalog
from store.catalog_copy import stored_catalog_version, sync_catalog
from store.catalog_tables import CatalogSku
from store.db import DatabaseUnavailable, create_db_engine, session_factory, transaction
from store.measurement_series import from_row, group, row_values
from store.migrate import current_revision, database_state, head_revision, prepare_database
from store.models import BenchmarkUpload, MeasurementSeries, SharedReport
from tests.conftest import REPO


def _store_upload(engine) -> int:
    with transaction(engine) as s:
        up = BenchmarkUpload(
            file_name="bench.csv",
            content_sha256="a" * 64,
            source_format="generic_csv",
            label="first",
            size_bytes=3,
            original=b"abc",
            n_imported=1,
            n_rejected=0,
            rejected=[],
        )
        s.add(up)
        s.flush()
        (series,) = group([Measurement(Metric.DECODE_TOK_S, 42.5, hardware_raw="H100", row=1)])
        s.execute(MeasurementSeries.__table__.insert(), [row_values(series, up.id)])
        return up.id


def test_migrations_reach_head_and_catalog_is_synced(db_engine):
    assert current_revision(db_engine) == head_revision()
    assert stored_catalog_version(db_engine) == default_catalog().version
    with session_factory(db_engine)() as s:
        assert s.scalar(select(func.count()).select_from(CatalogSku)) == len(default_catalog().skus)


def test_restart_loses_nothing_and_upgrades_nothing_twice(db_engine):
    upload_id = _store_upload(db_engine)
    url = db_engine.url.render_as_string(hide_password=False)
    db_engine.dispose()
    # A second start: a new engine on the same database.
    engine2 = create_db_engine(url)
    applied, rebuilt = prepare_database(engine2)
    assert applied == [] and rebuilt is False
    with session_factory(engine2)() as s:
        up = s.get(BenchmarkUpload, upload_id)
        assert up is not None and up.original == b"abc"
        stored = [
            m
            for r in up.series
            for m in from_row({c.name: getattr(r, c.key) for c in MeasurementSeries.__table__.columns}).measurements()
        ]
        assert [(m.metric, m.value, m.hardware_raw) for m in stored] == [("decode_tok_s", 42.5, "H100")]
    engine2.dispose()


def test_catalog_rebuild_keeps_user_data(db_engine):
    _store_upload(db_engine)
    with transaction(db_engine) as s:
        s.add(SharedReport(id="r" * 32, catalog_version="old", payload={"x": 1}, created_at=dt.datetime.now(dt.UTC)))
    catalog = default_catalog()
    changed = type(catalog)(
        version="s1-different", architectures=catalog.architectures, skus=catalog.skus, engines=catalog.engines
    )
    assert sync_catalog(db_engine, changed) is True
    assert stored_catalog_version(db_engine) == "s1-different"
    assert sync_catalog(db_engine, changed) is False
    state = database_state(db_engine)
    assert (state.uploads, state.measurements, state.shared_reports) == (1, 1, 1)


def test_failed_transaction_writes_nothing(db_engine):
    before = database_state(db_engine)
    with pytest.raises(RuntimeError), transaction(db_engine) as s:
        s.add(
            BenchmarkUpload(
                file_name="x",
                content_sha256="b" * 64,
                source_format="x",
                label="",
                size_bytes=1,
                original=b"x",
                n_imported=0,
                n_rejected=0,
                rejected=[],
            )
        )
        s.flush()
        raise RuntimeError("boom in the middle of an upload")
    assert database_state(db_engine) == before


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "not a database URL"),
        ("mysql://u@127.0.0.1/db", "supported are postgresql and sqlite"),
        ("postgresql://nobody@127.0.0.1:1/db", "cannot reach the database"),
    ],
)
def test_bad_database_url_gives_clear_error(url, expected):
    with pytest.raises(DatabaseUnavailable, match=expected):
        create_db_engine(url)


def test_password_is_not_printed():
    with pytest.raises(DatabaseUnavailable) as err:
        create_db_engine("postgresql://user:s3cret@127.0.0.1:1/db")
    assert "s3cret" not in str(err.value)


@pytest.mark.parametrize("url", ["postgresql://nobody@127.0.0.1:1/db", "::garbage::"])
def test_cli_bad_database_url_is_one_line_not_a_traceback(url):
    env = {**os.environ, "DATABASE_URL": url}
    proc = subprocess.run(
        [sys.executable, "-m", "store", "upgrade"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1


def test_cli_upgrade_twice(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    run = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "store", "upgrade"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    first, second = run(), run()
    assert first.returncode == 0 and "applied migrations 0001" in first.stdout and "catalog rebuilt" in first.stdout
    assert second.returncode == 0 and "schema up to date; catalog up to date" in second.stdout


def test_results_token_changes_on_every_import_and_delete(db_engine):
    """The Advise page's cache key: an import, a delete, and a delete plus an import of as many rows all change it."""
    from store.migrate import results_token

    empty = results_token(db_engine)
    assert empty[0] == 0
    first = _store_upload(db_engine)
    one = results_token(db_engine)
    assert one[0] == 1 and one != empty
    with transaction(db_engine) as s:
        s.delete(s.get(BenchmarkUpload, first))
    assert results_token(db_engine) == empty
    _store_upload(db_engine)  # the same number of rows again, possibly under the same ids
    again = results_token(db_engine)
    assert again[0] == 1 and again != one


def test_probe_reports_token_changes_when_a_report_is_stored(db_engine):
    from store.migrate import probe_reports_token
    from store.models import ProbeReportRecord

    before = probe_reports_token(db_engine)
    with transaction(db_engine) as s:
        s.add(ProbeReportRecord(id="b" * 32, label="", origin="upload", hostname="h", schema_version=1, report={}))
    after = probe_reports_token(db_engine)
    assert before[0] == 0 and after[0] == 1 and after[1] != before[1]


def test_stored_catalog_version_of_a_fresh_database_is_none_and_creates_nothing(tmp_path):
    from sqlalchemy import inspect

    engine = create_db_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert stored_catalog_version(engine) is None
    assert inspect(engine).get_table_names() == []  # reading the status is not a migration
    prepare_database(engine)
    assert stored_catalog_version(engine) == default_catalog().version
