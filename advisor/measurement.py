"""``Measurement``: one measured figure, the single shape a measured result has everywhere.

Importers (``measurements/``) produce it, the store persists it (``store/measurement_rows.py``, one mapping both
ways), pages display it, and calibration (``advisor.calibration``) and validation (``bench/validation``) consume
it. What a measurement is compared with is decided in one place, ``advisor.comparison.expectation``.

One ``Measurement`` holds one number: a llama-bench ``pp512`` row is one measurement, a ``vllm bench serve``
result is several (output throughput, mean and median TTFT, ...), each naming exactly what it measured with a
``Metric``, a ``Statistic`` for latencies, a ``Scope`` (all GPUs, per GPU or per sequence) and a ``Load`` (how
the requests were offered).

Metric vocabulary (``Metric``):

=================  ===========================================================================================
``decode_tok_s``   generated tok/s of the decode phase, all sequences (llama-bench ``tg``; batch 1 = one stream)
``prefill_tok_s``  prompt tok/s of prefill (llama-bench ``pp``)
``output_tok_s``   output tokens / wall time of the whole run, prefill included (``vllm bench serve`` "Output
                   token throughput", ``trtllm-bench`` "Total Output Throughput", MLPerf tokens/s)
``total_tok_s``    (prompt + output tokens) / wall time (``vllm bench throughput``, "Total token throughput")
``ttft_ms``        time to first token; ``tpot_ms`` time per output token (after the first); ``itl_ms``
                   inter-token latency; ``e2e_ms`` request latency (with a ``Statistic``)
``memory_gb``      peak device memory, GB (10^9 bytes)
``quality``        an evaluation score (``quality_task`` names task/metric, ``quality_reference`` the 16-bit score)
=================  ===========================================================================================
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

MAX_COUNT = 2**53  # the largest token / GPU / batch count a measurement accepts (exact as a float, fits INTEGER)


class Metric(StrEnum):
    DECODE_TOK_S = "decode_tok_s"
    PREFILL_TOK_S = "prefill_tok_s"
    OUTPUT_TOK_S = "output_tok_s"
    TOTAL_TOK_S = "total_tok_s"
    TTFT_MS = "ttft_ms"
    TPOT_MS = "tpot_ms"
    ITL_MS = "itl_ms"
    E2E_MS = "e2e_ms"
    MEMORY_GB = "memory_gb"
    QUALITY = "quality"

    @property
    def is_time(self) -> bool:
        """Lower is faster (a latency), as opposed to a rate."""
        return self in (Metric.TTFT_MS, Metric.TPOT_MS, Metric.ITL_MS, Metric.E2E_MS)

    @property
    def unit(self) -> str:
        return METRIC_UNITS[self]


METRIC_UNITS: dict[Metric, str] = {
    Metric.DECODE_TOK_S: "tok/s",
    Metric.PREFILL_TOK_S: "tok/s",
    Metric.OUTPUT_TOK_S: "tok/s",
    Metric.TOTAL_TOK_S: "tok/s",
    Metric.TTFT_MS: "ms",
    Metric.TPOT_MS: "ms",
    Metric.ITL_MS: "ms",
    Metric.E2E_MS: "ms",
    Metric.MEMORY_GB: "GB",
    Metric.QUALITY: "",
}

#: Human labels, one place (pages, reports and the CLI show these).
METRIC_LABELS: dict[Metric, str] = {
    Metric.DECODE_TOK_S: "Decode tok/s",
    Metric.PREFILL_TOK_S: "Prefill tok/s",
    Metric.OUTPUT_TOK_S: "Output tok/s",
    Metric.TOTAL_TOK_S: "Total tok/s",
    Metric.TTFT_MS: "TTFT (ms)",
    Metric.TPOT_MS: "TPOT (ms)",
    Metric.ITL_MS: "ITL (ms)",
    Metric.E2E_MS: "Request latency (ms)",
    Metric.MEMORY_GB: "Memory (GB)",
    Metric.QUALITY: "Quality score",
}


class Statistic(StrEnum):
    """How a latency was summarised over requests; ``NONE`` for throughputs (one figure per run)."""

    NONE = ""
    MEAN = "mean"
    MEDIAN = "median"
    P90 = "p90"
    P95 = "p95"
    P99 = "p99"


class Scope(StrEnum):
    TOTAL = "total"  # all GPUs and all sequences together
    PER_GPU = "per_gpu"  # divided by the number of GPUs ("tok/s/GPU")
    PER_SEQ = "per_seq"  # one sequence's view ("tok/s/user")


class Load(StrEnum):
    """How requests were offered to the engine."""

    STATIC = "static"  # one batch of ``batch`` sequences run together (llama-bench, vllm bench latency)
    CONCURRENT = "concurrent"  # a server kept at ``batch`` requests in flight (bench serve --max-concurrency)
    MAX_LOAD = "max_load"  # every request queued at once; the scheduler picks the concurrency (offline throughput)
    RATE = "rate"  # open-loop arrivals at ``request_rate`` requests/s


class ReadOnlyDict(dict):
    """A dict that refuses changes (``Measurement.extra``); picklable, so pages can cache measurements."""

    def _refuse(self, *_args, **_kw):
        raise TypeError("Measurement.extra is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self):
        return (ReadOnlyDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted((k, repr(v)) for k, v in self.items())))


_ENUM_DEFAULTS = (("load", Load.STATIC), ("statistic", Statistic.NONE), ("scope", Scope.TOTAL))


@dataclass(frozen=True, slots=True)
class Measurement:
    metric: Metric
    value: float
    # -- what ran (catalog ids; ``*_raw`` the text as given, kept when it could not be mapped) --------------------
    hardware_sku: str | None = None
    hardware_raw: str = ""
    model_id: str | None = None
    model_raw: str = ""
    params_b: float | None = None  # parameter count as the file states it (billions)
    format_id: str | None = None
    format_raw: str = ""
    engine: str = ""  # engine id (hardware_db/data/engines)
    backend: str = ""  # cuda | rocm | metal | vulkan | cpu | sycl | tpu | hpu | ...
    engine_version: str = ""
    # -- test conditions -----------------------------------------------------------------------------------------
    gpus: int = 1  # devices used (tensor x pipeline parallel)
    batch: int | None = None  # sequences together (STATIC) or requests in flight (CONCURRENT)
    load: Load = Load.STATIC
    request_rate: float | None = None  # requests/s for Load.RATE
    input_len: int | None = None  # prompt tokens per request
    output_len: int | None = None  # generated tokens per request
    context_depth: int = 0  # tokens already in the KV cache before the test (llama-bench -d)
    kv_format: str | None = None  # KV-cache format id (kv_fp8 ...); None = 16-bit
    statistic: Statistic = Statistic.NONE
    scope: Scope = Scope.TOTAL
    quality_task: str = ""  # Metric.QUALITY: "mmlu/acc,none"
    quality_reference: float | None = None  # Metric.QUALITY: the same score of the 16-bit model
    stddev: float | None = None  # spread of ``value`` over repetitions, same unit
    model_size_gib: float | None = None  # size of the weights file as the tool prints it
    # -- provenance ----------------------------------------------------------------------------------------------
    source: str = ""  # a URL, or "upload 12"
    row: int = 0  # 1-based line / record in the source file
    label: str = ""
    measured_at: dt.datetime | None = None
    notes: str = ""
    flags: tuple[str, ...] = ()  # what could not be mapped or was assumed
    extra: Any = field(default_factory=dict)  # fields of the record kept as given (a ReadOnlyDict)

    def __post_init__(self) -> None:
        metric = self.metric if isinstance(self.metric, Metric) else Metric(self.metric)
        object.__setattr__(self, "metric", metric)
        for name, default in _ENUM_DEFAULTS:
            value = getattr(self, name)
            if not isinstance(value, type(default)):
                object.__setattr__(self, name, type(default)(value) if value else default)
        if not isinstance(self.value, int | float) or isinstance(self.value, bool) or not math.isfinite(self.value):
            raise ValueError(f"{self.metric}: value must be a finite number, got {self.value!r}")
        if metric is not Metric.QUALITY and self.value <= 0:
            raise ValueError(f"{self.metric}: value must be positive, got {self.value!r}")
        if self.gpus < 1:
            raise ValueError(f"gpus must be >= 1, got {self.gpus}")
        if self.batch is not None and self.batch < 1:
            raise ValueError(f"batch must be >= 1, got {self.batch}")
        for name in ("gpus", "batch", "input_len", "output_len", "context_depth", "row"):
            count = getattr(self, name)
            if count is not None and abs(count) > MAX_COUNT:  # a database INTEGER is 64-bit
                raise ValueError(f"{name} {count:.4g} is too large to be a count (the largest accepted is 2**53)")
        if not isinstance(self.extra, ReadOnlyDict):
            object.__setattr__(self, "extra", ReadOnlyDict(self.extra or {}))
        if not isinstance(self.flags, tuple):
            object.__setattr__(self, "flags", tuple(self.flags))

    @property
    def where(self) -> str:
        """``"upload 12, row 3"`` or ``"<url>, row 3"``: enough to find the figure again."""
        return f"{self.source}, row {self.row}" if self.row else self.source

    def describe(self) -> str:
        """One line a person reads: what ran, and under which conditions."""
        who = " · ".join(
            x
            for x in (
                self.hardware_sku or self.hardware_raw or "?",
                self.model_id or self.model_raw or "?",
                self.format_id or self.format_raw or "?",
                self.engine + (f"/{self.backend}" if self.backend else ""),
            )
            if x
        )
        return f"{who} · {conditions_text(self)}"


def conditions_text(m: Measurement) -> str:
    """``"batch 1, 512 in / 0 out"``, ``"max load, 1000 in / 1000 out, TP 8"``, ``"8 in flight, ..."``."""
    if m.load is Load.MAX_LOAD:
        load = "max load"
    elif m.load is Load.RATE:
        load = f"{m.request_rate:g} req/s" if m.request_rate else "open-loop rate"
    elif m.load is Load.CONCURRENT:
        load = f"{m.batch} in flight" if m.batch else "concurrency not given"
    else:
        load = f"batch {m.batch}" if m.batch else "batch not given"
    parts = [load]
    if m.input_len is not None or m.output_len is not None:
        parts.append(f"{m.input_len or 0} in / {m.output_len or 0} out")
    if m.context_depth:
        parts.append(f"depth {m.context_depth}")
    if m.gpus > 1:
        parts.append(f"{m.gpus} GPUs")
    if m.kv_format:
        parts.append(f"KV {m.kv_format}")
    return ", ".join(parts)


_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Measurement))
_FIELD_INDEX: dict[str, int] = {name: i for i, name in enumerate(_FIELD_NAMES)}
_I_EXTRA, _I_ROW = _FIELD_INDEX["extra"], _FIELD_INDEX["row"]
#: The slot setters of Measurement's fields, in declaration order (a frozen dataclass refuses ``setattr``).
_SETTERS = tuple(Measurement.__dict__[name].__set__ for name in _FIELD_NAMES)
#: Fields ``measurement_like`` may replace: ``value`` and ``row`` (checked there as the constructor checks them) and
#: fields the constructor does not check.
LIKE_FIELDS = frozenset({"value", "stddev", "row", "measured_at", "extra"})
_INF = float("inf")


def measurement_values(m: Measurement) -> list[Any]:
    """A measurement's field values in declaration order: the template ``measurement_like`` copies."""
    return [getattr(m, name) for name in _FIELD_NAMES]


