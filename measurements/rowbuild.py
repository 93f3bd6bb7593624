"""Fill the catalog columns of a ``NormalizedRow`` and flag whatever could not be mapped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from measurements.normalize import match_format, match_hardware, match_model, native_dtype
from measurements.records import NormalizedRow


@dataclass(frozen=True, slots=True)
class ImportContext:
    """Per-upload settings: ``hardware_hint`` is what the user said the hardware is (a SKU id or a
    name); ``hint_sku`` its catalog id (None = the hint did not map)."""

    hardware_hint: str | None = None
    hint_sku: str | None = None
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)  # per-upload memo for parsers

    @classmethod
    def build(cls, hardware_hint: str | None) -> ImportContext:
        hint = (hardware_hint or "").strip() or None
        return cls(hint, match_hardware(hint) if hint else None)


def set_hardware(row: NormalizedRow, given: str, ctx: ImportContext) -> None:
    """``given`` is the device text from the file ("" when the tool does not record it)."""
    row.hardware_raw = given
    found = match_hardware(given) if given else None
    if ctx.hardware_hint:
        if ctx.hint_sku is None:
            row.flags.append(f"hardware hint not in catalog: {ctx.hardware_hint!r}")
            row.hardware_sku = found
            if not given:
                row.hardware_raw = ctx.hardware_hint
        else:
            row.hardware_sku = ctx.hint_sku
            if found and found != ctx.hint_sku:
                row.flags.append(f"file says {given!r} ({found}); stored as the given hardware {ctx.hint_sku}")
            if not given:
                row.hardware_raw = ctx.hardware_hint
        return
    row.hardware_sku = found
    if found is None:
        row.flags.append(
            f"hardware not in catalog: {given!r}" if given else "hardware not given (pass --hardware / hardware_hint)"
        )


def set_model(row: NormalizedRow, names: tuple[str, ...], n_params: float | None = None, arch: str = "") -> None:
    row.model_raw = next((n for n in names if n), "")
    match = match_model(tuple(n for n in names if n), n_params, arch)
    row.model_id = match.model_id
    row.params_b = match.params_b
    if match.model_id is None:
        row.flags.append(match.reason or "model not in catalog")


def set_format(row: NormalizedRow, label: str, context: str = "") -> None:
    row.format_raw = label or ""
    row.format_id = match_format(label or "", context)
    if row.format_id is None:
        if label:
            row.flags.append(f"format not in catalog: {label!r}")
        else:
            row.flags.append("format not given")


def assume_native_format(row: NormalizedRow) -> None:
    """A serving or eval run that names no quantization ran the checkpoint as published: take the
    catalog model's native dtype, and say so in the flags."""
    if row.format_id is not None or row.model_id is None:
        return
    native = native_dtype(row.model_id)
    if native is None:
        return
    row.format_id = native
    if "format not given" in row.flags:
        row.flags.remove("format not given")
    row.flags.append(
        f"format assumed {native}: the file names no quantization, {row.model_id} is published in {native}"
    )
