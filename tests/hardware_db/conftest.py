"""Fixtures for hardware_db tests: the small fixture catalog and the shared recorded probe outputs."""

from __future__ import annotations

import pytest

from hardware_db.catalog import Catalog, load_catalog
from tests.hardware_db._paths import FIXTURE_CATALOG


@pytest.fixture(scope="session")
def fixture_catalog() -> Catalog:
    return load_catalog(FIXTURE_CATALOG, version_roots=(FIXTURE_CATALOG,))
