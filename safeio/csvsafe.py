"""CSV exports that are safe to open in a spreadsheet: text cells that start with ``=``, ``+``,
``-``, ``@`` (or a tab / carriage return) are prefixed with ``'`` so they are shown, not run
(OWASP "CSV injection"). The stored data keeps the text exactly as uploaded."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def rows_to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], *, lineterminator: str = "\r\n") -> str:
    """Header and rows as CSV text; ``None`` is an empty cell, formula-like text is neutralized."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=lineterminator)  # a CR or LF inside a cell is always quoted
    writer.writerow([neutralize_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralize_cell(v) for v in row])
    return buf.getvalue()


def dataframe_to_csv(df: pd.DataFrame) -> str:
    """A results table as CSV with formula cells neutralized (lists and dicts written as JSON-like text)."""
    header = [str(c) for c in df.columns]
    rows = (
        [v if not isinstance(v, list | dict) else str(v) for v in record]
        for record in df.itertuples(index=False, name=None)
    )
    return rows_to_csv(header, rows)
