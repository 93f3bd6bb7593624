"""Typed query parameters: parsed and checked at the boundary, with a message per bad value.

Pure functions (no streamlit), so they are tested directly; pages call ``parse_params``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "int" | "float" | "choice" | "str"
    default: Any
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


def _closest(value: str, choices: tuple[str, ...]) -> str:
    import difflib

    near = difflib.get_close_matches(value, choices, n=3, cutoff=0.5)
    return f" Did you mean {', '.join(near)}?" if near else ""


def parse_params(raw: Mapping[str, str], spec: list[Param]) -> tuple[dict[str, Any], list[str]]:
    """Values for every parameter in ``spec`` (defaults where absent or bad) and the messages."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    known = {p.name for p in spec}
    for key in sorted(set(raw) - known):
        errors.append(f"Unknown query parameter {key!r} was ignored (known: {', '.join(sorted(known))}).")
    for p in spec:
        text = raw.get(p.name)
        if text is None or text == "":
            values[p.name] = p.default
            continue
        text = str(text)[:200]
        try:
            values[p.name] = _convert(p, text)
        except ValueError as exc:
            values[p.name] = p.default
            errors.append(f"Query parameter {p.name}={text!r} {exc}; using {p.default!r} instead.")
    return values, errors


def _convert(p: Param, text: str) -> Any:
    if p.kind == "choice":
        if text not in p.choices:
            raise ValueError(f"is not one of the {len(p.choices)} known values.{_closest(text, p.choices)}")
        return text
    if p.kind == "str":
        return text
    caster: Callable[[str], Any] = int if p.kind == "int" else float
    try:
        value = caster(text)
    except ValueError:
        raise ValueError(f"is not a {'whole number' if p.kind == 'int' else 'number'}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("is not a finite number")
    if p.minimum is not None and value < p.minimum:
        raise ValueError(f"is below the minimum {p.minimum:g}")
    if p.maximum is not None and value > p.maximum:
        raise ValueError(f"is above the maximum {p.maximum:g}")
    return value
