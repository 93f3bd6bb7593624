"""Quantization format catalog: ``advisor/data/formats.toml`` as typed, frozen ``Format`` values.

One token per format (``FormatId``), the same in data, code, URLs and JSON. ``load_formats()`` reads
and validates the data file once; ``get_format(id)`` looks one up with a "did you mean" error.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from hardware_db.schema import SUPPORT_KEYS, MathFormat

FORMATS_FILE = Path(__file__).resolve().parent / "data" / "formats.toml"


class FormatId(StrEnum):
    BF16 = "bf16"
    FP16 = "fp16"
    FP8_W8A8 = "fp8_w8a8"
    FP8_W8A8_BLOCK = "fp8_w8a8_block"
    FP8_W8A16 = "fp8_w8a16"
    INT8_W8A8 = "int8_w8a8"
    INT8_W8A16 = "int8_w8a16"
    INT4_AWQ_W4A16 = "int4_awq_w4a16"
    INT4_GPTQ_W4A16 = "int4_gptq_w4a16"
    INT4_W4A8_FP8 = "int4_w4a8_fp8"
    INT4_W4A8_INT8 = "int4_w4a8_int8"
    NVFP4_W4A4 = "nvfp4_w4a4"
    NVFP4_W4A16 = "nvfp4_w4a16"
    MXFP4_W4A4 = "mxfp4_w4a4"
    MXFP4_W4A16 = "mxfp4_w4a16"
    MXFP6_W6A6 = "mxfp6_w6a6"
    MXFP8_W8A8 = "mxfp8_w8a8"
    INT3_GPTQ_W3A16 = "int3_gptq_w3a16"
    AQLM_2BIT = "aqlm_2bit"
    QUIP_SHARP_2BIT = "quip_sharp_2bit"
    BNB_NF4 = "bnb_nf4"
    BNB_INT8 = "bnb_int8"
    GGUF_Q8_0 = "gguf_q8_0"
    GGUF_Q6_K = "gguf_q6_k"
    GGUF_Q5_K_M = "gguf_q5_k_m"
    GGUF_Q4_K_M = "gguf_q4_k_m"
    GGUF_Q3_K_M = "gguf_q3_k_m"
    GGUF_Q2_K = "gguf_q2_k"
    GGUF_IQ2_XXS = "gguf_iq2_xxs"
    GGUF_IQ4_XS = "gguf_iq4_xs"
    MLX_4BIT = "mlx_4bit"
    KV_FP8 = "kv_fp8"
    KV_INT8 = "kv_int8"
    KV_NVFP4 = "kv_nvfp4"


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
}


def _parse(fid: str, raw: dict, path: Path) -> Format:
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
    )


def load_formats(path: Path = FORMATS_FILE) -> dict[str, Format]:
    """Read and validate the formats file; every FormatId must be defined, and nothing else."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    table = data.get("formats", {})
    formats = {fid: _parse(fid, raw, path) for fid, raw in sorted(table.items())}
    if path == FORMATS_FILE:
        known = {f.value for f in FormatId}
        missing, unknown = sorted(known - set(formats)), sorted(set(formats) - known)
        if missing or unknown:
            raise FormatError(f"{path}: FormatId and data disagree: missing {missing}, not in FormatId {unknown}")
    return formats


@lru_cache(maxsize=1)
def default_formats() -> dict[str, Format]:
    """The shipped formats, loaded once per process (treat as read-only)."""
    return load_formats()


def closest(name: str, valid: list[str] | tuple[str, ...], n: int = 3) -> list[str]:
    """The closest valid ids to ``name`` (difflib), for "did you mean" errors."""
    return difflib.get_close_matches(name, list(valid), n=n, cutoff=0.4)


def get_format(format_id: str, formats: dict[str, Format] | None = None) -> Format:
    table = formats if formats is not None else default_formats()
    try:
        return table[format_id]
    except KeyError:
        hint = closest(format_id, sorted(table))
        raise FormatError(
            f"unknown format {format_id!r}" + (f"; did you mean {', '.join(hint)}?" if hint else "")
        ) from None


def weight_formats(formats: dict[str, Format] | None = None) -> list[Format]:
    table = formats if formats is not None else default_formats()
    return [f for f in table.values() if f.kind is FormatKind.WEIGHTS]
