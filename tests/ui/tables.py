"""Read the plain (markdown) tables a page draws, as DataFrames: the ranking on Advise and on the shared report
(``ui.ranking``), the report's inputs, rejected formats and evidence."""

from __future__ import annotations

import re

import pandas as pd

_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_ESCAPE = re.compile(r"\\(.)")


def parse_markdown_table(text: str) -> pd.DataFrame:
    """A GitHub-flavoured markdown table (``reports.display.md_table``) as a DataFrame of unescaped strings."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip().startswith("|")]
    rows = [[_ESCAPE.sub(r"\1", c.strip()) for c in _CELL_SPLIT.split(ln.strip("|"))] for ln in lines]
    header, body = rows[0], [r for r in rows[2:]]
    return pd.DataFrame(body, columns=header)


def markdown_tables(at) -> list[pd.DataFrame]:
    """Every markdown table on an AppTest page, in page order."""
    return [parse_markdown_table(m.value) for m in at.markdown if m.value.lstrip().startswith("| ")]


def ranking_table(at) -> pd.DataFrame:
    """The page's ranking (the first table whose first column is Rank)."""
    return next(t for t in markdown_tables(at) if list(t.columns[:1]) == ["Rank"])
