"""Score the speed estimates against the evidence corpus, with the app's own comparison rule.

Every corpus measurement goes through ``advisor.comparison.compare`` (the function the Benchmarks page and
calibration use), so a row's error here is the error a user sees for the same measurement. Rows are grouped in
the categories the issue's targets name:

* ``batch-1 decode``: decode_tok_s (or TPOT) of one sequence;
* ``batched throughput``: output_tok_s / total_tok_s / decode_tok_s at batch > 1 or maximum load;
* ``prefill``: prefill_tok_s; ``ttft``: ttft_ms.

The baseline is the rule popular calculators use (llmfit): decode tok/s = 0.55 x bandwidth x GPUs / (active
parameters x bytes per weight), scored on batch-1 decode rows, where it applies.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from advisor.comparison import Comparison, NotComparable, compare, resolve
from advisor.context import Context
from advisor.measurement import Load, Measurement, Metric

NAIVE_EFFICIENCY = 0.55  # llmfit: decode tok/s = 0.55 x bandwidth / model size (shared/reference/anchors.md 2.7)
CATEGORIES = ("batch-1 decode", "batched throughput", "prefill", "ttft")


def category(m: Measurement) -> str | None:
    if m.metric in (Metric.DECODE_TOK_S, Metric.TPOT_MS, Metric.ITL_MS) and m.batch == 1 and m.load is Load.STATIC:
        return "batch-1 decode"
    if m.metric in (Metric.OUTPUT_TOK_S, Metric.TOTAL_TOK_S, Metric.DECODE_TOK_S):
        return "batched throughput"
    if m.metric is Metric.PREFILL_TOK_S:
        return "prefill"
    if m.metric is Metric.TTFT_MS:
        return "ttft"
    return None


@dataclass(frozen=True)
class Scored:
    comparison: Comparison
    category: str | None
    naive: float | None = None  # the bandwidth rule's figure for the same quantity (batch-1 decode only)

    @property
    def measurement(self) -> Measurement:
        return self.comparison.measurement

    @property
    def ape(self) -> float | None:
        e = self.comparison.error_pct
        return None if e is None else abs(e)

    @property
    def naive_ape(self) -> float | None:
        if self.naive is None:
            return None
        return abs(self.naive - self.measurement.value) / self.measurement.value * 100.0


def naive_value(m: Measurement, ctx: Context) -> float | None:
    """The 0.55 x bandwidth rule for a batch-1 decode row (decode tok/s, or TPOT in ms)."""
    if category(m) != "batch-1 decode":
        return None
    try:
        target, model, fmt = resolve(m, ctx)
    except NotComparable:
        return None
    if not target.bandwidth_gbps:
        return None
    rate = (
        NAIVE_EFFICIENCY * target.bandwidth_gbps * 1e9 * m.gpus / (model.active_params_b * 1e9 * fmt.bytes_per_weight)
    )
    return 1e3 / rate if m.metric.is_time else rate


def evaluate(
    measurements: Iterable[Measurement], ctx: Context, *, scorer: Callable[[Measurement], Comparison] | None = None
) -> list[Scored]:
    """Compare every measurement with its estimate (``scorer`` defaults to ``compare(m, ctx)``)."""
    score = scorer or (lambda m: compare(m, ctx))
    return [Scored(score(m), category(m), naive_value(m, ctx)) for m in measurements]


@dataclass(frozen=True)
class Summary:
    category: str
    rows: int  # rows of the category in the corpus
    scored: int  # rows with an estimate
    median_ape: float | None
    p90_ape: float | None
    off_1_5x_share: float | None  # share of scored rows whose estimate is more than 1.5x off either way
    naive_median_ape: float | None  # the bandwidth rule on the rows it scores
    naive_p90_ape: float | None
    naive_off_1_5x_share: float | None
    naive_rows: int


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    vals = sorted(values)
    k = (len(vals) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return vals[lo] + (vals[hi] - vals[lo]) * (k - lo)


def _off(pairs: list[tuple[float, float]]) -> float | None:
    if not pairs:
        return None
    return sum(1 for est, meas in pairs if max(est / meas, meas / est) > 1.5) / len(pairs)


def summarize(scored: list[Scored], name: str) -> Summary:
    rows = [s for s in scored if s.category == name]
    with_est = [s for s in rows if s.ape is not None]
    apes = [s.ape for s in with_est]
    naive = [s for s in rows if s.naive_ape is not None]
    napes = [s.naive_ape for s in naive]
    return Summary(
        name,
        len(rows),
        len(with_est),
        statistics.median(apes) if apes else None,
        _pct(apes, 0.9),
        _off([(s.comparison.predicted, s.measurement.value) for s in with_est]),
        statistics.median(napes) if napes else None,
        _pct(napes, 0.9),
        _off([(s.naive, s.measurement.value) for s in naive]),
        len(naive),
    )


def markdown_table(summaries: list[Summary]) -> str:
    def f(v: float | None, pct: bool = False) -> str:
        if v is None:
            return "-"
        return f"{v * 100:.0f}%" if pct else f"{v:.1f}"

    out = [
        "| category | rows | scored | median APE % | p90 APE % | >1.5x off | bandwidth rule median % | rule p90 % | "
        "rule >1.5x off | rule rows |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summaries:
        out.append(
            f"| {s.category} | {s.rows} | {s.scored} | {f(s.median_ape)} | {f(s.p90_ape)} | {f(s.off_1_5x_share, True)} "
            f"| {f(s.naive_median_ape)} | {f(s.naive_p90_ape)} | {f(s.naive_off_1_5x_share, True)} | {s.naive_rows} |"
        )
    return "\n".join(out)
