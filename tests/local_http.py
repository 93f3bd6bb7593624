"""A throw-away HTTP server on a loopback address for tests (a stand-in for the Hugging Face Hub or any other
host), stopped when the ``with`` block ends."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def serve(host: str, handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on ``host`` (127.0.0.x) and a free port; yield the base URL."""
    srv = http.server.ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()
