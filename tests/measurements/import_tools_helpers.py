"""Shared by the tests of the tool importers (tests/measurements/test_<tool>.py): import a real fixture from
tests/fixtures/imports/<tool>/ through ``measurements.service.import_file`` on the test database."""

from __future__ import annotations

from pathlib import Path

from measurements.service import ImportResult, import_file

IMPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


def imp(db_engine, tool: str, name: str, hint: str | None = None, *, as_name: str | None = None) -> ImportResult:
    path = IMPORTS / tool / name if tool else IMPORTS / name
    return import_file(path.read_bytes(), as_name or name, hardware_hint=hint, engine=db_engine)


def text_of(tool: str, name: str) -> str:
    return (IMPORTS / tool / name).read_text(encoding="utf-8")
