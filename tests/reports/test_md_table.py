"""The one markdown table writer (``reports.display.md_table``): names from uploads stay the same text, one cell
each, never markup; the page's plain ranking and the Markdown export both use it."""

from __future__ import annotations

import re

from reports.display import SUMMARY_COLUMNS, display_rows, md_table
from tests.ui.tables import parse_markdown_table

PAYLOADS = [
    "<script>window.__xss=1</script>",
    "a | b",
    "[click](javascript:alert(1))",
    "**bold** _it_ `code` $x$ ~~s~~ # h",
    "back\\slash",
    "line\nbreak",
]


def test_every_payload_is_one_cell_of_the_same_text():
    rows = [{"Name": p, "Value": "1"} for p in PAYLOADS]
    table = parse_markdown_table(md_table(rows))
    assert table.columns.tolist() == ["Name", "Value"]
    assert table["Name"].tolist() == [p.replace("\n", " ") for p in PAYLOADS]


def test_every_markup_character_is_backslash_escaped():
    """CommonMark: a backslash before ASCII punctuation makes it a literal character, so no escaped cell can
    open a tag, a link, emphasis, code, a formula or a new cell."""
    for p in PAYLOADS:
        row = md_table([{"Name": p}]).splitlines()[2]
        cell = row[2:-2]  # between "| " and " |"
        unescaped = re.findall(r"(?<!\\)(?:\\\\)*([<>\[\]*_`$~#|])", cell)
        assert not unescaped, (p, cell)


def test_missing_values_read_dash_and_the_summary_keeps_its_columns():
    ranking = [{"rank": 1, "format": "FP8 W8A8", "support": "native", "fits": True, "memory_per_gpu_gb": 40.1}]
    rows = display_rows(ranking, SUMMARY_COLUMNS)
    table = parse_markdown_table(md_table(rows))
    assert table.loc[0, "Format"] == "FP8 W8A8" and table.loc[0, "Memory per GPU (GB)"] == "40.1"
    assert "None" not in md_table(rows) and md_table([]) == "_none_\n"


def test_link_columns_link_only_plain_http_urls():
    rows = [
        {"Source": "https://example.com/datasheet.pdf"},
        {"Source": "javascript:alert(1)"},
        {"Source": "https://x.test/a) [b](javascript:alert(2)"},
    ]
    lines = md_table(rows, links={"Source": "datasheet"}).splitlines()[2:]
    assert lines[0] == "| [datasheet](https://example.com/datasheet.pdf) |"
    assert lines[1] == "| javascript:alert(1) |"  # not a URL the table links: text
    assert not re.search(r"(?<!\\)\]\(", lines[2]) and "\\[b\\]" in lines[2]  # escaped text, no link
