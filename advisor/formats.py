"""Quantization format catalog: ``advisor/data/formats.toml`` as typed, frozen ``Format`` values.

One token per format (``FormatId``), the same in data, code, URLs and JSON. ``load_formats()`` reads
and validates the data file once; ``get_format(id)`` looks one up with a "did you mean" error.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from hardware_db.schema import SUPPORT_KEYS, MathFormat

FORMATS_FILE = Path(__file__).resolve().parent / "data" / "formats.toml"


def _format_ids(path: Path = FORMATS_FILE) -> list[str]:
    with path.open("rb") as fh:
        return sorted(tomllib.load(fh).get("formats", {}))


#: One token per format, derived from the data file (its table names are the one source of truth).
FormatId = StrEnum("FormatId", {fid.upper(): fid for fid in _format_ids()})


class FormatKind(StrEnum):
    WEIGHTS = "weights"
    KV_CACHE = "kv_cache"


class Design(StrEnum):
    NATIVE = "native"  # the matrix math runs in the low-precision type
    WEIGHT_ONLY = "weight_only"  # stored low-bit, dequantized to 16-bit math by design


#: ``math_format`` of weight-only formats: 16-bit math, bf16 where native, else fp16.
SIXTEEN_BIT = "fp16_or_bf16"

#: ModelOpt's qualitative accuracy-degradation levels, mildest first.
ACCURACY_LEVELS: tuple[str, ...] = ("very_low", "low", "medium", "high")


class FormatError(ValueError):
    """The formats data file is malformed, or an unknown format id was asked for."""


@dataclass(frozen=True)
class Format:
    id: str
    name: str
    kind: FormatKind
    family: str
    weight_bits: int
    activation_bits: int
    bits_per_weight: float  # effective storage bits per quantized weight, incl. scales / zeros
    design: Design
    math_format: str  # a MathFormat key, or SIXTEEN_BIT for weight-only formats
    requires: tuple[str, ...]  # hardware support keys that must be native for native execution
    source: str
    checked: str
    whole_model_average: bool = False  # bits_per_weight already averages the whole file (GGUF)
    keep_high_precision: tuple[str, ...] = ()  # "embeddings", "lm_head"
    ppl_increase_pct: float | None = None
    quality_ref_model: str = ""
    quality_ref_params_b: float | None = None
    accuracy_level: str | None = None
    quality_source: str = ""
    notes: str = ""
    aliases: tuple[str, ...] = ()  # labels benchmark tools print for it ("Q4_K - Medium", "awq_marlin")
    name_patterns: tuple[str, ...] = ()  # regexes that find it in a checkpoint or file name ("-awq", "q4_k_m")
    finetune_base: bool = False  # a QLoRA-style fine-tune can train adapters on a base stored in this format
    # (min, max) of a variable-bitrate format (EXL2): bits_per_weight is then a typical value, a file's own wins
    bits_per_weight_range: tuple[float, float] | None = None
    # whole_model_average formats: bits of the output and token-embedding tensors, and the model the average was
    # measured on (its parameters and embedding size), so the average can be split into body and those tensors
    same_weights_as: tuple[str, ...] = ()  # formats whose published weights this one stores unchanged
    output_bpw: float | None = None
    token_embd_bpw: float | None = None  # None = the body's own type
    average_ref: tuple[float, float] | None = None  # (parameters, embedding parameters) of the reference model

    @property
    def is_weight_only(self) -> bool:
        return self.design is Design.WEIGHT_ONLY

    @property
    def bytes_per_weight(self) -> float:
        return self.bits_per_weight / 8.0


_REQUIRED = ("name", "kind", "family", "weight_bits", "activation_bits", "bits_per_weight", "design", "math_format")
_ALLOWED = set(_REQUIRED) | {
    "requires",
    "source",
    "checked",
    "whole_model_average",
    "keep_high_precision",
    "ppl_increase_pct",
    "quality_ref_model",
    "quality_ref_params_b",
    "accuracy_level",
    "quality_source",
    "notes",
    "aliases",
    "name_patterns",
    "finetune_base",
    "bits_per_weight_range",
    "output_bpw",
    "token_embd_bpw",
    "same_weights_as",
}


def _parse(fid: str, raw: dict, path: Path, average_ref: tuple[float, float] | None = None) -> Format:
    where = f"{path}: formats.{fid}"
    extra = sorted(set(raw) - _ALLOWED)
    if extra:
        raise FormatError(f"{where}: unknown keys {extra}")
    missing = [k for k in (*_REQUIRED, "source", "checked") if k not in raw]
    if missing:
        raise FormatError(f"{where}: missing keys {missing}")
    try:
        kind = FormatKind(raw["kind"])
        design = Design(raw["design"])
    except ValueError as exc:
        raise FormatError(f"{where}: {exc}") from exc
    math = raw["math_format"]
    if math != SIXTEEN_BIT and math not in {m.value for m in MathFormat}:
        raise FormatError(f"{where}: math_format {math!r} is not a MathFormat key or {SIXTEEN_BIT!r}")
    requires = tuple(raw.get("requires", ()))
    bad = [k for k in requires if k not in SUPPORT_KEYS]
    if bad:
        raise FormatError(f"{where}: requires names unknown support keys {bad}")
    if design is Design.NATIVE and not requires:
        raise FormatError(f"{where}: a native-design format must name the hardware keys it requires")
    level = raw.get("accuracy_level")
    if level is not None and level not in ACCURACY_LEVELS:
        raise FormatError(f"{where}: accuracy_level {level!r} not in {ACCURACY_LEVELS}")
    bpw = float(raw["bits_per_weight"])
    if not 1.0 <= bpw <= 32.0:
        raise FormatError(f"{where}: bits_per_weight {bpw} out of range")
    bpw_range = raw.get("bits_per_weight_range")
    if bpw_range is not None:
        if len(bpw_range) != 2 or not 1.0 <= float(bpw_range[0]) <= bpw <= float(bpw_range[1]) <= 32.0:
            raise FormatError(f"{where}: bits_per_weight_range {bpw_range} must be [min, max] around bits_per_weight")
        bpw_range = (float(bpw_range[0]), float(bpw_range[1]))
    tensor_bits = {}
    for key in ("output_bpw", "token_embd_bpw"):
        if key in raw:
            if not raw.get("whole_model_average"):
                raise FormatError(f"{where}: {key} only applies to whole_model_average formats")
            value = raw[key]
            if not isinstance(value, int | float) or not 1.0 <= float(value) <= 32.0:
                raise FormatError(f"{where}: {key} {value!r} must be a number of bits between 1 and 32")
            tensor_bits[key] = float(value)
    source = str(raw["source"])
    if not source.startswith(("https://", "http://")):
        raise FormatError(f"{where}: source must be a URL")
    return Format(
        id=fid,
        name=raw["name"],
        kind=kind,
        family=raw["family"],
        weight_bits=int(raw["weight_bits"]),
        activation_bits=int(raw["activation_bits"]),
        bits_per_weight=bpw,
        design=design,
        math_format=math,
        requires=requires,
        source=source,
        checked=str(raw["checked"]),
        whole_model_average=bool(raw.get("whole_model_average", False)),
        keep_high_precision=tuple(raw.get("keep_high_precision", ())),
        ppl_increase_pct=raw.get("ppl_increase_pct"),
        quality_ref_model=raw.get("quality_ref_model", ""),
        quality_ref_params_b=raw.get("quality_ref_params_b"),
        accuracy_level=level,
        quality_source=raw.get("quality_source", ""),
        notes=raw.get("notes", ""),
        aliases=tuple(str(a) for a in raw.get("aliases", ())),
        name_patterns=_patterns(raw.get("name_patterns", ()), where),
        finetune_base=bool(raw.get("finetune_base", False)),
        bits_per_weight_range=bpw_range,
        same_weights_as=tuple(str(x) for x in raw.get("same_weights_as", ())),
        output_bpw=tensor_bits.get("output_bpw"),
        token_embd_bpw=tensor_bits.get("token_embd_bpw"),
        average_ref=average_ref if "output_bpw" in tensor_bits else None,
    )


def _patterns(values: list, where: str) -> tuple[str, ...]:
    for v in values:
        try:
            re.compile(v)
        except re.error as exc:
            raise FormatError(f"{where}: name_patterns {v!r} is not a valid regex: {exc}") from exc
    return tuple(values)


def load_formats(path: Path = FORMATS_FILE) -> dict[str, Format]:
    """Read and validate the formats file; every FormatId must be defined, and nothing else."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    table = data.get("formats", {})
    formats = {fid: _parse(fid, raw, path, _average_reference(data, path)) for fid, raw in sorted(table.items())}
    for f in formats.values():
        unknown = [x for x in f.same_weights_as if x not in formats]
        if unknown:
            raise FormatError(f"{path}: formats.{f.id}: same_weights_as names unknown formats {unknown}")
    return formats


