"""A file over the upload caps never reaches the importer through the real server and browser.

Streamlit enforces ``server.maxUploadSize`` (.streamlit/config.toml: 25 MB) on the HTTP upload
endpoint and the Benchmarks widget sets its own 20 MB cap, which the browser checks before sending.
Here a 26 MB file is chosen in the Benchmarks page's file input in Debian's Chromium: no upload
request carries it to the server (or the server answers 413), the page says the file is too large,
and nothing is stored.
"""

from __future__ import annotations

import pytest

from store.db import create_db_engine
from tests.hardening.helpers import counts
from tests.ui.server import CHROMIUM_FLAGS, chromium_path, running_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]
TIMEOUT_MS = 60_000


def test_a_file_over_the_caps_is_refused_before_the_importer(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    big = tmp_path / "big.csv"
    with big.open("wb") as f:
        f.write(b"hardware,model,decode_tok_s\n")
        f.write(b"h100_sxm5_80gb,llama-3.1-8b,100\n" * (26 * 1024 * 1024 // 32))
    assert big.stat().st_size > 26 * 1000 * 1000
    url = f"sqlite:///{tmp_path / 'app.db'}"
    uploads: list[tuple[str, int | None]] = []
    with running_app(url) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1400}).new_page()

            def record(response) -> None:
                if "/_stcore/upload_file" in response.url and response.request.method == "PUT":
                    uploads.append((response.url, response.status))

            page.on("response", record)
            page.goto(base + "/benchmarks", wait_until="domcontentloaded")
            expect(page.get_by_text("Up to 20 MB per file")).to_be_visible(timeout=TIMEOUT_MS)
            page.locator("input[type=file]").first.set_input_files(str(big))
            expect(page.get_by_text("File must be 20.0MB or smaller", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
            page.get_by_role("button", name="Import").click()
            expect(page.get_by_text("Choose a file first.")).to_be_visible(timeout=TIMEOUT_MS)

            # The server's own cap, without the browser's check: replay the widget's upload request
            # (same session, XSRF header and cookie) with a 26 MB body -> 413 before the importer.
            small = tmp_path / "small.csv"
            small.write_bytes(b"hardware,model,decode_tok_s\nh100_sxm5_80gb,llama-3.1-8b,100\n")
            with page.expect_request(lambda r: "/_stcore/upload_file" in r.url and r.method == "PUT") as req:
                page.locator("input[type=file]").first.set_input_files(str(small))
            sent = req.value
            headers = {k: v for k, v in sent.headers.items() if k.lower() in ("x-xsrftoken", "cookie")}
            refused = page.request.put(
                sent.url,
                headers=headers,
                multipart={"file": {"name": "big.csv", "mimeType": "text/csv", "buffer": big.read_bytes()}},
                timeout=TIMEOUT_MS,
            )
            server_status = refused.status
            control = page.request.put(  # the same replay with a small body is accepted: 413 is the size
                sent.url,
                headers=headers,
                multipart={"file": {"name": "small.csv", "mimeType": "text/csv", "buffer": small.read_bytes()}},
                timeout=TIMEOUT_MS,
            )
            control_status = control.status
        finally:
            browser.close()
        engine = create_db_engine(url)
        assert counts(engine)[:2] == (0, 0)
        engine.dispose()
    assert (server_status, control_status) == (413, 204)
    big_puts = [u for u in uploads if u[1] != 204 and u[1] != 200]
    assert all(status == 413 for _, status in big_puts), uploads  # nothing over the cap was accepted
