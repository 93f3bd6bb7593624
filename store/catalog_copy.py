"""Copy the curated catalog into the database when its version changed (and only then)."""

from __future__ import annotations

from sqlalchemy import Engine, delete, inspect, select

from hardware_db.catalog import Catalog, default_catalog
from hardware_db.schema import SCHEMA_VERSION, SUPPORT_KEYS
from store.catalog_tables import CatalogBase, CatalogEnginePath, CatalogMeta, CatalogSku, CatalogSupport
from store.db import session_factory


def stored_catalog_version(engine: Engine) -> str | None:
    """The catalog version the database holds; None before the first ``sync_catalog`` (a read never creates tables)."""
    if not inspect(engine).has_table(CatalogMeta.__tablename__):
        return None
    with session_factory(engine)() as session:
        row = session.get(CatalogMeta, "catalog_version")
        return row.value if row else None


def sync_catalog(engine: Engine, catalog: Catalog | None = None) -> bool:
    """Rebuild the catalog tables if the stored version differs. Returns True when rebuilt."""
    catalog = catalog or default_catalog()
    with engine.begin() as conn:
        meta_schema = None
        if conn.dialect.has_table(conn, "catalog_meta"):
            meta_schema = conn.execute(
                select(CatalogMeta.value).where(CatalogMeta.key == "schema_version")
            ).scalar_one_or_none()
        if meta_schema is not None and meta_schema != str(SCHEMA_VERSION):
            CatalogBase.metadata.drop_all(conn)
        CatalogBase.metadata.create_all(conn, checkfirst=True)
    with session_factory(engine)() as session, session.begin():
        current = session.get(CatalogMeta, "catalog_version", with_for_update=True)
        if current is not None and current.value == catalog.version:
            return False
        session.expunge_all()
        for table in (CatalogSupport, CatalogEnginePath, CatalogSku, CatalogMeta):
            session.execute(delete(table))
        for sku in catalog.skus.values():
            arch = catalog.architectures[sku.architecture]
            session.add(
                CatalogSku(
                    id=sku.id,
                    name=sku.name,
                    vendor=sku.vendor,
                    architecture=sku.architecture,
                    kind=arch.kind.value,
                    segment=sku.segment.value,
                    compute_capability=catalog.compute_capability(sku.id),
                    memory_gb=sku.memory_gb,
                    memory_bandwidth_gbps=sku.memory_bandwidth_gbps,
                    release_year=sku.release_year,
                    data=sku.model_dump(mode="json"),
                )
            )
            for key in SUPPORT_KEYS:
                claim = catalog.support(sku.id, key)
                if claim is not None:
                    session.add(
                        CatalogSupport(
                            sku_id=sku.id,
                            key=key,
                            level=claim.level.value,
                            encoding=claim.encoding.value if claim.encoding else None,
                            source=claim.source,
                            checked=claim.checked,
                        )
                    )
        for engine_rec in catalog.engines.values():
            for path in engine_rec.paths:
                for arch_id in path.architectures:
                    session.add(
                        CatalogEnginePath(
                            engine=engine_rec.id,
                            format=path.format,
                            architecture=arch_id,
                            level=path.level.value,
                            kernel=path.kernel,
                            min_version=path.min_version,
                            max_version=path.max_version,
                            source=path.source,
                        )
                    )
        session.add(CatalogMeta(key="catalog_version", value=catalog.version))
        session.add(CatalogMeta(key="schema_version", value=str(SCHEMA_VERSION)))
    return True
