"""Display conventions in one place (used by the pages and the report exports): numbers, units, labels, badges."""

from __future__ import annotations

import math
import re

BADGES = {
    "native": "native",
    "weight_only": "weight-only",
    "emulated": "emulated",
    "unsupported": "unsupported",
    "unknown": "unknown",
}


def support_badge(level: str) -> str:
    return BADGES.get(level, level)


UNKNOWN = "unknown"
NOT_APPLICABLE = "-"

QUALITY_LABELS = {
    "very_low": "very low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "unknown": UNKNOWN,
}


def support_label(level: str | None) -> str:
    return BADGES.get(level or "unknown", str(level))


def quality_label(level: str | None) -> str:
    return QUALITY_LABELS.get(level or "unknown", str(level).replace("_", " "))


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def fmt_num(value: float | None, digits: int = 3) -> str:
    """One rounding rule everywhere: ``digits`` significant digits, never more decimals than that, no
    scientific notation, thousands separators from 1,000 on; ``unknown`` for None/NaN.

    >>> [fmt_num(x) for x in (3368.4, 45.67, 1.234, 0.01234, 12.0, None)]
    ['3,368', '45.7', '1.23', '0.0123', '12', 'unknown']
    """
    if _missing(value):
        return UNKNOWN
    v = float(value)
    if abs(v) >= 10 ** (digits - 1) or v == 0:
        return f"{v:,.0f}"
    decimals = digits - 1 - math.floor(math.log10(abs(v)))
    text = f"{v:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_usd(value: float | None) -> str:
    """Money: two decimals (four below one cent), with the currency."""
    if _missing(value):
        return UNKNOWN
    v = float(value)
    return f"${v:,.4f}" if 0 < abs(v) < 0.01 else f"${v:,.2f}"


def fmt_band(low: float | None, high: float | None) -> str:
    if _missing(low) or _missing(high):
        return UNKNOWN
    return f"{fmt_num(low)} to {fmt_num(high)}"


def fmt_bool(value: bool | None, yes: str = "yes", no: str = "no") -> str:
    return UNKNOWN if value is None else (yes if value else no)


def fmt_text(value: object) -> str:
    """Free text for a table cell: ``-`` for nothing, a list joined with commas."""
    if value is None or value == "" or value == [] or value == ():
        return NOT_APPLICABLE
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


#: The ranking table, in order: snapshot key -> (column header with unit, kind). One definition for the page,
#: the shared report and every export, so they show the same columns with the same names and rounding.
RANKING_COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("Rank", "int"),
    "format": ("Format", "text"),
    "support": ("Runs natively?", "support"),
    "fits": ("Fits in memory", "bool"),
    "memory_per_gpu_gb": ("Memory per GPU (GB)", "num"),
    "memory_gb": ("Total memory (GB)", "num"),
    "output_tok_s": ("Output throughput (tok/s)", "num"),
    "decode_tok_s": ("Decode, all sequences (tok/s)", "num"),
    "decode_band": ("Decode 80% band (tok/s)", "band"),
    "decode_tok_s_per_seq": ("Decode per sequence (tok/s)", "num"),
    "prefill_tok_s": ("Prefill (tok/s)", "num"),
    "ttft_ms": ("Time to first token (ms)", "num"),
    "tpot_ms": ("Time per output token (ms)", "num"),
    "cost_per_mtok_usd": ("Cost per 1M output tokens (USD)", "usd"),
    "quality_loss_pct": ("Perplexity increase (%)", "num"),
    "quality_level": ("Quality risk", "quality"),
    "engines": ("Engines", "text"),
    "basis": ("Speed basis", "text"),
    "release": ("Published checkpoint", "text"),
}

#: The ranking at a glance (the page's and the report's first table): what a reader decides on. Every other
#: column of ``RANKING_COLUMNS`` is one click away (the sortable grid) and in every export.
SUMMARY_KEYS = (
    "rank",
    "format",
    "support",
    "fits",
    "memory_per_gpu_gb",
    "output_tok_s",
    "decode_tok_s",
    "decode_band",
    "ttft_ms",
    "cost_per_mtok_usd",
    "quality_level",
    "basis",
)
#: Rows of the at-a-glance table; the grid and the exports hold every ranked format.
SUMMARY_ROWS = 10
SUMMARY_COLUMNS: dict[str, tuple[str, str]] = {k: RANKING_COLUMNS[k] for k in SUMMARY_KEYS}

REJECTED_COLUMNS: dict[str, tuple[str, str]] = {"format": ("Format", "text"), "why_not": ("Why not", "text")}

EVIDENCE_COLUMNS: dict[str, tuple[str, str]] = {
    "format": ("Format", "text"),
    "engine": ("Engine", "text"),
    "metric": ("Metric", "text"),
    "value": ("Measured value", "num"),
    "conditions": ("Conditions", "text"),
    "source": ("Source", "text"),
}


ALWAYS_SHOWN = ("rank", "format", "support", "fits")


