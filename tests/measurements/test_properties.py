"""Invariants over generated input (hypothesis)."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from measurements.service import import_file
from store.db import create_db_engine
from store.migrate import prepare_database
from tests.measurements.conftest import SHARED_LLAMA, counts


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    eng = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}")
    prepare_database(eng)
    yield eng
    eng.dispose()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_any_bytes_give_a_result_never_an_exception(engine, data):
    before = counts(engine)
    result = import_file(data, "fuzz.bin", engine=engine)
    uploads, rows = counts(engine)
    assert result.message
    if result.imported:
        assert (uploads, rows) == (before[0] + 1, before[1] + result.imported)
    else:
        assert (uploads, rows) == before


def _fixture_rows() -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO((SHARED_LLAMA / "rtx4080_b5163.csv").read_text())))
    return rows[0], rows[1:]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.floats(min_value=1e-6, max_value=1e7, allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
)
def test_stored_throughput_equals_the_files_text(engine, tok_s, which, note):
    header, rows = _fixture_rows()
    row = list(rows[which])
    row[header.index("avg_ts")] = repr(tok_s)
    row[header.index("build_commit")] = note  # arbitrary text in a kept field must not break the import
    buf = io.StringIO()
    csv.writer(buf).writerows([header, row])  # RFC 4180 CRLF: a lone CR in a field gets quoted
    result = import_file(buf.getvalue().encode(), "p.csv", engine=engine)
    assert result.imported + result.duplicates == 1
    if result.imported:
        stored = result.measurements[0]
        assert stored.metric.value == ("prefill_tok_s" if which == 0 else "decode_tok_s")
        assert stored.value == tok_s
