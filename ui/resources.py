"""Shared, cached, read-only things every page needs: the database engine and the catalog.

A database that can't be reached gives one clear error on the page and stops the script
(never a traceback); the next request tries again, so a restarted PostgreSQL is picked up.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from advisor.context import Context, default_context
from advisor.formats import FormatError
from advisor.models import ModelCatalogError
from hardware_db.catalog import Catalog, CatalogError
from store.db import DatabaseUnavailable, check_connection, create_db_engine, database_url, redact
from store.migrate import prepare_database


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    engine = create_db_engine(url)
    prepare_database(engine)
    return engine


def db_engine() -> Engine:
    """The app's engine, migrated; shows an error and stops the page when the database is down."""
    url = database_url()
    try:
        engine = _engine(url)
        check_connection(engine)
        return engine
    except DatabaseUnavailable as exc:
        _engine.clear()
        st.error(f"The database is not available, so nothing can be read or stored right now.\n\n{exc}")
        st.caption(f"Configured with DATABASE_URL = {redact(url)}. Fix it or start the database, then reload.")
        st.stop()
        raise  # unreachable: st.stop() raises


def context() -> Context:
    """The engine's data (catalog, formats, models), loaded once per process by ``advisor.context``."""
    try:
        return default_context()
    except (CatalogError, FormatError, ModelCatalogError) as exc:
        st.error(f"The catalog's data files are invalid: {exc}")
        st.stop()
        raise


def catalog() -> Catalog:
    cat = context().catalog
    assert cat is not None  # the shipped context always has the hardware catalog
    return cat
