"""``python -m store upgrade`` migrates the configured database and refreshes the catalog copy;
``python -m store status`` prints what it holds. Errors print one line and exit 2."""

from __future__ import annotations

import argparse
import sys

from hardware_db.catalog import CatalogError
from store.db import DatabaseUnavailable, create_db_engine, database_url, redact
from store.migrate import database_state, prepare_database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m store", description=__doc__)
    parser.add_argument("command", choices=["upgrade", "status"])
    args = parser.parse_args(argv)
    try:
        engine = create_db_engine()
        if args.command == "upgrade":
            applied, rebuilt = prepare_database(engine)
            print(
                f"database {redact(database_url())}: "
                + (f"applied migrations {', '.join(applied)}" if applied else "schema up to date")
                + ("; catalog rebuilt" if rebuilt else "; catalog up to date")
            )
        state = database_state(engine)
        print(
            f"revision {state.revision}, catalog {state.catalog_version}, {state.uploads} uploads, "
            f"{state.measurements} measurements, {state.probe_reports} probe reports, {state.shared_reports} shared reports"
        )
    except DatabaseUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CatalogError as exc:
        print(f"error: catalog data file problem: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