def fmt_cell(row: dict, key: str, kind: str) -> str:
    """One cell as text, by the column's kind (see ``RANKING_COLUMNS``)."""
    if kind == "band":
        return fmt_band(row.get("decode_low"), row.get("decode_high"))
    value = row.get(key)
    if key == "format" and not value:
        value = row.get("format_id")  # snapshots written before format names were stored
    if kind == "num":
        return fmt_num(value)
    if kind == "int":
        return UNKNOWN if value is None else f"{int(value):,}"
    if kind == "usd":
        return fmt_usd(value) if value is not None else NOT_APPLICABLE
    if kind == "bool":
        return fmt_bool(value)
    if kind == "support":
        return support_label(value)
    if kind == "quality":
        return quality_label(value)
    return fmt_text(value)


def display_rows(rows: list[dict], columns: dict[str, tuple[str, str]] = RANKING_COLUMNS) -> list[dict[str, str]]:
    """Rows for display: human headers with units, every value formatted, nothing left as None.

    A column whose every value is missing (no price given, no published checkpoint) is dropped, except the
    ones every reader looks for (``ALWAYS_SHOWN``), which then say "unknown"."""
    keep = [
        k
        for k, (_label, kind) in columns.items()
        if kind == "band" or any(r.get(k) not in (None, "", [], ()) for r in rows) or (k in ALWAYS_SHOWN and rows)
    ]
    if "decode_band" in keep and not any(r.get("decode_low") is not None for r in rows):
        keep.remove("decode_band")
    return [{columns[k][0]: fmt_cell(r, k, columns[k][1]) for k in keep} for r in rows]


def human_label(key: str) -> str:
    """A snake_case key as words, for the few tables without a column map: ``memory_gb`` -> ``Memory (GB)``."""
    units = {"gb": "GB", "gbps": "GB/s", "ms": "ms", "s": "s", "w": "W", "pct": "%", "tflops": "TFLOPS", "usd": "USD"}
    if key.endswith("_tok_s"):
        return human_label(key[: -len("_tok_s")]) + " (tok/s)"
    parts = key.split("_")
    unit = units.get(parts[-1]) if len(parts) > 1 else None
    words = " ".join(parts[:-1] if unit else parts).replace("tok s", "tok/s")
    words = words[:1].upper() + words[1:]
    return f"{words} ({unit})" if unit else words


_MD_ALWAYS = str.maketrans({c: "\\" + c for c in "\\`<>$"})
_MD_ALL_BRACKETS = str.maketrans({c: "\\" + c for c in "\\`<>$[]"})
_LINK_CLOSE = re.compile(r"\](?=[(\[:])")


def md_text(value: object, *, link_text: bool = False) -> str:
    """User-provided text made safe to put inside Streamlit markdown (st.markdown, st.caption, st.error...):
    shown as the same text, never as a link, an image, HTML, a code span or a formula.

    Escapes the characters that open those constructs (backslash, backtick, ``<``, ``>``, ``$``) and every
    ``]`` that could close a link, image or link definition (before ``(``, ``[`` or ``:``); line breaks
    become spaces so the text can't start a heading, list or table. Brackets elsewhere stay readable,
    except with ``link_text=True`` (the text goes between ``[`` and ``](url)``): then every bracket is escaped.
    """
    text = " ".join(str(value).splitlines())
    if link_text:
        return text.translate(_MD_ALL_BRACKETS)
    return _LINK_CLOSE.sub(r"\\]", text.translate(_MD_ALWAYS))


def md_code(value: object) -> str:
    """User-provided text as a markdown code span (shown verbatim, never as markup): the fence is one
    backtick longer than the longest run of backticks inside, as CommonMark requires."""
    text = " ".join(str(value).splitlines())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or text.startswith(" ") or text.endswith(" ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_MD_CELL = str.maketrans({c: "\\" + c for c in "\\|*_`[]<>#$~"})


def md_cell(value: object) -> str:
    """Text for one cell of a markdown table: every character that opens markup (or ends the cell) escaped,
    line breaks as spaces, so a name from an uploaded file shows as the same text and never as markup."""
    return " ".join(str(value).splitlines()).translate(_MD_CELL)


_PLAIN_URL = re.compile(r"https?://[^\s()<>\[\]`\\|]+")


def md_table(
    rows: list[dict[str, object]], columns: list[str] | None = None, links: dict[str, str] | None = None
) -> str:
    """Rows (already formatted, e.g. by ``display_rows``) as a GitHub-flavoured markdown table; "_none_" for no
    rows. Columns: ``columns``, else every key in first-seen order. ``links`` maps a column of URLs to the
    text its links show (``{"Source": "datasheet"}``); a value that is not a plain http(s) URL stays text."""
    if not rows:
        return "_none_\n"
    if columns is None:
        columns = list(dict.fromkeys(k for row in rows for k in row))
    links = links or {}

    def cell(row: dict[str, object], col: str) -> str:
        value = fmt_text(row.get(col))
        if col in links and _PLAIN_URL.fullmatch(value):
            return f"[{md_cell(links[col])}]({value})"
        return md_cell(value)

    out = ["| " + " | ".join(md_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(cell(r, c) for c in columns) + " |" for r in rows]
    return "\n".join(out) + "\n"