def _average_reference(data: dict, path: Path) -> tuple[float, float] | None:
    """``[gguf_average_reference]``: (parameters, embedding parameters) of the model GGUF averages come from."""
    ref = data.get("gguf_average_reference")
    if ref is None:
        return None
    try:
        params, embed = float(ref["params_b"]) * 1e9, float(ref["embedding_params"])
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(
            f"{path}: [gguf_average_reference] needs numeric params_b and embedding_params ({exc})"
        ) from exc
    if not 0 < 2 * embed < params:
        raise FormatError(f"{path}: [gguf_average_reference] embedding_params must be under half of the parameters")
    return params, embed


def default_formats() -> Mapping[str, Format]:
    """The shipped formats (``advisor.context.default_context().formats``)."""
    from advisor.context import default_context

    return default_context().formats


def closest(name: str, valid: list[str] | tuple[str, ...], n: int = 3) -> list[str]:
    """The closest valid ids to ``name`` (difflib), for "did you mean" errors."""
    return difflib.get_close_matches(name, list(valid), n=n, cutoff=0.4)


def get_format(format_id: str, formats: Mapping[str, Format] | None = None) -> Format:
    table = formats if formats is not None else default_formats()
    try:
        return table[format_id]
    except KeyError:
        hint = closest(format_id, sorted(table))
        raise FormatError(
            f"unknown format {format_id!r}" + (f"; did you mean {', '.join(hint)}?" if hint else "")
        ) from None


def weight_formats(formats: Mapping[str, Format] | None = None) -> list[Format]:
    table = formats if formats is not None else default_formats()
    return [f for f in table.values() if f.kind is FormatKind.WEIGHTS]
