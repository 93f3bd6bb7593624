"""Readers shared by the text formats: CSV with a header, Markdown pipe tables, SQL INSERTs, JSON(L)."""

from __future__ import annotations

import csv
import json
import re
from typing import Any

from measurements.records import ParsedFile, RawRecord, Rejection, UnreadableFile
from safeio.limits import check_records, check_text, csv_rows, json_lines, text_lines
from safeio.limits import load_json as bounded_load_json


def read_csv(text: str, source_format: str) -> ParsedFile:
    """Rows with a wrong number of columns are rejected (row = line number, header = line 1)."""
    reader = csv_rows(text)  # bounded: rows, cells per row, characters (safeio.limits)
    try:
        _line, header = next(reader)
    except StopIteration as exc:
        raise UnreadableFile("the CSV has no header row") from exc
    except csv.Error as exc:
        raise UnreadableFile(f"the CSV header can't be read: {exc}") from exc
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise UnreadableFile(f"the CSV header repeats column(s) {', '.join(dupes)}")
    out = ParsedFile(source_format, columns=header)
    n = len(header)
    records, rejections = out.records, out.rejections
    start = 1
    try:
        for start, row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != n:
                rejections.append(
                    Rejection(
                        start, "", f"expected {n} columns (as in the header), found {len(row)}", _spill(header, row)
                    )
                )
                continue
            records.append(RawRecord(start, dict(zip(header, row, strict=True))))
    except csv.Error as exc:
        line = getattr(exc, "line", start)
        rejections.append(Rejection(line, "", f"CSV syntax error: {exc}; the rest of the file was not read"))
    return out


def _spill(header: list[str], row: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = dict(zip(header, row, strict=False))
    for i, extra in enumerate(row[len(header) :], start=1):
        values[f"_extra_{i}"] = extra
    return values


_SEPARATOR_CELL = re.compile(r":?-+:?")


def read_markdown_table(text: str, source_format: str) -> ParsedFile:
    """A pipe table: header line, ``|---|`` separator, data lines (row = line number in the file)."""
    out = ParsedFile(source_format)
    header: list[str] | None = None
    for lineno, raw in text_lines(text, what="the Markdown file"):
        line = raw.strip()
        if not line.startswith("|"):
            if header is not None and line:
                header = None  # a second table starts after prose; re-read its header
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            header = cells
            out.columns = out.columns or header
            continue
        if all(_SEPARATOR_CELL.fullmatch(c) for c in cells if c):  # |---|, | --: |, | -: |, |:-:|
            continue
        if len(cells) != len(header):
            out.rejections.append(
                Rejection(
                    lineno,
                    "",
                    f"expected {len(header)} cells (as in the header), found {len(cells)}",
                    _spill(header, cells),
                )
            )
            continue
        out.records.append(RawRecord(lineno, dict(zip(header, cells, strict=True))))
    return out


_INSERT_RE = re.compile(r"INSERT\s+INTO\s+[`\"]?(\w+)[`\"]?\s*\(([^)]*)\)\s*VALUES\s*", re.I)


def _sql_values(text: str, pos: int) -> tuple[list[Any], int]:
    """Parse ``( 'a', 1, 2.5, NULL )`` starting at ``pos`` (which must be ``(``)."""
    if pos >= len(text) or text[pos] != "(":
        raise ValueError("expected '(' after VALUES")
    i, values, n = pos + 1, [], len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n,":
            i += 1
        elif c == ")":
            return values, i + 1
        elif c == "'":
            j, buf = i + 1, []
            while True:
                k = text.find("'", j)
                if k < 0:
                    raise ValueError("unterminated string literal")
                buf.append(text[j:k])
                if k + 1 < n and text[k + 1] == "'":
                    buf.append("'")
                    j = k + 2
                    continue
                i = k + 1
                break
            values.append("".join(buf))
        else:
            m = re.compile(r"[^,)\s]+").match(text, i)
            if not m:
                raise ValueError(f"unexpected character {c!r}")
            token = m.group(0)
            values.append(None if token.upper() == "NULL" else token)
            i = m.end()
    raise ValueError("unterminated VALUES list")


def read_sql_inserts(text: str, source_format: str) -> ParsedFile:
    """Each ``INSERT INTO t (cols) VALUES (...);`` is one record (row = statement number)."""
    out = ParsedFile(source_format)
    check_text(text, what="the SQL file")
    for number, m in enumerate(_INSERT_RE.finditer(text), start=1):
        check_records(number, what="the SQL file")
        cols = [c.strip().strip('`"') for c in m.group(2).split(",")]
        out.columns = out.columns or cols
        try:
            values, _end = _sql_values(text, m.end())
        except ValueError as exc:
            out.rejections.append(Rejection(number, "", f"INSERT statement can't be read: {exc}"))
            continue
        if len(values) != len(cols):
            out.rejections.append(
                Rejection(
                    number,
                    "",
                    f"expected {len(cols)} values (as in the column list), found {len(values)}",
                    _spill(cols, values),
                )
            )
            continue
        out.records.append(RawRecord(number, dict(zip(cols, values, strict=True))))
    return out


def load_json(text: str) -> Any:
    try:
        return bounded_load_json(text)  # size, depth and container limits first (safeio.limits)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
            raise UnreadableFile(f"the JSON ends too early ({where}): the file looks truncated") from exc
        raise UnreadableFile(f"not valid JSON at {where}: {exc.msg}") from exc


def read_jsonl(text: str, source_format: str) -> ParsedFile:
    """One JSON object per line (row = line number); a bad line is rejected, the others kept."""
    out = ParsedFile(source_format)
    for lineno, obj in json_lines(text):  # bounded: lines, line length, depth (safeio.limits)
        if isinstance(obj, json.JSONDecodeError):
            out.rejections.append(Rejection(lineno, "", f"not valid JSON (column {obj.colno}): {obj.msg}"))
            continue
        if not isinstance(obj, dict):
            out.rejections.append(Rejection(lineno, "", f"expected a JSON object, found {type(obj).__name__}"))
            continue
        out.records.append(RawRecord(lineno, obj))
    return out


def read_json_objects(items: list[Any], source_format: str) -> ParsedFile:
    """A parsed JSON array: each object is one record (row = position from 1); anything else is rejected."""
    out = ParsedFile(source_format)
    check_records(len(items), what="the JSON")
    for i, obj in enumerate(items, start=1):
        if isinstance(obj, dict):
            out.records.append(RawRecord(i, obj))
        else:
            out.rejections.append(Rejection(i, "", f"expected a JSON object, found {type(obj).__name__}"))
    return out
