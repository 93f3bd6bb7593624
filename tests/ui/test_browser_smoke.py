"""A real browser against the real server started by `make run`'s command."""

from __future__ import annotations

import pytest

from hardware_db.catalog import default_catalog
from tests.conftest import REPO
from tests.ui.server import CHROMIUM_FLAGS, chromium_path, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = REPO / "test-artifacts"


def test_served_page_shows_catalog_version(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    chromium = chromium_path()
    ARTIFACTS.mkdir(exist_ok=True)
    with running_app(f"sqlite:///{tmp_path / 'served.db'}") as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(base + "/about", wait_until="domcontentloaded")
            expect(page.get_by_text(default_catalog().version).first).to_be_visible(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
        finally:
            browser.close()
