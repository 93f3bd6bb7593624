"""``python -m ui [streamlit options]``: warm the heavy imports and data, then serve app.py.

Streamlit runs page scripts inside the server process, so modules imported and catalogs loaded
here are already in memory when the first visitor arrives instead of being paid for by the first
request (bench/RESULTS.md: first Advise render 1.94 s after start with the warm-up, 3.5 s without).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def warm_up() -> float:
    start = time.perf_counter()
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401

    import advisor.recommend  # noqa: F401
    import measurements.service  # noqa: F401
    import probes.store  # noqa: F401
    import reports.figures  # noqa: F401
    import reports.snapshot  # noqa: F401
    from advisor.formats import default_formats
    from advisor.models import default_models
    from hardware_db.catalog import default_catalog

    default_catalog()
    default_models()
    default_formats()
    return time.perf_counter() - start


def main() -> None:
    seconds = warm_up()
    print(f"format-advisor: warmed imports and catalog in {seconds:.2f} s", flush=True)
    from streamlit.web import cli

    app = str(Path(__file__).resolve().parent.parent / "app.py")
    sys.argv = ["streamlit", "run", app, *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
