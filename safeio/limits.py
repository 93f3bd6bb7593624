"""Parsers bounded by construction: every reader of untrusted text checks its size, depth and count
limits *before* the work that the limit protects, and refuses with ``LimitExceeded``, a message that names
the limit and its value. (Python's ``json`` recurses once per nesting level: a 1,000-level array raised
``RecursionError`` out of the importer, and a 20 MB ``[{},{},...]`` built 6.6 million dicts.)

- JSON: ``load_json`` scans the text once (strings skipped) for nesting depth and container count, then
  parses. ``json_lines`` does the same per line of a JSON-lines file.
- CSV: ``csv_rows`` caps the columns per row and the rows (the csv module caps a field at 131,072 characters).
- text: ``check_text`` caps the characters; ``text_lines`` caps the lines and the characters per line.

The limits are far above anything a benchmark tool writes (a llama-bench or vLLM record nests 3 levels,
an lm-eval results file 5) and low enough that a hostile file is refused in well under a second.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from safeio.text import UnreadableFile

__all__ = [
    "DEFAULT_LIMITS",
    "CsvSyntaxError",
    "LimitExceeded",
    "Limits",
    "check_json_shape",
    "check_records",
    "check_text",
    "csv_rows",
    "json_lines",
    "load_json",
    "text_lines",
]


class LimitExceeded(UnreadableFile):
    """The input is over one of the parser limits; the message names the limit and its value."""

    def __init__(self, what: str, limit_name: str, limit: int) -> None:
        self.limit_name = limit_name
        self.limit = limit
        super().__init__(f"{what}: the limit is {limit:,} ({limit_name}); split or simplify the file")


@dataclass(frozen=True)
class Limits:
    max_text_chars: int = 256 * 1024 * 1024  # the upload limit (20 MiB by default) is checked before this
    max_json_depth: int = 64
    max_json_containers: int = 1_000_000  # objects + arrays in one JSON document
    max_records: int = 100_000  # rows / records / lines in one file
    max_columns: int = 1_000_000  # cells in one CSV row (a million unknown columns are kept as extra)
    max_line_chars: int = 1_000_000  # characters in one line of a JSONL or text file


DEFAULT_LIMITS = Limits()

# A JSON string (escapes included); the unrolled form never backtracks.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_NUL_ESCAPE = re.compile(r"\\u0000", re.I)


def _refuse_nul(text: str, what: str) -> None:
    """A ``\\u0000`` escape decodes to a NUL character, which no text column stores (PostgreSQL refuses it);
    the decoder already refuses raw NUL bytes, this is the same rule for the JSON spelling."""
    m = _NUL_ESCAPE.search(text)
    if m:
        raise UnreadableFile(
            f"{what} holds a \\u0000 (NUL) character at position {m.start():,}: text can't contain NUL; remove it"
        )


def check_text(text: str, *, limits: Limits = DEFAULT_LIMITS, what: str = "the file") -> str:
    if len(text) > limits.max_text_chars:
        raise LimitExceeded(f"{what} has {len(text):,} characters", "max_text_chars", limits.max_text_chars)
    return text


def check_json_shape(text: str, *, limits: Limits = DEFAULT_LIMITS, what: str = "the JSON") -> None:
    """Refuse ``text`` when it holds more objects/arrays than ``max_json_containers`` or nests deeper than
    ``max_json_depth`` (brackets inside strings ignored). Linear time, no recursion; the count is taken with
    ``str.count`` before anything per bracket is allocated."""
    bare = _JSON_STRING.sub("", text) if '"' in text else text
    opened = bare.count("[") + bare.count("{")
    if opened > limits.max_json_containers:
        raise LimitExceeded(
            f"{what} holds {opened:,} objects and arrays", "max_json_containers", limits.max_json_containers
        )
    depth = max(itertools.accumulate(map(_STEP.__getitem__, _BRACKET.findall(bare))), default=0)
    if depth > limits.max_json_depth:
        raise LimitExceeded(f"{what} nests {depth:,} levels deep", "max_json_depth", limits.max_json_depth)


#: Python's int() refuses longer digit strings (sys.get_int_max_str_digits); no measured value has that many.
MAX_INT_DIGITS = 4300


def _int_parser(what: str):
    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            raise LimitExceeded(f"{what} holds a number with {len(digits):,} digits", "max_int_digits", MAX_INT_DIGITS)
        return int(digits)

    return parse_int


def load_json(text: str, *, limits: Limits = DEFAULT_LIMITS, what: str = "the JSON") -> Any:
    """``json.loads`` after the size, depth and container checks. ``json.JSONDecodeError`` passes through
    (callers word it for their file); a number too large for a float reads as ``inf`` as in ``json``."""
    check_text(text, limits=limits, what=what)
    check_json_shape(text, limits=limits, what=what)
    _refuse_nul(text, what)
    return json.loads(text, parse_int=_int_parser(what))


def text_lines(text: str, *, limits: Limits = DEFAULT_LIMITS, what: str = "the file") -> Iterator[tuple[int, str]]:
    """``(line number from 1, line)`` for each line, refusing over-long lines and too many lines."""
    check_text(text, limits=limits, what=what)
    for lineno, line in enumerate(text.splitlines(), start=1):
        if lineno > limits.max_records:
            raise LimitExceeded(f"{what} has more than {limits.max_records:,} lines", "max_records", limits.max_records)
        if len(line) > limits.max_line_chars:
            raise LimitExceeded(
                f"line {lineno} of {what} has {len(line):,} characters", "max_line_chars", limits.max_line_chars
            )
        yield lineno, line


def json_lines(text: str, *, limits: Limits = DEFAULT_LIMITS) -> Iterator[tuple[int, Any]]:
    """``(line number, decoded value or the JSONDecodeError)`` for each non-blank line of a JSON-lines text.
    A line over the depth or container limit raises ``LimitExceeded`` for the whole file."""
    for lineno, line in text_lines(text, limits=limits, what="the JSON-lines file"):
        if not line.strip():
            continue
        check_json_shape(line, limits=limits, what=f"line {lineno} of the JSON-lines file")
        _refuse_nul(line, f"line {lineno} of the JSON-lines file")
        try:
            yield lineno, json.loads(line, parse_int=_int_parser(f"line {lineno} of the JSON-lines file"))
        except json.JSONDecodeError as exc:
            yield lineno, exc


class CsvSyntaxError(csv.Error):
    """A CSV row can't be read; ``line`` is the line where the reader stopped."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(message)


