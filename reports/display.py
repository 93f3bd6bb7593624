"""Display formatting in one place: numbers, units and support badges."""

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


def fmt_num(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "unknown"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


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
