"""The main journey in a real browser (Debian's Chromium via Playwright) against `make run`'s server:
advise on H100 -> switch to A100 -> upload a llama-bench file -> share -> open the link fresh."""

from __future__ import annotations

import re

import pytest

from hardware_db.catalog import default_catalog
from tests.conftest import REPO, SHARED_FIXTURES
from tests.ui.server import CHROMIUM_FLAGS, TABLE_JS, TABLES, chromium_path, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = REPO / "test-artifacts"
TIMEOUT_MS = 60_000
FP8 = "FP8 W8A8 (per-tensor)"


def _set_number(page, label: str, value: int) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Enter")


def _choose(page, label: str, option: str) -> None:
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)  # the option list is virtualized: filter it first
    page.get_by_role("option", name=option, exact=True).click()


def _wait_idle(page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=TIMEOUT_MS)


def test_main_journey(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    chromium = chromium_path()
    ARTIFACTS.mkdir(exist_ok=True)
    with running_app(f"sqlite:///{tmp_path / 'journey.db'}") as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1500, "height": 2200}).new_page()
            page.goto(base, wait_until="domcontentloaded")
            expect(page.get_by_text("Best for this workload")).to_be_visible(timeout=TIMEOUT_MS)

            # 1. H100 SXM + Llama-3.1-70B, batch 64 (on 2 GPUs: 70B in FP8 plus the KV cache of 64
            #    sequences does not fit one 80 GB card) -> FP8 W8A8 is ranked, native.
            _choose(page, "Accelerator", "NVIDIA H100 SXM5 80GB")
            _choose(page, "Model", "Llama 3.1 70B")
            _set_number(page, "GPUs (tensor parallel)", 2)
            _set_number(page, "Batch / concurrency (0 = profile default)", 64)
            expect(page).to_have_url(re.compile(r"batch=64"), timeout=TIMEOUT_MS)
            expect(page.get_by_text("Llama 3.1 70B on 2x NVIDIA H100 SXM5 80GB")).to_be_visible(timeout=TIMEOUT_MS)
            _wait_idle(page)
            grid = page.locator(TABLES).first
            expect(grid).to_be_visible(timeout=TIMEOUT_MS)
            page.screenshot(path=str(ARTIFACTS / "journey-1-h100.png"), full_page=True)
            rows = _rows_until(page, lambda rows: any(r["format"] == FP8 for r in rows))
            fp8 = [r for r in rows if r["format"] == FP8]
            assert fp8 and fp8[0]["support"] == "native", rows[:5]
            assert fp8[0]["rank"] <= 3

            # 2. Switch to A100: the same FP8 checkpoint is weight-only, with the reason.
            _choose(page, "Accelerator", "NVIDIA A100 SXM4 80GB")
            expect(page.get_by_text("Llama 3.1 70B on 2x NVIDIA A100 SXM4 80GB")).to_be_visible(timeout=TIMEOUT_MS)
            expect(page).to_have_url(re.compile(r"hw=a100_sxm4_80gb"), timeout=TIMEOUT_MS)
            _wait_idle(page)
            # FP8 is not among the top rows on A100: the user opens the grid of every ranked format
            page.get_by_text(re.compile(r"^All \d+ formats, all \d+ columns")).click()
            _wait_idle(page)
            rows = _rows_until(
                page, lambda rows: any(r["format"] == FP8 and r["support"] == "weight-only" for r in rows), full=True
            )
            assert [r["support"] for r in rows if r["format"] == FP8] == ["weight-only"], rows
            page.get_by_text("Why each format ranks where it does").click()
            why = page.locator("[data-testid=stExpander]").filter(has_text="Why each format ranks")
            expect(
                why.get_by_text(re.compile(r"FP8 W8A8 \(per-tensor\).*(not native|weight-only|Marlin)")).first
            ).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "journey-2-a100.png"), full_page=True)

            # 3. Upload the llama-bench fixture on the Benchmarks page and see its rows.
            page.get_by_role("link", name="Benchmarks").click()
            fixture = SHARED_FIXTURES / "llama-bench" / "rtx4080_b5163.csv"
            page.locator("input[type=file]").first.set_input_files(str(fixture))
            page.get_by_role("button", name="Import").click()
            expect(page.get_by_text("rtx4080_b5163.csv: imported 2 measurement(s)")).to_be_visible(timeout=TIMEOUT_MS)
            imported = _poll(lambda: _find_table(page, "Row", "Metric", "Value"))
            by_metric = {r["Metric"]: r for r in imported}
            assert by_metric["prefill_tok_s"]["Hardware"] == "rtx_4080"
            assert float(by_metric["prefill_tok_s"]["Value"]) == pytest.approx(7285.6769, rel=1e-6)
            assert float(by_metric["decode_tok_s"]["Value"]) == pytest.approx(119.9152, rel=1e-6)
            page.screenshot(path=str(ARTIFACTS / "journey-3-benchmarks.png"), full_page=True)

            # 4. Share from Advise and open the link in a fresh browser context.
            page.get_by_role("link", name="Advise").click()
            expect(page.get_by_text("Best for this workload")).to_be_visible(timeout=TIMEOUT_MS)
            _wait_idle(page)
            shared_rows = _ranking_rows(page)
            page.get_by_role("button", name="Share").click()
            link = page.get_by_role("link", name=re.compile(r"\?report="))
            expect(link).to_be_visible(timeout=TIMEOUT_MS)
            report_url = link.get_attribute("href")
            assert report_url.startswith(base + "/?report="), report_url  # the full link, not ?report=...

            fresh = browser.new_context(viewport={"width": 1500, "height": 1100}).new_page()
            fresh.goto(report_url, wait_until="domcontentloaded")
            expect(fresh.get_by_text("Read-only snapshot")).to_be_visible(timeout=TIMEOUT_MS)
            expect(fresh.get_by_text(default_catalog().version).first).to_be_visible()
            expect(fresh.locator(TABLES).first).to_be_visible(timeout=TIMEOUT_MS)
            fresh.screenshot(path=str(ARTIFACTS / "journey-4-shared-report.png"), full_page=True)
            report_rows = _ranking_rows(fresh)
            assert [r["format"] for r in report_rows][: len(shared_rows)] == [r["format"] for r in shared_rows]
            assert fresh.get_by_role("spinbutton").count() == 0  # read-only: no inputs
        except Exception:
            for i, ctx in enumerate(browser.contexts):
                for j, pg in enumerate(ctx.pages):
                    pg.screenshot(path=str(ARTIFACTS / f"journey-failure-{i}-{j}.png"), full_page=True)
            raise
        finally:
            browser.close()


