"""Mutation check for the hardening tests (issue 18): remove each guard in turn and show that the tests
written for it fail.

Each mutation disables one guard in the running process (a limit set to infinity, an escape made the identity,
the integrity check skipped, ...). For each, pytest runs the guard's own tests with this module loaded as a
plugin (``-p bench.mutation_check``, mutation named in ``FA_MUTATION``); the plugin applies the mutation
before any test runs. A mutation is *killed* when at least one of its tests fails. The unmutated baseline must
pass first, so a kill is the guard's doing, not a broken test.

    .venv/bin/python bench/mutation_check.py [--only NAME ...] [--json OUT]

Tests that start their own process (the browser test, the SIGKILL test) can't see an in-process mutation
and are not used here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV = "FA_MUTATION"

H = "tests/hardening/"
#: mutation -> (what is removed, the tests that must catch it)
MUTATIONS: dict[str, tuple[str, list[str]]] = {
    "json_depth_limit_off": (
        "safeio.limits: max_json_depth = infinity (json recursion unbounded again)",
        [
            H + "test_security.py::test_json_over_a_limit_is_refused_naming_it",
            H + "test_security.py::test_a_deep_record_inside_a_valid_vllm_file_is_refused_and_nothing_stored",
            H + "test_security.py::test_a_deep_probe_report_is_refused_naming_the_limit",
        ],
    ),
    "json_container_limit_off": (
        "safeio.limits: max_json_containers = infinity",
        [H + "test_security.py::test_the_default_limits_apply_through_the_importer"],
    ),
    "record_line_column_limits_off": (
        "safeio.limits: max_records, max_columns, max_line_chars, max_text_chars = infinity",
        [H + "test_security.py::test_the_default_limits_apply_through_the_importer"],
    ),
    "upload_size_limit_off": (
        "measurements.service: no upload size limit",
        [
            H + "test_bad_input.py::test_a_1gb_upload_is_refused_by_size_before_anything_reads_it",
            H + "test_bad_input.py::test_an_upload_one_byte_over_the_limit_is_refused_and_at_the_limit_is_read",
        ],
    ),
    "integer_bound_off": (
        "measurements.fields: whole numbers not bounded (MAX_INT = 10**100)",
        [H + "test_security.py::test_a_count_too_large_for_the_database_is_a_rejected_row"],
    ),
    "all_count_bounds_off": (
        "measurements.fields.MAX_INT and advisor.measurement.MAX_COUNT = 10**100 (the integer overflows in the INSERT)",
        [H + "test_security.py::test_a_count_too_large_for_the_database_is_a_rejected_row"],
    ),
    "csv_formula_guard_off": (
        "safeio.csvsafe.neutralize_cell: identity",
        [
            H + "test_bad_input.py::test_no_exported_text_cell_can_start_a_formula",
            H + "test_bad_input.py::test_formula_cells_are_stored_as_given_and_neutralized_in_every_export",
        ],
    ),
    "html_export_escape_off": (
        "reports.export: html.escape is the identity",
        [H + "test_security.py::test_names_from_an_upload_are_text_in_the_html_export"],
    ),
    "markdown_export_escape_off": (
        "reports.export: Markdown cells not escaped",
        [H + "test_security.py::test_names_from_an_upload_are_text_in_the_markdown_export"],
    ),
    "page_markdown_escape_off": (
        "reports.display.md_text: identity (user text reaches st.markdown as markup)",
        [
            H + "test_user_text.py::test_probe_page_shows_host_device_and_label_text_as_text",
            H + "test_user_text.py::test_report_titles_and_bad_report_ids_are_text",
        ],
    ),
    "report_integrity_check_off": (
        "reports.service.get_report: stored SHA-256 not checked",
        [H + "test_security.py::test_a_report_changed_in_the_database_is_refused"],
    ),
    "report_id_from_random": (
        "reports.service.new_report_id: 32 characters from random.Random (Mersenne Twister, not a CSPRNG)",
        [H + "test_security.py::test_ids_come_from_secrets_not_from_random"],
    ),
    "report_update_path": (
        "reports.service: get_report rewrites the row it read (an UPDATE on every read)",
        [H + "test_security.py::test_no_statement_ever_updates_or_deletes_a_stored_report"],
    ),
    "one_transaction_off": (
        "measurements.service: the upload row is committed before its rows are inserted",
        [H + "test_faults.py::test_disk_full_in_the_middle_of_an_import_leaves_nothing_half_written"],
    ),
    "extra_json_safe_off": (
        "store.measurement_rows: NaN / Infinity in unmapped fields passed to the database as is (needs PostgreSQL: "
        "TEST_POSTGRES_URL; SQLite takes them)",
        [H + "test_security.py::test_non_finite_numbers_in_unmapped_fields_store_on_both_backends"],
    ),
    "sqlite_folder_guard_off": (
        "store.db.create_db_engine: OSError from creating the database folder not turned into a message",
        [H + "test_faults.py::test_sqlite_folder_that_cannot_be_created_is_a_message"],
    ),
}


# ---------------------------------------------------------------- the mutations (applied in the pytest process)


def _unlimited(*fields: str) -> None:
    from safeio.limits import DEFAULT_LIMITS

    for f in fields:
        object.__setattr__(DEFAULT_LIMITS, f, 10**18)  # the default instance every reader uses


def _replace_everywhere(original: object, replacement: object) -> None:
    """Rebind every module attribute that holds ``original`` (``from x import f`` copies included)."""
    for mod in list(sys.modules.values()):
        d = getattr(mod, "__dict__", None)
        if not d:
            continue
        for k, v in list(d.items()):
            if v is original:
                setattr(mod, k, replacement)


def _import_app() -> None:
    for name in (
        "measurements.service",
        "probes.report",
        "reports.export",
        "reports.service",
        "reports.display",
        "ui.benchmarks_page",
        "ui.probe_page",
        "store.db",
        "safeio.limits",
        "safeio.csvsafe",
    ):
        __import__(name)


def m_json_depth_limit_off() -> None:
    _unlimited("max_json_depth")


def m_json_container_limit_off() -> None:
    _unlimited("max_json_containers")


def m_record_line_column_limits_off() -> None:
    _unlimited("max_records", "max_columns", "max_line_chars", "max_text_chars")


def m_upload_size_limit_off() -> None:
    import measurements.service as svc

    svc.max_upload_bytes = lambda: 0
    real = svc.import_file

    def no_limit(*a, **k):
        k["max_bytes"] = 0
        return real(*a, **k)

    _replace_everywhere(real, no_limit)


def m_integer_bound_off() -> None:
    import measurements.fields as f

    f.MAX_INT = 10**100


def m_all_count_bounds_off() -> None:
    import advisor.measurement as am

    m_integer_bound_off()
    am.MAX_COUNT = 10**100


def m_csv_formula_guard_off() -> None:
    import safeio.csvsafe as c

    _replace_everywhere(c.neutralize_cell, lambda v: v)


def m_html_export_escape_off() -> None:
    import types

    import reports.export as e

    e.html = types.SimpleNamespace(escape=lambda s, quote=True: s)


def m_markdown_export_escape_off() -> None:
    import reports.export as e

    e._md_cell = lambda v: str(e._plain(v)).replace("\n", " ")


def m_page_markdown_escape_off() -> None:
    import reports.display as f

    _replace_everywhere(f.md_text, lambda value, link_text=False: " ".join(str(value).splitlines()))


def m_report_integrity_check_off() -> None:
    import reports.service as s

    real_sha = s.hashlib.sha256

    class _Any(str):
        def __ne__(self, other):  # every stored hash "matches"
            return False

    class _Sha:
        def __init__(self, data=b""):
            self._h = real_sha(data)

        def hexdigest(self):
            return _Any(self._h.hexdigest())

    import types

    s.hashlib = types.SimpleNamespace(sha256=_Sha)


def m_report_id_from_random() -> None:
    import random

    import reports.service as s

    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    s.new_report_id = lambda: "".join(random.choice(alphabet) for _ in range(32))


def m_report_update_path() -> None:
    from sqlalchemy import text

    import reports.service as s

    real = s.get_report

    def touching(report_id, engine=None):
        out = real(report_id, engine=engine)
        with (engine or s.get_engine()).begin() as conn:
            conn.execute(text("UPDATE shared_report SET title = title WHERE id = :i"), {"i": report_id})
        return out

    _replace_everywhere(real, touching)


def m_one_transaction_off() -> None:
    from contextlib import contextmanager

    import measurements.service as svc
    from store.db import get_engine, session_factory

    @contextmanager
    def leaky(engine=None):
        """Every flush is committed on its own: the upload row is stored before its rows are inserted."""
        with session_factory(engine or get_engine())() as session:
            flush = session.flush

            def flush_and_commit(*a, **k):
                flush(*a, **k)
                session.commit()

            session.flush = flush_and_commit
            yield session
            session.commit()

    svc.transaction = leaky


def m_extra_json_safe_off() -> None:
    import store.measurement_rows as r

    r._json_safe = lambda value: value


def m_sqlite_folder_guard_off() -> None:
    import store.db as db

    real = db.create_db_engine

    def unguarded(url=None):
        from pathlib import Path as _P

        from sqlalchemy.engine import make_url

        parsed = make_url(url or db.database_url())
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            _P(parsed.database).parent.mkdir(parents=True, exist_ok=True)  # raises OSError, unguarded
        return real(url)

    _replace_everywhere(real, unguarded)


APPLY: dict[str, Callable[[], None]] = {name: globals()["m_" + name] for name in MUTATIONS}


def pytest_configure(config) -> None:  # the plugin hook: runs in the pytest process
    name = os.environ.get(ENV, "")
    if not name:
        return
    _import_app()
    APPLY[name]()


# ---------------------------------------------------------------- the runner


def _pytest(tests: list[str], mutation: str) -> tuple[int, float, str]:
    env = {**os.environ, ENV: mutation}
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "bench.mutation_check", *tests]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    out = (proc.stdout + proc.stderr).strip().splitlines()
    summary = next((ln for ln in reversed(out) if " passed" in ln or " failed" in ln or " error" in ln), "")
    first_error = next((ln[1:].strip() for ln in out if ln.startswith("E ")), "")
    if first_error:
        summary += f" | {first_error[:150]}"
    return proc.returncode, time.perf_counter() - t0, summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="mutation names (default: all)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    names = args.only or list(MUTATIONS)
    all_tests = sorted({t for n in names for t in MUTATIONS[n][1]})
    rc, secs, summary = _pytest(all_tests, "")
    print(f"baseline (no mutation): rc={rc} in {secs:.0f} s: {summary}")
    if rc != 0:
        print("the baseline fails: fix the tests first")
        return 2
    rows = []
    for name in names:
        what, tests = MUTATIONS[name]
        rc, secs, summary = _pytest(tests, name)
        killed = rc == 1  # 1 = tests failed; 0 = all passed (survived); other = could not run
        rows.append({"mutation": name, "removes": what, "tests": tests, "killed": killed, "rc": rc, "pytest": summary})
        print(f"{'KILLED  ' if killed else 'SURVIVED'} {name}: {summary} ({secs:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    survived = [r["mutation"] for r in rows if not r["killed"]]
    print(
        f"{len(rows) - len(survived)} of {len(rows)} mutations killed" + (f"; survived: {survived}" if survived else "")
    )
    return 1 if survived else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(main())
