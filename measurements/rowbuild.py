"""Fill the catalog fields of a measurement from the names a file gives, and flag whatever could not be mapped.

Importers collect a record's identity (hardware, model, format, engine) in a plain ``dict`` of ``Measurement``
keyword arguments plus a ``list`` of flags, with the ``set_*`` helpers below, then build one ``Measurement``
per metric the record holds with ``measurements_from``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.context import Context, default_context
from advisor.measurement import LIKE_FIELDS, Measurement, measurement_like, measurement_values  # noqa: F401 (re-exported)
from measurements.normalize import Resolver, bits_per_weight_mismatch, real_bits_per_weight

Fields = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ImportContext:
    """Per-upload settings: ``hardware_hint`` is what the user said the hardware is (a SKU id or a name);
    ``hint_sku`` its catalog id (None = the hint did not map). ``resolver`` maps names for this upload."""

    resolver: Resolver
    hardware_hint: str | None = None
    hint_sku: str | None = None
    source: str = ""  # provenance written on every measurement ("upload 12" is set by the service)
    label: str = ""
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)  # per-upload memo for parsers

    @classmethod
    def build(cls, hardware_hint: str | None, ctx: Context | None = None, *, label: str = "") -> ImportContext:
        resolver = Resolver(ctx or default_context())
        hint = (hardware_hint or "").strip() or None
        sku = None
        if hint:
            sku = hint if resolver.known_sku(hint) else resolver.hardware(hint)
        return cls(resolver, hint, sku, label=label)


def set_hardware(fields: Fields, flags: list[str], given: str, ctx: ImportContext) -> None:
    """``given`` is the device text from the file ("" when the tool does not record it). The user's hint is used
    only when the file names no device; a file that names one keeps it, and a disagreement is flagged."""
    fields["hardware_raw"] = given
    found = ctx.resolver.hardware(given) if given else None
    if given:
        fields["hardware_sku"] = found
        if found is None:
            flags.append(f"hardware not in catalog: {given!r} (kept as given)")
        if ctx.hardware_hint and ctx.hint_sku != found:
            flags.append(f"the file names the device {given!r}: the hardware hint {ctx.hardware_hint!r} was not used")
        return
    if ctx.hardware_hint:
        fields["hardware_raw"] = ctx.hardware_hint
        fields["hardware_sku"] = ctx.hint_sku
        if ctx.hint_sku is None:
            flags.append(f"hardware hint not in catalog: {ctx.hardware_hint!r}")
        return
    fields["hardware_sku"] = None
    flags.append("hardware not given (the file names no device: pass --hardware / the hardware override)")


def set_model(
    fields: Fields,
    flags: list[str],
    names: tuple[str, ...],
    ctx: ImportContext,
    n_params: float | None = None,
    arch: str = "",
) -> None:
    fields["model_raw"] = next((n for n in names if n), "")
    match = ctx.resolver.model(tuple(n for n in names if n), n_params, arch)
    fields["model_id"] = match.model_id
    fields["params_b"] = match.params_b
    if match.model_id is None:
        flags.append(match.reason or "model not in catalog")


def set_format(fields: Fields, flags: list[str], label: str, ctx: ImportContext, context: str = "") -> None:
    fields["format_raw"] = label or ""
    fields["format_id"] = ctx.resolver.format(label or "", context)
    if fields["format_id"] is None:
        flags.append(f"format not in catalog: {label!r}" if label else "format not given")


def check_bits_per_weight(
    fields: Fields, flags: list[str], ctx: ImportContext, size_bytes: float | None, n_params: float | None
) -> str:
    """Compare the format label with the file's own bits per weight (size x 8 / parameters, as the tool prints
    them). A label whose nominal figure disagrees (``BPW_TOLERANCE``) is unmapped and flagged: a file called F16 at
    4.5 bits per weight does not hold FP16 weights; a type not in the catalog is kept and flagged with its figure.
    Returns a note with the real figure for those two cases ("" otherwise: ``model_size_gib`` and ``params_b``
    already give it)."""
    real = real_bits_per_weight(size_bytes, n_params)
    if real is None:
        return ""
    note = f"file {real:.2f} bits per weight (size x 8 / parameters)"
    known = ctx.resolver.format_bits(fields.get("format_id"))
    if known is None:
        unmapped = f"format not in catalog: {fields.get('format_raw', '')!r}"
        if unmapped not in flags:
            return ""
        flags[flags.index(unmapped)] = f"{unmapped} (kept; the file is {real:.2f} bits per weight)"
        return note
    nominal, variable = known
    if variable or not bits_per_weight_mismatch(nominal, real):
        return ""
    flags.append(
        f"format label {fields['format_raw']!r} ({fields['format_id']}, {nominal:g} bits per weight) disagrees "
        f"with the file ({real:.2f} bits per weight): format left unmapped"
    )
    fields["format_id"] = None
    return note


def set_engine(fields: Fields, flags: list[str], name: str, ctx: ImportContext) -> None:
    """Engine id from a name as typed (``llama.cpp``, ``trt-llm``); unknown names are kept and flagged."""
    engine = ctx.resolver.engine(name) if name else None
    fields["engine"] = engine or (name or "").strip().lower()
    if name and engine is None:
        flags.append(f"engine not in catalog: {name!r}")


def assume_native_format(fields: Fields, flags: list[str], ctx: ImportContext) -> None:
    """A serving or eval run that names no quantization ran the checkpoint as published: take the catalog
    model's native dtype, and say so in the flags."""
    if fields.get("format_id") is not None or fields.get("model_id") is None:
        return
    native = ctx.resolver.native_format(fields["model_id"])
    if native is None:
        return
    fields["format_id"] = native
    if "format not given" in flags:
        flags.remove("format not given")
    flags.append(
        f"format assumed {native}: the file names no quantization, {fields['model_id']} is published in {native}"
    )


def measurements_from(
    fields: Fields, flags: list[str], values: list[tuple[Any, ...]], ctx: ImportContext, **common: Any
) -> list[Measurement]:
    """One ``Measurement`` per ``(metric, value[, statistic])`` in ``values`` that holds a number, sharing the
    record's identity ``fields``, ``flags`` and the ``common`` conditions."""
    out = []
    base = {**fields, **common, "flags": tuple(flags)}
    base.setdefault("source", ctx.source)
    base.setdefault("label", ctx.label)
    for item in values:
        metric, value = item[0], item[1]
        if value is None:
            continue
        extra = {"statistic": item[2]} if len(item) > 2 else {}
        out.append(Measurement(metric=metric, value=float(value), **base, **extra))
    return out


