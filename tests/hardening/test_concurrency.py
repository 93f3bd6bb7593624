"""Concurrent writers on SQLite and PostgreSQL: every write present, no 'database is locked', duplicates by
content hash stored once even when they arrive together."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from measurements.service import ImportResult, list_measurements, list_uploads
from reports.service import create_report, get_report, list_reports
from ui.benchmarks_page import handle_upload

N = 20


def test_twenty_simultaneous_report_creations(db_engine):
    def share(i: int) -> str:
        return create_report({"i": i}, title=f"r{i}", catalog_version="v", engine=db_engine)

    with ThreadPoolExecutor(max_workers=N) as pool:
        ids = list(pool.map(share, range(N)))
    assert len(set(ids)) == N
    assert sorted(get_report(rid, engine=db_engine)["snapshot"]["i"] for rid in ids) == list(range(N))
    assert len(list_reports(engine=db_engine)) == N


# ---------------------------------------------------------------- uploads and reports at the same time

GENERIC = "hardware,model,batch,decode_tok_s,notes\n"


def _upload_body(i: int, rows: int = 50) -> bytes:
    """A distinct generic CSV per writer: ``rows`` rows whose decode_tok_s encodes (writer, row)."""
    lines = [f"h100_sxm5_80gb,llama-3.1-8b,{r + 1},{i * 1000 + r}.5,writer {i}" for r in range(rows)]
    return (GENERIC + "\n".join(lines) + "\n").encode()


def _all_at_once(n: int, work):
    """Run ``work(i)`` for i in range(n) on n threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)

    def run(i: int):
        barrier.wait()
        try:
            return work(i)
        except Exception as exc:  # noqa: BLE001 - the test reports every failure below
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_twenty_uploads_and_twenty_report_creations_at_once(db_engine):
    def work(i: int):
        if i % 2:
            return handle_upload(_upload_body(i // 2), f"w{i // 2}.csv", label=f"writer {i // 2}", engine=db_engine)
        return create_report({"i": i // 2}, title=f"r{i // 2}", catalog_version="v", engine=db_engine)

    results = _all_at_once(2 * N, work)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    uploads = [r for r in results if isinstance(r, ImportResult)]
    assert [r.imported for r in uploads] == [50] * N, [r.message for r in uploads if not r.imported]
    assert not any("locked" in r.message.lower() for r in uploads)
    stored = list_measurements(db_engine)
    assert len(stored) == N * 50
    assert sorted(m.value for m in stored) == sorted(i * 1000 + r + 0.5 for i in range(N) for r in range(50))
    by_label: dict[str, float] = {}
    for m in stored:
        by_label[m.label] = min(by_label.get(m.label, m.value), m.value)
    assert by_label == {f"writer {i}": i * 1000 + 0.5 for i in range(N)}  # each row under its own upload
    ids = [r for r in results if isinstance(r, str)]
    assert sorted(get_report(rid, engine=db_engine)["snapshot"]["i"] for rid in ids) == list(range(N))
    assert len(list_uploads(db_engine)) == N


def test_the_same_file_uploaded_twenty_times_at_once_is_stored_once(db_engine):
    body = _upload_body(7)
    results = _all_at_once(N, lambda i: handle_upload(body, f"copy{i}.csv", engine=db_engine))
    assert [r for r in results if isinstance(r, Exception)] == []
    imported = [r for r in results if r.imported]
    duplicates = [r for r in results if r.duplicates]
    assert len(imported) == 1 and imported[0].imported == 50
    assert len(duplicates) == N - 1
    assert all(r.duplicates == 50 and r.upload_id == imported[0].upload_id for r in duplicates)
    assert all(r.message.startswith("already imported: the same file") for r in duplicates), [
        r.message for r in duplicates
    ]
    assert len(list_uploads(db_engine)) == 1 and len(list_measurements(db_engine)) == 50
