"""Typed reads of one record's fields; a bad value raises ``FieldError`` naming the column."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any


class FieldError(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


_INF = float("inf")
MAX_INT = 2**53  # whole numbers up to this are exact as floats and fit every database's 64-bit INTEGER
_MISSING = ("", "n/a", "na", "none", "null", "nan", "-")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in _MISSING)


def _show(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def get_float(rec: dict[str, Any], column: str, *, required: bool = False, minimum: float | None = 0.0) -> float | None:
    value = rec.get(column)
    if type(value) is str and value:  # fast path: the common case of a CSV cell holding a plain number
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if number == number and number not in (_INF, -_INF) and (minimum is None or number >= minimum):
                return number
    if is_blank(value):
        if required:
            raise FieldError(column, "required value is missing")
        return None
    if isinstance(value, bool):
        raise FieldError(column, f"expected a number, got {_show(value)}")
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise FieldError(column, f"expected a number, got {_show(value)}") from None
    if math.isnan(number) or math.isinf(number):
        raise FieldError(column, f"expected a finite number, got {_show(value)}")
    if minimum is not None and number < minimum:
        what = "negative" if minimum == 0 else f"below {minimum:g}"
        raise FieldError(column, f"{what} value {number:g} (a rate, count or length can't be {what})")
    return number


def get_int(rec: dict[str, Any], column: str, *, required: bool = False, minimum: int | None = 0) -> int | None:
    number = get_float(rec, column, required=required, minimum=minimum)
    if number is None:
        return None
    if number != int(number):
        raise FieldError(column, f"expected a whole number, got {_show(rec.get(column))}")
    if abs(number) > MAX_INT:  # a database INTEGER is 64-bit; 1e30 tokens or GPUs is not a measurement
        raise FieldError(column, f"{_show(rec.get(column))} is too large (the largest accepted is {MAX_INT:,})")
    return int(number)


def get_str(rec: dict[str, Any], column: str, *, required: bool = False) -> str:
    value = rec.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldError(column, "required value is missing")
        return ""
    if isinstance(value, dict | list):  # JSON structure where a text value belongs
        raise FieldError(column, f"expected text, got a JSON {'object' if isinstance(value, dict) else 'list'}")
    return str(value).strip()


def get_datetime(rec: dict[str, Any], column: str) -> dt.datetime | None:
    """ISO 8601 (``2025-04-24T11:57:09Z``), ``YYYYMMDD-HHMMSS`` (vLLM) or a Unix time; naive = UTC."""
    value = rec.get(column)
    if is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(float(value), dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise FieldError(column, f"Unix time {_show(value)} is out of range") from None
    text = str(value).strip()
    parsed: dt.datetime | None = None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        for fmt in ("%Y%m%d-%H%M%S", "%Y-%m-%d %H:%M:%S"):
            try:
                parsed = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise FieldError(column, f"expected a date and time such as 2025-04-24T11:57:09Z, got {_show(value)}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
