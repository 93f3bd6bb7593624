"""Helpers for the hardening tests: hostile text, what an AppTest page shows as markdown, row counts."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine

from store.migrate import database_state

#: Text that must be shown as text wherever a page repeats it: HTML, a javascript: link, a remote image.
IMG = "<img src=x onerror=alert(1)>"
JS_LINK = "[x](javascript:alert(1))"
REMOTE_IMAGE = "![t](http://127.0.0.1:9/t.png)"
PAYLOADS = (IMG, JS_LINK, REMOTE_IMAGE)
HOSTILE = f"{IMG} {JS_LINK} {REMOTE_IMAGE}"
#: The markup that would make each payload live when it reaches markdown unescaped.
LIVE_TOKENS = ("<img", "](javascript", "](http://127.0.0.1:9")
FORMULA = "=cmd|' /C calc'!A0"

#: AppTest element types whose text Streamlit renders as markdown (plain-text ones are left out).
PLAIN_TEXT_TYPES = {"code", "text", "text_input", "text_area", "json", "number_input", "dataframe", "table"}


def page_texts(at: Any) -> list[tuple[str, str]]:
    """(element type, text) for every element and label on the page that Streamlit renders as markdown."""
    out: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        kind = getattr(node, "type", "")
        if kind not in PLAIN_TEXT_TYPES:
            for attr in ("value", "label", "body"):
                try:
                    value = getattr(node, attr)
                except Exception:  # noqa: BLE001 - some widgets raise for attributes they don't have
                    continue
                if isinstance(value, str) and value:
                    out.append((kind, value))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return out


def _unescaped_at(text: str, index: int) -> bool:
    slashes = 0
    while index - slashes - 1 >= 0 and text[index - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 0


_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def live_markup(text: str) -> list[str]:
    """The payload tokens in ``text`` that markdown would turn into HTML, a link or an image
    (code spans are verbatim text, so they are left out)."""
    text = _CODE_SPAN.sub("", text)
    found = []
    for token in LIVE_TOKENS:
        start = 0
        while (i := text.find(token, start)) >= 0:
            if _unescaped_at(text, i):
                found.append(token)
            start = i + 1
    return found


def unescape(text: str) -> str:
    """What the reader sees: code spans verbatim, elsewhere markdown backslash escapes removed."""
    spans: list[str] = []

    def keep(m: re.Match) -> str:
        body = m.group(2)
        spans.append(body[1:-1] if len(body) > 2 and body[0] == body[-1] == " " else body)
        return f"\x00{len(spans) - 1}\x00"

    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", _CODE_SPAN.sub(keep, text))
    return re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], text)


def assert_shown_as_text(at: Any, *, expect: tuple[str, ...] = PAYLOADS) -> list[str]:
    """No element renders a payload as markup, and each payload in ``expect`` is visible as text somewhere."""
    texts = page_texts(at)
    live = [(kind, text, live_markup(text)) for kind, text in texts if live_markup(text)]
    assert not live, f"user text rendered as markdown: {live}"
    shown = [unescape(text) for _, text in texts]
    for payload in expect:
        assert any(payload in s for s in shown), f"{payload!r} is not shown anywhere on the page"
    return shown


def counts(engine: Engine) -> tuple[int, int, int, int]:
    """(uploads, result rows, probe reports, shared reports) stored."""
    s = database_state(engine)
    return s.uploads, s.measurements, s.probe_reports, s.shared_reports