def measurement_like(values: list[Any], changes: dict[str, Any], extra: dict[str, Any]) -> Measurement:
    """The measurement whose fields are ``values`` (``measurement_values`` of one built by the constructor, so
    every field was checked) with ``changes`` (names in ``LIKE_FIELDS``: a row's figure, spread, row number and
    time) and ``extra`` (the row's kept fields, made read-only as the constructor does). It is built without
    running all of ``Measurement.__post_init__`` again: the fields that checks are the template's, already checked,
    except ``value`` (a finite number, positive unless the metric is quality) and ``row`` (a count), checked here
    with the constructor's messages. A 100,000-row sweep builds its rows this way (a third of the constructor's
    time)."""
    row = values.copy()
    for name, value in changes.items():
        if name not in LIKE_FIELDS:
            raise ValueError(f"measurement_like can't replace {name!r} (Measurement.__post_init__ checks it)")
        row[_FIELD_INDEX[name]] = value
    value, number = row[1], row[_I_ROW]
    if value.__class__ is not float or not (0 < value < _INF):  # NaN fails both comparisons
        Measurement(**dict(zip(_FIELD_NAMES, row, strict=True)))  # the constructor's own check and message
    if number.__class__ is not int or abs(number) > MAX_COUNT:
        Measurement(**dict(zip(_FIELD_NAMES, row, strict=True)))
    row[_I_EXTRA] = ReadOnlyDict(extra)
    m = object.__new__(Measurement)
    for set_field, value in zip(_SETTERS, row, strict=True):
        set_field(m, value)
    return m
