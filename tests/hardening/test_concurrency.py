"""Concurrent writers on SQLite and PostgreSQL: every write present, no 'database is locked'."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from reports.service import create_report, get_report, list_reports

N = 20


def test_twenty_simultaneous_report_creations(db_engine):
    def share(i: int) -> str:
        return create_report({"i": i}, title=f"r{i}", catalog_version="v", engine=db_engine)

    with ThreadPoolExecutor(max_workers=N) as pool:
        ids = list(pool.map(share, range(N)))
    assert len(set(ids)) == N
    assert sorted(get_report(rid, engine=db_engine)["snapshot"]["i"] for rid in ids) == list(range(N))
    assert len(list_reports(engine=db_engine)) == N
