"""Readers shared by the text formats: CSV with a header, Markdown pipe tables, SQL INSERTs, JSON(L)."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from measurements.records import ParsedFile, RawRecord, Rejection, UnreadableFile


def read_csv(text: str, source_format: str) -> ParsedFile:
    """Rows with a wrong number of columns are rejected (row = line number, header = line 1)."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
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
    line = reader.line_num
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
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
        rejections.append(Rejection(reader.line_num, "", f"CSV syntax error: {exc}; the rest of the file was not read"))
    return out


def _spill(header: list[str], row: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = dict(zip(header, row, strict=False))
    for i, extra in enumerate(row[len(header) :], start=1):
        values[f"_extra_{i}"] = extra
    return values


def read_markdown_table(text: str, source_format: str) -> ParsedFile:
    """A pipe table: header line, ``|---|`` separator, data lines (row = line number in the file)."""
    out = ParsedFile(source_format)
    header: list[str] | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
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
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
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
    for number, m in enumerate(_INSERT_RE.finditer(text), start=1):
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
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
            raise UnreadableFile(f"the JSON ends too early ({where}): the file looks truncated") from exc
        raise UnreadableFile(f"not valid JSON at {where}: {exc.msg}") from exc


def read_jsonl(text: str, source_format: str) -> ParsedFile:
    """One JSON object per line (row = line number); a bad line is rejected, the others kept."""
    out = ParsedFile(source_format)
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            out.rejections.append(Rejection(lineno, "", f"not valid JSON (column {exc.colno}): {exc.msg}"))
            continue
        if not isinstance(obj, dict):
            out.rejections.append(Rejection(lineno, "", f"expected a JSON object, found {type(obj).__name__}"))
            continue
        out.records.append(RawRecord(lineno, obj))
    return out


def read_json_objects(items: list[Any], source_format: str) -> ParsedFile:
    """A parsed JSON array: each object is one record (row = position from 1); anything else is rejected."""
    out = ParsedFile(source_format)
    for i, obj in enumerate(items, start=1):
        if isinstance(obj, dict):
            out.records.append(RawRecord(i, obj))
        else:
            out.rejections.append(Rejection(i, "", f"expected a JSON object, found {type(obj).__name__}"))
    return out
