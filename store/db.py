"""One place that knows where the database is and how to open it.

``DATABASE_URL`` selects the database (PostgreSQL in production or CI); without it the app
uses an embedded SQLite file under ``data/`` in WAL mode with a busy timeout.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = ROOT / "data" / "format_advisor.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseUnavailable(RuntimeError):
    """The configured database can't be used; the message says which and why, without secrets."""


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    return url or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _normalise(url: str) -> str:
    # Accept the URLs PostgreSQL tools print (postgresql://, postgres://) and use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def create_db_engine(url: str | None = None) -> Engine:
    """Build an engine for ``url`` (default: ``database_url()``) and check that it answers."""
    raw = url or database_url()
    url_text = _normalise(raw)
    try:
        parsed = make_url(url_text)
    except ArgumentError as exc:
        raise DatabaseUnavailable(
            f"DATABASE_URL is not a database URL ({redact(raw)}): expected e.g. "
            "postgresql://user:pass@host:5432/dbname or sqlite:///path/to/file.db"
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUnavailable(f"DATABASE_URL uses {backend!r}; supported are postgresql and sqlite")
    try:
        if backend == "sqlite":
            db_path = parsed.database
            if db_path and db_path != ":memory:" and not db_path.startswith("file:"):
                try:
                    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    parent = Path(db_path).parent
                    why = "a file has that name" if parent.is_file() else (exc.strerror or str(exc))
                    raise DatabaseUnavailable(
                        f"cannot create the folder {parent} for the SQLite database: {why}"
                    ) from exc
            engine = create_engine(
                url_text, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
            )
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(
                url_text, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args={"connect_timeout": 5}
            )
    except (NoSuchModuleError, ArgumentError) as exc:
        raise DatabaseUnavailable(f"cannot use DATABASE_URL {redact(raw)}: {exc}") from exc
    check_connection(engine)
    return engine


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"cannot reach the database at {redact(engine.url.render_as_string(hide_password=False))}: {reason}"
        ) from exc
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"database error at {redact(str(engine.url))}: {exc}") from exc


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return create_db_engine(url)


def get_engine(url: str | None = None) -> Engine:
    """Process-wide engine for ``url`` (default: the configured one)."""
    return _engine_for(url or database_url())


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """One explicit transaction: commit on success, roll back on any error."""
    factory = session_factory(engine or get_engine())
    with factory() as session, session.begin():
        yield session