def csv_rows(text: str, *, limits: Limits = DEFAULT_LIMITS) -> Iterator[tuple[int, list[str]]]:
    """``(first line number of the row, cells)`` for each CSV row, header included.

    ``csv.Error`` (bad quoting, a field over the csv module's own 131,072-character field limit) passes
    through so the caller can keep the rows read so far; too many rows or columns raise ``LimitExceeded``."""
    check_text(text, limits=limits, what="the CSV")
    reader = csv.reader(io.StringIO(text))
    line = 0
    rows = enumerate(reader)
    while True:
        try:
            n, row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvSyntaxError(reader.line_num, str(exc)) from exc
        start, line = line + 1, reader.line_num
        if n > limits.max_records:  # n counts the header as row 0
            raise LimitExceeded(f"the CSV has more than {limits.max_records:,} rows", "max_records", limits.max_records)
        if len(row) > limits.max_columns:
            raise LimitExceeded(
                f"row at line {start} of the CSV has {len(row):,} cells", "max_columns", limits.max_columns
            )
        yield start, row


def check_records(n: int, *, limits: Limits = DEFAULT_LIMITS, what: str = "the file") -> None:
    if n > limits.max_records:
        raise LimitExceeded(f"{what} holds {n:,} records", "max_records", limits.max_records)
