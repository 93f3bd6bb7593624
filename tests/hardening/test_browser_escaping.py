"""A script payload in an uploaded file's names is shown as text in a real browser, never run.

The real server (``make run`` via tests/ui/server.py) and Debian's Chromium: a generic CSV whose model and
hardware are ``<script>`` / ``<img onerror>`` payloads, under a file name that is a payload too, is uploaded
through the Benchmarks page. The result message shows the file name as text, the Model filter lists the
model name as text, no payload ever sets ``window.__xss``, and no ``<img src=x>`` element exists. The HTML
export of a report carrying the same names is then opened in the same browser: text again, nothing runs.
"""

from __future__ import annotations

import pytest

from tests.ui.server import CHROMIUM_FLAGS, chromium_path, running_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]
TIMEOUT_MS = 60_000
SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
FILE_NAME = "<img src=x onerror=window.__xss=3>.csv"


def test_script_payloads_from_an_upload_are_text_in_the_browser(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    body = (
        "hardware,model,format,engine,decode_tok_s,notes\n"
        f'"{IMG.replace(chr(34), chr(34) * 2)}","{SCRIPT}",bf16,vllm,50,"{SCRIPT}"\n'
    ).encode()
    url = f"sqlite:///{tmp_path / 'app.db'}"
    with running_app(url) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(base + "/benchmarks", wait_until="domcontentloaded")
            expect(page.get_by_text("Up to 20 MB per file")).to_be_visible(timeout=TIMEOUT_MS)
            page.locator("input[type=file]").first.set_input_files(
                files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": body}]
            )
            page.get_by_role("button", name="Import").click()
            expect(page.get_by_text("imported 1 measurement(s)", exact=False).first).to_be_visible(timeout=TIMEOUT_MS)
            expect(page.get_by_text(FILE_NAME, exact=False).first).to_be_visible(timeout=TIMEOUT_MS)

            # The page may rerun once more after the import (and close an open list): open the Model
            # filter again until its list shows, then check the payload is listed as text.
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=TIMEOUT_MS
            )
            model_filter = page.get_by_role("combobox", name="Model", exact=True)
            option = page.get_by_role("option", name=SCRIPT)
            for _ in range(10):
                model_filter.click()
                try:
                    expect(option).to_be_visible(timeout=5_000)
                    break
                except AssertionError:
                    page.keyboard.press("Escape")
            expect(option).to_be_visible(timeout=TIMEOUT_MS)
            page.keyboard.press("Escape")

            assert page.evaluate("window.__xss") is None
            assert page.locator('img[src="x"]').count() == 0
            assert page.locator("script", has_text="__xss").count() == 0

            from reports.export import to_html

            report = {
                "id": "A" * 32,
                "title": SCRIPT,
                "created_at": "2026-12-06T00:00:00",
                "catalog_version": "v",
                "snapshot": {
                    "inputs": {"hardware_name": IMG},
                    "evidence": [{"format": SCRIPT, "engine": "vllm", "source": FILE_NAME}],
                },
            }
            export = browser.new_context().new_page()
            export.set_content(to_html(report))
            expect(export.get_by_role("heading", name=SCRIPT)).to_be_visible(timeout=TIMEOUT_MS)
            for shown in (IMG, FILE_NAME):
                expect(export.get_by_text(shown).first).to_be_visible(timeout=TIMEOUT_MS)
            assert export.evaluate("window.__xss") is None
            assert export.locator('img[src="x"]').count() == 0
            assert dialogs == []
        finally:
            browser.close()
