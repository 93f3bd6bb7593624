"""The speed model's parameters as data: ``advisor/data/speed_params.toml``, written by ``bench/validation/fit.py``.

Every fitted number of the roofline (efficiencies, overheads, error bands) is an entry of one named parameter with
a *selector*: the conditions it applies to. A lookup passes the conditions of the estimate at hand and gets the
most specific entry whose selector they satisfy, so a parameter can be general ("any GPU") and refined where the
evidence supports it ("llama.cpp, CUDA, consumer NVIDIA, low-bit k-quants")::

    [[param.decode_bw_eff]]
    when = {engine = "llama_cpp", backend = "cuda", hw = "nvidia_consumer"}
    value = 0.81
    rows = 212            # evidence rows the value was fitted on
    sources = ["llamacpp_cuda_scoreboard"]

Selector keys (``KEYS``): ``engine`` (engine id), ``backend`` (cuda, rocm, metal, vulkan, cpu, ...), ``hw`` (hardware
group, ``[hardware_groups]`` maps architecture ids to groups), ``arch`` (architecture id), ``fgroup`` (format group,
``[format_groups]``), ``fmt`` (format id), ``math`` (the dtype the matrix math runs in), ``mtype`` (``moe`` or
``dense``). Every parameter must have a
default entry (an empty selector). Specificity is the sum of the selector keys' weights (``WEIGHTS``: an
architecture or a format id is finer than its group, so it counts 1.5; the math dtype counts 0.5, so it refines an
engine or device entry and never replaces one: vLLM on MI300X fitted on FP8 rows also decides FP16 there, rather
than a ``math = fp16`` entry fitted on other engines); among equally specific matches the earlier entry in the
file wins, so the order is deterministic.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

PARAMS_FILE = Path(__file__).resolve().parent / "data" / "speed_params.toml"
SCHEMA_VERSION = 1
KEYS = ("engine", "backend", "hw", "arch", "fgroup", "fmt", "math", "mtype")
WEIGHTS = {"engine": 1.0, "backend": 1.0, "hw": 1.0, "arch": 1.5, "fgroup": 1.0, "fmt": 1.5, "math": 0.5, "mtype": 1.0}

#: The parameters the speed model reads (name -> what it is); a file must define a default for each.
PARAMETERS: dict[str, str] = {
    "decode_bw_eff": "fraction of the datasheet memory bandwidth reached streaming weights in a decode step",
    "kv_bw_rel": "KV-cache read efficiency relative to weight streaming (paged attention, GQA kernels)",
    "moe_bw_rel": "weight-streaming efficiency of a mixture of experts' decode step relative to a dense model's "
    "(expert gather, many small expert matmuls)",
    "unit_bytes_per_clk": "weight bytes a decode step's kernels stream per compute unit (SM) per clock",
    "layer_overhead_us": "fixed time per layer per forward pass, microseconds (launches, norms, sampling)",
    "step_overhead_us": "fixed time per forward pass, microseconds (scheduler, sampling, host work)",
    "prefill_eff": "fraction of the dense peak reached by large prompt GEMMs",
    "attn_eff": "fraction of the 16-bit peak reached by prefill attention (FlashAttention-class kernels)",
    "decode_compute_eff": "fraction of the dense peak reached by decode-step GEMMs when compute-bound",
    "gemm_m_half_tokens": "rows per GEMM at which a pass reaches half its large-shape efficiency (wave quantization)",
    "serve_eff": "steady-state output throughput of a continuous-batching server relative to the roofline",
    "link_eff": "fraction of the interconnect bandwidth an all-reduce reaches",
    "allreduce_latency_us": "latency of one all-reduce, microseconds",
    "band_log80": "half-width (natural log) of the 80% error band of an estimate",
}


class Selector(dict):
    """An entry's conditions (key -> value): read-only, hashable and picklable (estimates are cached and copied)."""

    def _refuse(self, *_args, **_kw):
        raise TypeError("a speed-parameter selector is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self):
        return (Selector, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))


class SpeedParamsError(ValueError):
    """The parameter file is malformed; the message names the entry."""


@dataclass(frozen=True)
class Entry:
    when: Selector  # selector key -> value
    value: float
    rows: int = 0
    sources: tuple[str, ...] = ()
    note: str = ""

    def matches(self, keys: dict[str, str]) -> bool:
        return all(keys.get(k) == v for k, v in self.when.items())

    @property
    def specificity(self) -> float:
        return sum(WEIGHTS[k] for k in self.when)


