"""One ``advisor.measurement.Measurement`` as flat column values, both directions.

``to_values(m, upload_id)`` gives its values under the stored column names (text cut to the column widths of
``measurement_series``, which PostgreSQL enforces, with a flag saying so); ``from_values`` rebuilds the
``Measurement``. The series table stores the shared part of these values as columns and the rest as points
(``store.measurement_series``); exports (JSON, CSV) use the flat values as they are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from advisor.measurement import Measurement
from store.models import MeasurementSeries

#: Measurement fields stored under another column name.
_RENAMED = {"row": "row_number"}
FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Measurement))
COLUMNS: tuple[str, ...] = tuple(_RENAMED.get(name, name) for name in FIELDS)
_TABLE = MeasurementSeries.__table__
#: String columns with a width (Text columns have none).
WIDTHS: dict[str, int] = {
    c.name: c.type.length for c in _TABLE.columns if getattr(c.type, "length", None) and c.name in COLUMNS
}
_ENUMS = ("metric", "statistic", "scope", "load")


def json_safe(value: Any) -> Any:
    """Non-finite floats (NaN, Infinity: legal in Python's JSON, refused by PostgreSQL's) as their text, so a
    record's unmapped fields store the same on both backends."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def to_values(m: Measurement, upload_id: int) -> dict[str, Any]:
    """Column values for one measurement of upload ``upload_id``."""
    values: dict[str, Any] = {}
    cut: list[str] = []
    for name, column in zip(FIELDS, COLUMNS, strict=True):
        value = getattr(m, name)
        if name in _ENUMS:
            value = value.value
        elif name == "flags":
            value = list(value)
        elif name == "extra":
            value = json_safe(dict(value))
        width = WIDTHS.get(column)
        if width and isinstance(value, str) and len(value) > width:
            value = value[:width]
            cut.append(f"{name} cut to {width} characters")
        values[column] = value
    if cut:
        values["flags"] = [*values["flags"], *cut]
    values["upload_id"] = upload_id
    return values


def from_values(values: dict[str, Any]) -> Measurement:
    """A ``Measurement`` from a row's column values (a mapping with the ``COLUMNS`` keys)."""
    kwargs = {name: values[column] for name, column in zip(FIELDS, COLUMNS, strict=True)}
    kwargs["flags"] = tuple(kwargs["flags"] or ())
    kwargs["extra"] = kwargs["extra"] or {}
    when = kwargs["measured_at"]
    if when is not None and when.tzinfo is None:  # SQLite returns naive datetimes; every stored time is UTC
        kwargs["measured_at"] = when.replace(tzinfo=dt.UTC)
    for name in ("hardware_raw", "model_raw", "format_raw", "engine", "backend", "engine_version", "source"):
        kwargs[name] = kwargs[name] or ""
    return Measurement(**kwargs)
