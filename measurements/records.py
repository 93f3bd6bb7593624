"""Plain value types shared by the parsers, the normalizer and the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safeio.text import UnreadableFile  # the one "nothing in the file could be read" error

__all__ = ["ParsedFile", "RawRecord", "Rejection", "UnreadableFile"]


@dataclass(frozen=True, slots=True)
class Rejection:
    """One record that was not stored: ``row`` is the 1-based line (CSV, Markdown) or record number
    (JSON, JSONL, SQL ``INSERT``) in the source file; ``column`` is the field at fault ("" = whole row)."""

    row: int
    column: str
    reason: str
    values: dict[str, Any] | None = field(default=None, compare=False)  # the record as given, for the CSV export

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as a parser read it: field name -> value (strings for text formats)."""

    row: int
    fields: dict[str, Any]


@dataclass(slots=True)
class ParsedFile:
    """What a parser read from one file, before normalization."""

    source_format: str
    records: list[RawRecord] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # header as given (tabular formats)
