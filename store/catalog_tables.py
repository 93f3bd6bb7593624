"""SQLAlchemy tables holding a copy of the curated catalog, rebuilt whenever the data files change.

These tables are derived data: the TOML files are the truth. They let SQL users and the app's
status page see what catalog version the database holds. User data lives in ``store.models``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, Float, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class CatalogBase(DeclarativeBase):
    pass


class CatalogMeta(CatalogBase):
    __tablename__ = "catalog_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class CatalogSku(CatalogBase):
    __tablename__ = "catalog_sku"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    vendor: Mapped[str] = mapped_column(String(32), index=True)
    architecture: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    segment: Mapped[str] = mapped_column(String(32))
    compute_capability: Mapped[str | None] = mapped_column(String(8), nullable=True)
    memory_gb: Mapped[float | None] = mapped_column(Float, nullable=True)
    memory_bandwidth_gbps: Mapped[float | None] = mapped_column(Float, nullable=True)
    release_year: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)  # the validated SKU record as JSON


class CatalogSupport(CatalogBase):
    """Resolved support per (SKU, key): the SKU's own claim or its architecture's."""

    __tablename__ = "catalog_support"

    sku_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(8), nullable=True)
    source: Mapped[str] = mapped_column(Text)
    checked: Mapped[dt.date] = mapped_column(Date)


class CatalogEnginePath(CatalogBase):
    __tablename__ = "catalog_engine_path"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    engine: Mapped[str] = mapped_column(String(32), index=True)
    format: Mapped[str] = mapped_column(String(64), index=True)
    architecture: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[str] = mapped_column(String(16))
    kernel: Mapped[str] = mapped_column(Text)
    min_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    max_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source: Mapped[str] = mapped_column(Text)