@dataclass(frozen=True)
class Lookup:
    value: float
    entry: Entry

    @property
    def rows(self) -> int:
        return self.entry.rows

    @property
    def selector(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.entry.when.items()) or "default"


@dataclass(frozen=True)
class SpeedParams:
    entries: dict[str, tuple[Entry, ...]]
    hardware_groups: Any = field(default_factory=dict)  # architecture id -> hardware group
    format_groups: Any = field(default_factory=dict)  # format id -> format group
    fast_dequant_kernels: tuple[str, ...] = ()  # kernel names that dequantize inside the GEMM (Marlin class)
    fitted: Any = field(default_factory=dict)  # provenance: script, date, sources, rows
    _cache: dict = field(default_factory=dict, repr=False, compare=False)  # lookups (the entries never change)

    def lookup(self, name: str, **keys: str | None) -> Lookup:
        """The most specific entry of ``name`` whose selector the ``keys`` satisfy (see the module docstring)."""
        wanted = {k: v for k, v in keys.items() if v}
        memo = (name, *sorted(wanted.items()))
        hit = self._cache.get(memo)
        if hit is not None:
            return hit
        best: Entry | None = None
        for e in self.entries[name]:
            if e.matches(wanted) and (best is None or e.specificity > best.specificity):
                best = e
        assert best is not None  # every parameter has a default (checked at load)
        found = self._cache[memo] = Lookup(best.value, best)
        return found

    def get(self, name: str, **keys: str | None) -> float:
        return self.lookup(name, **keys).value

    def hardware_group(self, architecture: str, kind: str, vendor: str) -> str:
        return self.hardware_groups.get(architecture) or f"{vendor or 'other'}_{kind}"

    def format_group(self, format_id: str) -> str:
        return self.format_groups.get(format_id, format_id)

    def with_entries(self, entries: dict[str, tuple[Entry, ...]]) -> SpeedParams:
        """A copy with some parameters' entries replaced (the fit script uses this)."""
        return SpeedParams(
            {**self.entries, **entries},
            self.hardware_groups,
            self.format_groups,
            self.fast_dequant_kernels,
            self.fitted,
        )


def _entry(name: str, raw: dict, where: str) -> Entry:
    unknown = sorted(set(raw) - {"when", "value", "rows", "sources", "note"})
    if unknown:
        raise SpeedParamsError(f"{where}: unknown keys {unknown}")
    when = raw.get("when", {})
    bad = sorted(set(when) - set(KEYS))
    if bad:
        raise SpeedParamsError(f"{where}: selector keys {bad} not in {KEYS}")
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise SpeedParamsError(f"{where}: value must be a non-negative number, got {value!r}")
    return Entry(
        Selector({k: str(v) for k, v in when.items()}),
        float(value),
        int(raw.get("rows", 0)),
        tuple(raw.get("sources", ())),
        str(raw.get("note", "")),
    )


def parse_params(data: dict, origin: str = "<dict>") -> SpeedParams:
    if data.get("schema_version") != SCHEMA_VERSION:
        raise SpeedParamsError(f"{origin}: schema_version {data.get('schema_version')!r}, expected {SCHEMA_VERSION}")
    table = data.get("param", {})
    unknown = sorted(set(table) - set(PARAMETERS))
    if unknown:
        raise SpeedParamsError(f"{origin}: unknown parameters {unknown}; known: {sorted(PARAMETERS)}")
    entries: dict[str, tuple[Entry, ...]] = {}
    for name in PARAMETERS:
        rows = table.get(name, [])
        parsed = tuple(_entry(name, raw, f"{origin}: param.{name}[{i}]") for i, raw in enumerate(rows))
        if not any(not e.when for e in parsed):
            raise SpeedParamsError(f"{origin}: param.{name} has no default entry (an empty 'when')")
        entries[name] = parsed
    return SpeedParams(
        entries=entries,
        hardware_groups=MappingProxyType(dict(data.get("hardware_groups", {}))),
        format_groups=MappingProxyType(dict(data.get("format_groups", {}))),
        fast_dequant_kernels=tuple(data.get("kernels", {}).get("fast_dequant", ())),
        fitted=MappingProxyType(dict(data.get("fitted", {}))),
    )


def load_params(path: Path = PARAMS_FILE) -> SpeedParams:
    with path.open("rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise SpeedParamsError(f"{path}: not valid TOML: {exc}") from exc
    return parse_params(data, str(path))


def default_params() -> SpeedParams:
    """The shipped parameters (``advisor.context.default_context().speed`` is the same object)."""
    from advisor.context import default_context

    return default_context().speed