def _table_rows(page, index: int) -> list[dict]:
    """Read a table: a markdown table, or a Streamlit dataframe through its CSV-less DOM (the glide grid exposes
    its cells as a table)."""
    grid = page.locator(TABLES).nth(index)
    return grid.evaluate(
        """g => {
            const t = """
        + TABLE_JS
        + """;
            if (!t) return [];
            const head = [...t.querySelectorAll('thead th')].map(c => c.innerText.trim());
            return [...t.querySelectorAll('tbody tr')].map(r => {
                const o = {}; [...r.querySelectorAll('td')].forEach((c, i) => o[head[i + (head.length - r.querySelectorAll('td').length)]] = c.innerText.trim());
                return o;
            });
        }"""
    )


def _rows_until(page, ready, timeout_s: float = 60, full: bool = False) -> list[dict]:
    """Re-read the ranking until ``ready(rows)``: a rerun replaces the table a moment after inputs change."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            rows = _ranking_rows(page, full)
        except StopIteration:  # the grid is not drawn yet
            rows = []
        if ready(rows) or time.monotonic() > deadline:
            return rows
        page.wait_for_timeout(250)


def _poll(fetch, timeout_s: float = 60):
    """Call ``fetch`` until it returns something truthy: Streamlit fills tables a moment after a rerun."""
    import time

    deadline = time.monotonic() + timeout_s
    while not (result := fetch()) and time.monotonic() < deadline:
        time.sleep(0.25)
    return result


def _find_table(page, *columns: str) -> list[dict]:
    for i in range(page.locator(TABLES).count()):
        rows = _table_rows(page, i)
        if rows and all(c in rows[0] for c in columns):
            return rows
    return []


#: The ranking's human headers (reports.display.RANKING_COLUMNS) -> the short names this test reads.
SHORT = {"Rank": "rank", "Format": "format", "Runs natively?": "support"}


def _ranking_rows(page, full: bool = False) -> list[dict]:
    """The ranking's plain table (its top rows), or with ``full`` the grid of every ranked format (the
    "All ... formats" expander must be open)."""
    if full:
        grids = page.locator(TABLES)
        index = next(i for i in range(grids.count()) if grids.nth(i).get_attribute("data-testid") == "stDataFrame")
    rows = [{SHORT.get(k, k): v for k, v in r.items()} for r in _table_rows(page, index if full else 0)]
    for r in rows:
        if "rank" in r:
            r["rank"] = int(r["rank"])
    return rows
