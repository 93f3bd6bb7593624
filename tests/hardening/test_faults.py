"""Faults: PostgreSQL down at start and restarted under a running session, SQLite read-only or its folder
gone, the disk full in the middle of an import, and the importing process killed with SIGKILL.

Each ends in a message (never a traceback) and a consistent store: an upload is there whole or not at all.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from sqlalchemy import event, text
from streamlit.testing.v1 import AppTest

from measurements.service import import_file, list_measurements
from reports.service import create_report, get_report
from store.db import DatabaseUnavailable, create_db_engine
from store.migrate import database_state, prepare_database
from tests.conftest import REPO, SHARED_FIXTURES
from tests.hardening.helpers import counts
from tests.pg_cluster import pg_cluster  # noqa: F401 - fixture
from ui.benchmarks_page import handle_upload

SEED = SHARED_FIXTURES / "llama-bench" / "rtx4080_b5163.csv"


def _app() -> AppTest:
    return AppTest.from_file(str(REPO / "app.py"), default_timeout=60)


def _generic_csv(rows: int) -> bytes:
    line = "h100_sxm5_80gb,llama-3.1-8b,fp8_w8a8,vllm,{v},r{i}\n"
    return (
        "hardware,model,format,engine,decode_tok_s,notes\n"
        + "".join(line.format(v=100 + i % 7, i=i) for i in range(rows))
    ).encode()


# ---------------------------------------------------------------- PostgreSQL


@pytest.mark.slow
@pytest.mark.postgres
def test_store_recovers_after_postgres_restart(pg_cluster):  # noqa: F811
    engine = create_db_engine(pg_cluster.url)
    prepare_database(engine)
    first = create_report({"n": 1}, title="before", catalog_version="v", engine=engine)
    pg_cluster.restart()  # every pooled connection is now dead
    second = create_report({"n": 2}, title="after", catalog_version="v", engine=engine)
    assert get_report(first, engine=engine)["snapshot"] == {"n": 1}
    assert get_report(second, engine=engine)["snapshot"] == {"n": 2}
    assert database_state(engine).shared_reports == 2
    engine.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_app_page_recovers_after_postgres_restart_and_outage(pg_cluster, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", pg_cluster.url)
    at = _app().run()
    assert not at.exception and not at.error
    pg_cluster.stop()
    at = _app().run()
    assert not at.exception
    assert any("database is not available" in e.value for e in at.error)
    pg_cluster.start()
    at = _app().run()
    assert not at.exception and not at.error


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_down_at_start_then_up_in_the_same_session(pg_cluster, monkeypatch):  # noqa: F811
    """The server starts while PostgreSQL is down: the page says so; the same session (the next rerun of
    the same AppTest) works once the database is back, and again after a restart under it."""
    monkeypatch.setenv("DATABASE_URL", pg_cluster.url)
    pg_cluster.stop()
    at = AppTest.from_string("from ui.benchmarks_page import render\nrender()\n", default_timeout=60).run()
    assert not at.exception
    assert any("database is not available" in e.value and "connection" in e.value.lower() for e in at.error)
    pg_cluster.start()
    at.run()
    assert not at.exception and not at.error
    assert any("Stored measurements" in h.value for h in at.subheader)
    pg_cluster.restart()  # mid-session: every pooled connection dies
    at.run()
    assert not at.exception and not at.error
    engine = create_db_engine(pg_cluster.url)
    result = handle_upload(SEED.read_bytes(), SEED.name, engine=engine)
    assert result.imported == 2, result.message
    engine.dispose()


# ---------------------------------------------------------------- SQLite read-only, folder missing


def _seeded_sqlite(path) -> str:
    url = f"sqlite:///{path}"
    engine = create_db_engine(url)
    prepare_database(engine)
    assert import_file(SEED.read_bytes(), SEED.name, engine=engine).imported == 2
    engine.dispose()
    return url


def test_read_only_sqlite_is_a_message_and_the_file_is_untouched(tmp_path, monkeypatch):
    """Opened read-only (SQLite URI ``mode=ro``; as root, file permissions don't stop writes, so the read-only
    open is what is tested): the engine's WAL set-up is a write, so the database is reported unavailable with
    SQLite's reason, on the command line and on the page; the file is not changed."""
    db = tmp_path / "app.db"
    _seeded_sqlite(db)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")  # a read-only open can't create the WAL files
    before = db.read_bytes()
    ro = f"sqlite:///file:{db}?mode=ro&uri=true"
    with pytest.raises(DatabaseUnavailable, match="attempt to write a readonly database"):
        create_db_engine(ro)
    monkeypatch.setenv("DATABASE_URL", ro)
    at = AppTest.from_string("from ui.benchmarks_page import render\nrender()\n", default_timeout=60).run()
    assert not at.exception
    assert any("database is not available" in e.value and "readonly" in e.value for e in at.error)
    assert db.read_bytes() == before
    assert not (REPO / "file:").exists()  # the URI is not taken for a folder to create


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions; the mode=ro test covers root")
def test_sqlite_file_without_write_permission(tmp_path):
    db = tmp_path / "app.db"
    url = _seeded_sqlite(db)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    db.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        try:
            engine = create_db_engine(url)
        except DatabaseUnavailable as exc:
            assert "readonly" in str(exc) or "read-only" in str(exc) or "unable to open" in str(exc)
            return
        result = handle_upload(
            b"hardware,model,decode_tok_s\nh100_sxm5_80gb,llama-3.1-8b,100\n", "a.csv", engine=engine
        )
        assert result.upload_id is None and "database failed" in result.message
        engine.dispose()
    finally:
        tmp_path.chmod(0o755)
        db.chmod(0o644)


