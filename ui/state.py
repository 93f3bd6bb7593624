"""Session-state keys shared by more than one page (pages never import each other), and the Advise inputs that
outlive a visit to another page.

Streamlit drops a widget's state when a run does not draw it (any other page), so the Advise page keeps a plain
copy of its inputs under ``ADVISE_VALUES_KEY`` after every run and reseeds its widgets from it on return; a new
session (a typed, bookmarked or shared URL) seeds them from the query parameters instead.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

#: The stored probe report picked on the Probe page, preselected as hardware on the Advise page.
SESSION_HARDWARE_KEY = "hardware_probe_id"
#: The Advise inputs of the last run (parameter name -> value), kept across pages.
ADVISE_VALUES_KEY = "advise_values"
#: url_path of every page (the router's list; a public base URL strips these off).
PAGE_PATHS = ("advise", "hardware", "probe", "benchmarks", "reports", "about")
#: Environment variable with the public base URL of the app (a team server behind a proxy).
PUBLIC_URL_ENV = "FORMAT_ADVISOR_PUBLIC_URL"


def restore_widgets(
    state: MutableMapping[str, Any], saved: Mapping[str, Any], prefix: str = "a_", skip: tuple[str, ...] = ()
) -> list[str]:
    """Put each saved value back under its widget key where the widget's own state is gone; the keys restored."""
    restored = []
    for name, value in saved.items():
        key = prefix + name
        if name in skip or key in state or value is None:
            continue
        state[key] = value
        restored.append(key)
    return restored


def public_base_url(configured: str | None, browser_url: str | None, page_paths: tuple[str, ...]) -> str:
    """The app's base URL for links people paste elsewhere: the configured one if set, else the browser's URL
    without the page path; "" when neither is known."""
    base = (configured or "").strip()
    if not base:
        from urllib.parse import urlsplit, urlunsplit

        if not browser_url:
            return ""
        parts = urlsplit(browser_url)
        segments = [s for s in parts.path.split("/") if s]
        if segments and segments[-1] in page_paths:
            segments.pop()
        path = "/" + "/".join(segments) if segments else ""
        base = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return base.rstrip("/")


def report_link(base: str, report_id: str) -> str:
    return f"{base}/?report={report_id}" if base else f"?report={report_id}"
