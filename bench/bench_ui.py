"""UI speed: first page render after the server is up, and an Advise update server-side.

    .venv/bin/python bench/bench_ui.py [--visits 5] [--updates 20]

1. First render: `make run`'s server is started (tests/ui/server.py) and waited for until its
   health check answers; then a fresh browser context opens the Advise page and the clock stops
   when the ranking table and its headline are visible. The first visit after start is reported
   separately. Baseline in the same run: the About page (tiny script, same framework cost).
2. Advise update, server-side: streamlit's AppTest runs the real app script in-process; after a
   warm-up, one input (batch) is changed and the rerun timed. Baseline in the same run: a rerun
   of a one-line Streamlit script (the framework's own cost per rerun).
3. Page render (issue 17), ``--pages``: every page at its own path and a shared report, each in a fresh
   browser context; the clock runs from ``goto`` to the page's first contentful main content (its title plus the
   element that carries its content: the verdict and ranking on Advise and on the report, the catalog table on
   Hardware, the uploader on Benchmarks, ...), read in the page's own clock by a MutationObserver (from
   navigation start to the frame that paints them). One warm-up visit per page is dropped. Goal: <= 1.5 s per
   page. The goto-to-``expect`` wall clock of earlier runs is printed too, as "(Playwright poll)".
Prints a markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from load_advise import percentile  # noqa: E402


def first_render(visits: int) -> dict[str, list[float]]:
    from playwright.sync_api import expect, sync_playwright

    from tests.ui.server import CHROMIUM_FLAGS, chromium_path, running_app

    out: dict[str, list[float]] = {"advise_first": [], "advise": [], "about": []}
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_app(f"sqlite:///{tmp}/bench.db") as base,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        for i in range(visits + 1):
            for path, key in (("", "advise"), ("/about", "about")):
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = ctx.new_page()
                start = time.perf_counter()
                page.goto(base + path, wait_until="commit")
                if key == "advise":
                    expect(page.get_by_text("Best for this workload")).to_be_visible(timeout=60_000)
                    expect(page.locator(RANKING).first).to_be_visible(timeout=60_000)
                else:
                    expect(page.get_by_text("Catalog version")).to_be_visible(timeout=60_000)
                elapsed = time.perf_counter() - start
                out["advise_first" if (key == "advise" and i == 0) else key].append(elapsed)
                ctx.close()
        browser.close()
    return out


#: The ranking on Advise and on the shared report: a markdown table (ui/ranking.py).
RANKING = "[data-testid=stMarkdown] table"
#: path -> (title, selector of the main content that must be visible)
PAGES = {
    "/advise": ("Advise", RANKING),
    "/hardware": ("Hardware catalog", "[data-testid=stMarkdown] table"),  # the catalog
    "/probe": ("Probe", "[data-testid=stButton]"),
    "/benchmarks": ("Benchmarks", "[data-testid=stFileUploader]"),
    "/reports": ("Reports", "[data-testid=stTextInput]"),
    "/about": ("Format Advisor", "[data-testid=stMetric]"),
}


#: Runs in every page before its own scripts: the first moment (the page's clock, ms from navigation start)
#: when the title, the verdict where there is one, and the main element are all in the DOM and visible, taken in
#: the next animation frame (the frame that paints them). Playwright's ``expect`` polls at 100, 250, 500 and
#: 1000 ms intervals, so a goto-to-expect wall clock overstates a render by up to a poll interval and clusters
#: around those steps; this observer does not.
_RENDER_PROBE = """
(() => {
  const want = %s;
  const visible = el => el && el.getBoundingClientRect().height > 0;
  const ready = () => {
    const main = document.querySelector('[data-testid=stMain]');
    if (!main) return false;
    const heads = [...main.querySelectorAll('h1, h2, h3')].map(h => h.textContent.trim());
    if (want.title && !heads.some(t => t === want.title)) return false;
    if (want.text && !main.textContent.includes(want.text)) return false;
    return visible(main.querySelector(want.selector));
  };
  let done = false;
  const check = () => {
    if (done || !ready()) return;
    done = true;
    requestAnimationFrame(() => { window.__rendered_ms = performance.now(); });
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true, attributes: true});
})();
"""


def page_renders(visits: int, only: list[str] | None = None) -> dict[str, list[float]]:
    """Seconds from navigation start to first contentful main content, per page, in the page's own clock (see
    the module docstring, part 3, and ``_RENDER_PROBE``); ``<page> (Playwright poll)`` keys hold the
    goto-to-expect wall clock of the same visits, the way earlier runs measured."""
    import json

    from playwright.sync_api import expect, sync_playwright

    from tests.ui.server import CHROMIUM_FLAGS, chromium_path, running_app

    out: dict[str, list[float]] = {}
    polled: dict[str, list[float]] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_app(f"sqlite:///{tmp}/bench-pages.db") as base,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        report_url = _share_once(browser, base)
        pages = {**PAGES, report_url.removeprefix(base): ("__report__", RANKING)}
        if only:  # always with the About page: the framework's floor in the same run
            pages = {
                p: v
                for p, v in pages.items()
                if p in only or p == "/about" or (v[0] == "__report__" and "report" in only)
            }
        for i in range(visits + 1):
            for path, (title, selector) in pages.items():
                verdict = "Best for this workload" if title == "__report__" or path == "/advise" else ""
                want = {"title": "" if title == "__report__" else title, "text": verdict, "selector": selector}
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                ctx.add_init_script(_RENDER_PROBE % json.dumps(want))
                page = ctx.new_page()
                start = time.perf_counter()
                page.goto(base + path, wait_until="commit")
                if verdict:
                    expect(page.get_by_text(verdict)).to_be_visible(timeout=60_000)
                if want["title"]:
                    expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible(timeout=60_000)
                expect(page.locator(selector).first).to_be_visible(timeout=60_000)
                elapsed = time.perf_counter() - start
                page.wait_for_function("() => window.__rendered_ms !== undefined", timeout=60_000)
                rendered = page.evaluate("window.__rendered_ms") / 1000
                if i:  # the first round warms the server's caches
                    key = "shared report" if title == "__report__" else path
                    out.setdefault(key, []).append(rendered)
                    polled.setdefault(key, []).append(elapsed)
                ctx.close()
        browser.close()
    return {**out, **{f"{k} (Playwright poll)": v for k, v in polled.items()}}


def _share_once(browser, base: str) -> str:
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1400, "height": 1400}).new_page()
    page.goto(base + "/advise", wait_until="domcontentloaded")
    expect(page.get_by_text("Best for this workload")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Share").click()
    code = page.get_by_test_id("stCode").filter(has_text="?report=").first
    expect(code).to_be_visible(timeout=60_000)
    url = code.inner_text().strip()
    page.context.close()
    return url


def print_pages(res: dict[str, list[float]], visits: int) -> None:
    print(f"Command: `.venv/bin/python bench/bench_ui.py --pages --visits {visits}`\n")
    print("| page | n | median s | p95 s | max s | goal <= 1.5 s |")
    print("|---|---:|---:|---:|---:|---|")
    for key, v in res.items():
        ok = "-" if key.endswith("(Playwright poll)") else "yes" if statistics.median(v) <= 1.5 else "**no**"
        print(f"| {key} | {len(v)} | {statistics.median(v):.3f} | {percentile(v, 0.95):.3f} | {max(v):.3f} | {ok} |")


def advise_update(updates: int) -> dict[str, list[float]]:
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench-apptest.db"
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
        at.query_params["hw"] = "h100_sxm5_80gb"
        at.query_params["model"] = "llama-3.1-70b"
        at.query_params["gpus"] = "2"
        at.run()
        assert not at.exception, at.exception
        advise: list[float] = []
        for i in range(updates):
            at.number_input(key="a_batch").set_value(1 + (i % 8) * 16)
            start = time.perf_counter()
            at.run()
            advise.append(time.perf_counter() - start)
            assert not at.exception
        trivial = AppTest.from_string("import streamlit as st\nst.number_input('x', key='x')\nst.write('hi')")
        trivial.run()
        base: list[float] = []
        for i in range(updates):
            trivial.number_input(key="x").set_value(float(i + 1))
            start = time.perf_counter()
            trivial.run()
            base.append(time.perf_counter() - start)
    return {"advise_update": advise, "trivial_update": base}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--visits", type=int, default=5)
    ap.add_argument("--updates", type=int, default=20)
    ap.add_argument("--pages", action="store_true", help="only part 3: render time of every page (issue 17)")
    ap.add_argument("--only", nargs="*", help="with --pages: these paths (e.g. /hardware, or 'report'), plus /about")
    args = ap.parse_args()
    if args.pages:
        print_pages(page_renders(args.visits, args.only), args.visits)
        return
    upd = advise_update(args.updates)
    ren = first_render(args.visits)
    print(f"Command: `.venv/bin/python bench/bench_ui.py --visits {args.visits} --updates {args.updates}`\n")
    print("| measurement | n | median s | p95 s | max s | baseline (same run) | ratio of medians |")
    print("|---|---:|---:|---:|---:|---|---:|")
    a, t = upd["advise_update"], upd["trivial_update"]
    print(
        f"| Advise update, server-side (AppTest rerun after changing batch) | {len(a)} | {statistics.median(a):.3f} | "
        f"{percentile(a, 0.95):.3f} | {max(a):.3f} | one-line script rerun, median {statistics.median(t):.3f} s | "
        f"{statistics.median(a) / statistics.median(t):.1f}x |"
    )
    about = statistics.median(ren["about"])
    for key, label in (("advise_first", "first visit after server start"), ("advise", "later visits")):
        v = ren[key]
        print(
            f"| Advise first render in Chromium, {label} (goto -> ranking visible) | {len(v)} | "
            f"{statistics.median(v):.3f} | {percentile(v, 0.95):.3f} | {max(v):.3f} | About page render, median "
            f"{about:.3f} s | {statistics.median(v) / about:.2f}x |"
        )


if __name__ == "__main__":
    main()