def test_sqlite_folder_removed_under_a_running_app(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    url = _seeded_sqlite(folder / "app.db")
    engine = create_db_engine(url)
    shutil.rmtree(folder)
    engine.dispose()  # new connections from here on
    result = handle_upload(SEED.read_bytes(), SEED.name, engine=engine)
    assert result.upload_id is None and result.message.startswith("nothing stored: the database failed")
    engine.dispose()


def test_sqlite_folder_that_cannot_be_created_is_a_message(tmp_path, monkeypatch):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the database folder should be")
    url = f"sqlite:///{blocker / 'app.db'}"
    with pytest.raises(DatabaseUnavailable) as err:
        create_db_engine(url)
    assert f"cannot create the folder {blocker} for the SQLite database: a file has that name" in str(err.value)
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_string("from ui.benchmarks_page import render\nrender()\n", default_timeout=60).run()
    assert not at.exception
    assert any("database is not available" in e.value and "a file has that name" in e.value for e in at.error)


# ---------------------------------------------------------------- disk full during an import


def test_disk_full_in_the_middle_of_an_import_leaves_nothing_half_written(db_engine):
    """The database refuses a write half-way through the rows (SQLite: ``max_page_count`` caps the file, so
    SQLite itself raises SQLITE_FULL; PostgreSQL: the row INSERT fails as a full disk makes it fail)."""
    seed = import_file(SEED.read_bytes(), SEED.name, engine=db_engine)
    before = counts(db_engine)
    rows_before = list_measurements(db_engine)
    data = _generic_csv(3000)
    if db_engine.dialect.name == "sqlite":
        with db_engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
            page_size = conn.exec_driver_sql("PRAGMA page_size").scalar()
        room = pages + 3 * len(data) // page_size  # the upload row (with its original bytes) fits, its rows don't

        def cap(dbapi_conn, _record):
            dbapi_conn.execute(f"PRAGMA max_page_count={room}")

        event.listen(db_engine, "connect", cap)
        db_engine.dispose()
        remove = lambda: event.remove(db_engine, "connect", cap)  # noqa: E731
    else:

        def fail(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("INSERT INTO MEASUREMENT"):
                raise OSError(28, "No space left on device")

        event.listen(db_engine, "before_cursor_execute", fail)
        remove = lambda: event.remove(db_engine, "before_cursor_execute", fail)  # noqa: E731
    done: list[str] = []

    def succeeded(conn, cursor, statement, parameters, context, executemany):
        done.append(statement.lstrip().upper()[:32])

    event.listen(db_engine, "after_cursor_execute", succeeded)
    try:
        result = handle_upload(data, "big.csv", engine=db_engine)
    except OSError:
        result = None
    finally:
        remove()
        event.remove(db_engine, "after_cursor_execute", succeeded)
        db_engine.dispose()
    assert any(s.startswith("INSERT INTO BENCHMARK_UPLOAD") for s in done)  # the failure came after the upload row
    assert not any(s.startswith("INSERT INTO MEASUREMENT") for s in done)  # ... in the rows' INSERT
    if db_engine.dialect.name == "sqlite":
        assert result is not None and result.message == "nothing stored: the database failed (database or disk is full)"
    assert counts(db_engine) == before
    assert list_measurements(db_engine) == rows_before
    # once there is room again, the same file imports whole
    again = import_file(data, "big.csv", engine=db_engine)
    assert again.imported == 3000 and seed.imported == 2


# ---------------------------------------------------------------- SIGKILL during an import

_KILL_SCRIPT = """
import sys, time
sys.path.insert(0, {repo!r})
import measurements.service as svc
from store.db import create_db_engine
real = svc._insert_series
def insert(*args, **kwargs):
    print("INSERTING", flush=True)
    real(*args, **kwargs)
    print("INSERTED", flush=True)
svc._insert_series = insert
engine = create_db_engine({url!r})
data = open({path!r}, "rb").read()
r = svc.import_file(data, "big.csv", engine=engine, max_bytes=0)
print("DONE", r.imported, flush=True)
"""


def _import_and_kill(url: str, path, delay_s: float, tmp_path) -> str:
    script = tmp_path / "imp.py"
    script.write_text(_KILL_SCRIPT.format(repo=str(REPO), url=url, path=str(path)))
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO
    )
    assert proc.stdout is not None
    seen = ""
    for line in proc.stdout:
        seen = line.strip()
        if seen == "INSERTING":
            break
    if seen != "INSERTING":  # the importer ended before its insert: show why
        proc.wait(timeout=60)
        return f"{seen} / exit {proc.returncode}: {proc.stderr.read()[-600:] if proc.stderr else ''}"
    time.sleep(delay_s)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return seen


@pytest.mark.slow
def test_sigkill_during_an_import_leaves_the_upload_whole_or_absent(db_engine, tmp_path):
    url = db_engine.url.render_as_string(hide_password=False)
    seed = import_file(SEED.read_bytes(), SEED.name, engine=db_engine)
    assert seed.imported == 2
    base_uploads, base_rows = counts(db_engine)[:2]
    outcomes = []
    for i, delay in enumerate((0.0, 0.05, 0.3, 3.0)):
        path = tmp_path / f"big{i}.csv"
        path.write_bytes(_generic_csv(30_000) + f"h100_sxm5_80gb,llama-3.1-8b,bf16,vllm,{i + 1},last\n".encode())
        assert _import_and_kill(url, path, delay, tmp_path) == "INSERTING"
        db_engine.dispose()
        if db_engine.dialect.name == "sqlite":
            with db_engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        with db_engine.connect() as conn:
            uploads = conn.execute(text("SELECT id, n_imported FROM benchmark_upload ORDER BY id")).all()
            per_upload = dict(
                conn.execute(text("SELECT upload_id, sum(n_points) FROM measurement_series GROUP BY upload_id")).all()
            )
        for upload_id, n_imported in uploads:
            assert per_upload.get(upload_id, 0) == n_imported, "an upload stored partly"
        assert set(per_upload) <= {u for u, _ in uploads}, "rows without their upload"
        outcomes.append(len(uploads) - base_uploads)
        base_uploads = len(uploads)
    assert outcomes[0] == 0  # killed before the commit: absent
    assert counts(db_engine)[1] >= base_rows
    # the store still works: the next import goes through
    assert import_file(_generic_csv(5), "after.csv", engine=db_engine).imported == 5
    print(json.dumps({"stored_per_kill": outcomes}))
