"""Score the speed estimates against published measurements: the one validation set,
``bench/validation/published.csv`` (columns and rules in ``bench/validation/README.md``).

Every row states exactly what was measured (``metric``) and the estimator's matching quantity is compared with it:

================================  ==========================================================================
metric                            estimator quantity (``advisor.speed.SpeedEstimate``)
================================  ==========================================================================
``decode_tok_s``                  ``decode_tok_s``: generated tok/s of one decode step, all sequences
                                  (batch 1: single-stream speed, llama-bench ``tg``)
``decode_tok_s_per_seq``          ``decode_tok_s_per_seq``
``prefill_tok_s``                 ``prefill_tok_s`` (llama-bench ``pp``: prompt tok/s of one prefill)
``ttft_ms``                       ``ttft_ms`` (first-token latency of the batch's prefill)
``output_tok_s``                  ``output_tok_s`` = batch x output_len / e2e (prefill included): vLLM
                                  ``benchmark_latency`` TPS, ``trtllm-bench`` "Total Output Throughput"
``output_tok_s_per_gpu``          ``output_tok_s`` / gpus (TensorRT-LLM's "out tok/s/GPU")
``total_tok_s``                   batch x (input_len + output_len) / e2e (``vllm bench throughput``
                                  "total tokens/s", which torchao reports as prefill/decode toks/s)
================================  ==========================================================================

Rows with an empty ``batch`` were measured at maximum load (the engine's scheduler picks the concurrency); they
are scored at the largest batch the memory estimate says fits, up to ``MAX_LOAD_BATCH[engine]``. ``phase`` says
which phase dominates the measured time (``prefill`` or ``decode``) and groups the rows for the issue's targets.

The naive rule is llmfit's single-stream ``0.55 x bandwidth x gpus / (active params x bytes per weight)``; it has
no prefill figure, so it is scored on decode-phase rows only (and separately on batch-1 rows, where it applies).

``calibrated_on_dev()`` fits ``advisor.estimate``'s per-(hardware, engine, format) calibration on the dev rows only
(metric-exact ratios) and re-scores every row with it, so the holdout figure stays out of sample.
"""

from __future__ import annotations

import csv
import math
import statistics
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.estimate import Calibration, CalibrationRatio, calibration_from_ratios, estimate
from advisor.formats import default_formats
from advisor.hardware import HardwareTarget
from advisor.models import ModelSpec, default_models
from advisor.support import resolve_support
from advisor.workload import Workload

if TYPE_CHECKING:
    from advisor.estimate import Estimate
    from hardware_db.catalog import Catalog

VALIDATION_CSV = Path(__file__).resolve().parents[1] / "bench" / "validation" / "published.csv"
NAIVE_EFFICIENCY = 0.55  # llmfit: decode tok/s = 0.55 x bandwidth / model size (anchors.md 2.7)
METRICS = (
    "decode_tok_s",
    "decode_tok_s_per_seq",
    "prefill_tok_s",
    "ttft_ms",
    "output_tok_s",
    "output_tok_s_per_gpu",
    "total_tok_s",
)
PHASES = ("decode", "prefill")
SPLITS = ("dev", "holdout")
#: The issue's accuracy targets (MdAPE, percent) per phase.
TARGET_MDAPE_PCT = {"decode": 25.0, "prefill": 35.0}
#: Upper bound on concurrency for maximum-load rows: TensorRT-LLM max_batch_size 2048 and vLLM max_num_seqs 256
#: (the v0 engine the 2024 MI300X rows used), taken as the engines' defaults; an assumption, not checked against a
#: stored copy of their argument references. The memory estimate binds first on every TensorRT-LLM row.
MAX_LOAD_BATCH = {"tensorrt_llm": 2048, "vllm": 256, "sglang": 1024}
MAX_LOAD_BATCH_DEFAULT = 1024
#: Maximum-load rows of these engines ran with in-flight batching (TensorRT-LLM's perf overview: trtllm-bench feeds
#: requests at an infinite rate to the in-flight batching scheduler), so they compare with the steady-state
#: ``output_tok_s_inflight``; the 2024 vLLM max-load rows (v0 engine) compare with a static batch's ``output_tok_s``.
INFLIGHT_BATCHING_ENGINES = frozenset({"tensorrt_llm"})

#: Models measured in the validation set that the model catalog does not carry (Llama 2), shapes from their
#: config.json (https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json and
#: https://huggingface.co/meta-llama/Llama-2-70b-hf/blob/main/config.json, checked 2026-11-27).
EXTRA_MODELS = {
    "llama-2-7b": ModelSpec(
        id="llama-2-7b",
        name="Llama 2 7B",
        family="llama-2",
        params_b=6.74,
        active_params_b=6.74,
        n_layers=32,
        hidden_size=4096,
        n_heads=32,
        n_kv_heads=32,
        head_dim=128,
        vocab_size=32000,
        intermediate_size=11008,
    ),
    "llama-2-70b": ModelSpec(
        id="llama-2-70b",
        name="Llama 2 70B",
        family="llama-2",
        params_b=68.98,
        active_params_b=68.98,
        n_layers=80,
        hidden_size=8192,
        n_heads=64,
        n_kv_heads=8,
        head_dim=128,
        vocab_size=32000,
        intermediate_size=28672,
    ),
}


@dataclass(frozen=True)
class ValidationRow:
    line: int  # line in the CSV (the header is line 1)
    hardware: str
    model: str
    format_id: str
    engine: str
    engine_version: str
    kernel_engine: str | None  # engine whose kernel path ran the linear layers, when not ``engine`` (torchao in vLLM)
    gpus: int
    batch: int | None  # None = maximum load, concurrency chosen by the engine
    input_len: int | None
    output_len: int | None
    kv_format: str | None
    weight_gib: float | None  # the measured file's size, when the format's average bpw does not fit it
    phase: str
    metric: str
    measured: float
    notes: str
    source: str
    split: str


@dataclass(frozen=True)
class RowResult:
    row: ValidationRow
    estimated: float | None
    naive: float | None  # decode-phase rows only
    used_batch: int | None = None
    skipped: str = ""

    @property
    def ape(self) -> float | None:
        """Absolute percentage error of the estimate (percent)."""
        return ape(self.estimated, self.row.measured)

    @property
    def naive_ape(self) -> float | None:
        return ape(self.naive, self.row.measured)


def ape(estimated: float | None, measured: float | None) -> float | None:
    if estimated is None or measured is None or measured <= 0:
        return None
    return abs(estimated - measured) / measured * 100.0


def mdape(values: list[float | None]) -> tuple[float | None, int]:
    vals = [v for v in values if v is not None]
    return (statistics.median(vals) if vals else None), len(vals)


@dataclass(frozen=True)
class ValidationReport:
    results: tuple[RowResult, ...]
    calibration_note: str = ""

    def select(
        self,
        *,
        split: str | None = None,
        phase: str | None = None,
        metric: str | None = None,
        batch1: bool = False,
        scored_only: bool = True,
    ) -> list[RowResult]:
        """The rows of a split / phase / metric (batch-1 only with ``batch1``); by default only the scored ones."""
        return [
            r
            for r in self.results
            if not (scored_only and r.skipped)
            and (split is None or r.row.split == split)
            and (phase is None or r.row.phase == phase)
            and (metric is None or r.row.metric == metric)
            and (not batch1 or r.row.batch == 1)
        ]

    def mdape(self, *, naive: bool = False, **where) -> tuple[float | None, int]:
        """(median APE in percent, rows) over the selected rows; ``naive`` scores the 0.55 rule instead."""
        chosen = self.select(**where)
        return mdape([r.naive_ape if naive else r.ape for r in chosen])

    def paired_mdape(self, **where) -> tuple[float | None, float | None, int]:
        """Advisor and naive-rule MdAPE on the same rows (those the rule scores)."""
        chosen = [r for r in self.select(**where) if r.naive_ape is not None and r.ape is not None]
        a, n = mdape([r.ape for r in chosen])
        b, _ = mdape([r.naive_ape for r in chosen])
        return a, b, n


def _num(text: str | None, kind: type = float):
    text = (text or "").strip()
    return kind(float(text)) if text else None


def read_rows(path: Path = VALIDATION_CSV) -> list[ValidationRow]:
    rows = []
    with path.open(newline="") as fh:
        for i, raw in enumerate(csv.DictReader(fh), start=2):
            rows.append(
                ValidationRow(
                    line=i,
                    hardware=raw["hardware_sku"].strip(),
                    model=raw["model_id"].strip(),
                    format_id=raw["format_id"].strip(),
                    engine=raw["engine"].strip(),
                    engine_version=raw["engine_version"].strip(),
                    kernel_engine=raw["kernel_engine"].strip() or None,
                    gpus=_num(raw["gpus"], int) or 1,
                    batch=_num(raw["batch"], int),
                    input_len=_num(raw["input_len"], int),
                    output_len=_num(raw["output_len"], int),
                    kv_format=raw["kv_format"].strip() or None,
                    weight_gib=_num(raw["weight_gib"]),
                    phase=raw["phase"].strip(),
                    metric=raw["metric"].strip(),
                    measured=float(raw["measured"]),
                    notes=raw["metric_notes"].strip(),
                    source=raw["source"].strip(),
                    split=raw["split"].strip(),
                )
            )
    return rows


def all_models() -> dict[str, ModelSpec]:
    return {**EXTRA_MODELS, **default_models()}


def naive_decode_tok_s(bandwidth_gbps: float, gpus: int, model: ModelSpec, bytes_per_weight: float) -> float:
    """llmfit's rule: 0.55 x bandwidth / model bytes (active parameters for MoE), one sequence."""
    return NAIVE_EFFICIENCY * bandwidth_gbps * gpus / (model.active_params_b * bytes_per_weight)


def workload_for(row: ValidationRow, batch: int) -> Workload:
    """The workload a row's metric describes."""
    inp, out = row.input_len or 512, row.output_len if row.output_len is not None else 128
    if row.metric == "prefill_tok_s":
        out = 0  # one prefill pass (llama-bench pp)
    elif row.metric in ("decode_tok_s", "decode_tok_s_per_seq") and row.engine == "llama_cpp":
        inp = 1  # llama-bench tg generates from an empty context
    elif row.metric == "ttft_ms":
        out = 1
    return Workload(batch=batch, input_len=max(1, inp), output_len=out, gpus=row.gpus, kv_format=row.kv_format)


def quantity(est: Estimate, row: ValidationRow) -> float | None:
    """The estimator's figure for exactly what the row measured."""
    s, w = est.speed, est.workload
    if row.metric == "decode_tok_s":
        return s.decode_tok_s
    if row.metric == "decode_tok_s_per_seq":
        return s.decode_tok_s_per_seq
    if row.metric == "prefill_tok_s":
        return s.prefill_tok_s
    if row.metric == "ttft_ms":
        return s.ttft_ms
    if row.metric == "output_tok_s":
        if row.batch is None and row.engine in INFLIGHT_BATCHING_ENGINES:
            return s.output_tok_s_inflight
        return s.output_tok_s
    if row.metric == "output_tok_s_per_gpu":
        return s.output_tok_s / w.gpus if s.output_tok_s else None
    if row.metric == "total_tok_s":
        return w.batch * (w.input_len + w.output_len) / s.e2e_s if s.e2e_s else None
    raise ValueError(f"unknown metric {row.metric!r}")


def _format_for(row: ValidationRow, model: ModelSpec, formats: dict):
    fmt = formats[row.format_id]
    if row.weight_gib:
        bpw = row.weight_gib * 2**30 * 8 / (model.params_b * 1e9)
        fmt = replace(fmt, bits_per_weight=bpw, whole_model_average=True)
    return fmt


def evaluate_row(
    row: ValidationRow,
    catalog: Catalog,
    models: dict[str, ModelSpec],
    formats: dict,
    calibration: Calibration | None = None,
) -> RowResult:
    if row.hardware not in catalog.skus:
        return RowResult(row, None, None, skipped=f"hardware {row.hardware!r} not in the catalog")
    if row.model not in models:
        return RowResult(row, None, None, skipped=f"model {row.model!r} not in the catalog")
    if row.format_id not in formats:
        return RowResult(row, None, None, skipped=f"format {row.format_id!r} not in formats.toml")
    target = HardwareTarget.from_catalog(catalog, row.hardware)
    model = models[row.model]
    fmt = _format_for(row, model, formats)
    naive = None
    if row.phase == "decode" and target.bandwidth_gbps and row.metric != "ttft_ms":
        naive = naive_decode_tok_s(target.bandwidth_gbps, row.gpus, model, fmt.bytes_per_weight)

    verdict = None
    if row.kernel_engine:
        verdict = resolve_support(target, fmt, row.kernel_engine, engines=catalog.engines, formats=formats)

    def run(batch: int) -> Estimate:
        return estimate(
            model,
            fmt,
            target,
            workload_for(row, batch),
            row.engine or None,
            engines=catalog.engines,
            formats=formats,
            calibration=calibration,
            verdict=verdict,
        )

    if row.batch is not None:
        batch, est = row.batch, run(row.batch)
    else:
        batch, est = _max_load(run, MAX_LOAD_BATCH.get(row.engine, MAX_LOAD_BATCH_DEFAULT))
        if est is None:
            return RowResult(row, None, naive, skipped="does not fit at batch 1 by the memory estimate")
    return RowResult(row, quantity(est, row), naive, used_batch=batch)


def _max_load(run, cap: int) -> tuple[int, Estimate | None]:
    """Largest batch <= cap whose memory estimate fits (bisection; fits is monotone in batch)."""
    first = run(1)
    if first.memory.fits is False:
        return 1, None
    top = run(cap)
    if top.memory.fits is not False:
        return cap, top
    lo, hi, best = 1, cap, first
    while hi - lo > 1:
        mid = (lo + hi) // 2
        est = run(mid)
        if est.memory.fits is False:
            hi = mid
        else:
            lo, best = mid, est
    return lo, best


def validate(
    catalog: Catalog | None = None, path: Path = VALIDATION_CSV, calibration: Calibration | None = None
) -> ValidationReport:
    """Estimate every row of the validation set and pair it with its measurement."""
    if catalog is None:
        from hardware_db.catalog import default_catalog

        catalog = default_catalog()
    models, formats = all_models(), default_formats()
    results = tuple(evaluate_row(r, catalog, models, formats, calibration) for r in read_rows(path))
    return ValidationReport(results)


def calibrate_on_dev(report: ValidationReport) -> Calibration:
    """Per-(phase, hardware, engine, format) multipliers from the dev rows only, metric-exact: each dev row's
    measured / estimated ratio (inverted for TTFT, a time) counts for the phase its time is dominated by."""
    ratios = []
    for r in report.select(split="dev"):
        if not r.estimated or r.estimated <= 0:
            continue
        ratio = r.row.measured / r.estimated
        if r.row.metric == "ttft_ms":
            ratio = 1.0 / ratio
        ratios.append(
            CalibrationRatio(
                phase=r.row.phase,
                sku=r.row.hardware,
                engine=r.row.engine,
                format_id=r.row.format_id,
                log_ratio=math.log(ratio),
                label=f"published.csv line {r.row.line}",
            )
        )
    return calibration_from_ratios(ratios)


def calibrated_on_dev(
    report: ValidationReport, catalog: Catalog | None = None, path: Path = VALIDATION_CSV
) -> ValidationReport:
    cal = calibrate_on_dev(report)
    out = validate(catalog, path, calibration=cal)
    return replace(out, calibration_note=f"calibrated on {len(report.select(split='dev'))} dev rows")


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f}"


@dataclass(frozen=True)
class SummaryLine:
    split: str
    group: str  # "decode (all rows)", "prefill (all rows)", "decode: batch-1 rows", "metric output_tok_s", ...
    n: int
    advisor: float | None
    naive: float | None
    calibrated: float | None
    extra: dict = field(default_factory=dict)


def summary(report: ValidationReport, calibrated: ValidationReport | None = None) -> list[SummaryLine]:
    lines = []
    groups: list[tuple[str, dict]] = [
        ("decode phase", {"phase": "decode"}),
        ("prefill phase", {"phase": "prefill"}),
        ("decode phase, batch-1 rows", {"phase": "decode", "batch1": True}),
    ]
    groups += [(f"metric {m}", {"metric": m}) for m in METRICS]
    for split in (*SPLITS, "all"):
        sp = None if split == "all" else split
        for name, where in groups:
            adv, n = report.mdape(split=sp, **where)
            if n == 0:
                continue
            nai, _ = report.mdape(split=sp, naive=True, **where)
            cal = calibrated.mdape(split=sp, **where)[0] if calibrated is not None else None
            in_set = len(report.select(split=sp, scored_only=False, **where))
            lines.append(SummaryLine(split, name, n, adv, nai, cal, {"in_set": in_set}))
    return lines


def markdown(report: ValidationReport, calibrated: ValidationReport | None = None, with_rows: bool = False) -> str:
    """Summary table (and optionally one line per row) for bench/RESULTS.md.

    The calibrated column is shown for holdout rows only: on dev rows it is in-sample by construction."""
    out = [
        "| split | rows | in set | scored | advisor MdAPE % | naive 0.55 x BW / bytes MdAPE % (same rows) "
        "| advisor calibrated on dev MdAPE % |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for s in summary(report, calibrated):
        cal = "-" if calibrated is None else (_pct(s.calibrated) if s.split == "holdout" else "in-sample")
        out.append(
            f"| {s.split} | {s.group} | {s.extra.get('in_set', s.n)} | {s.n} | {_pct(s.advisor)} | "
            f"{_pct(s.naive)} | {cal} |"
        )
    out += [
        "",
        "Targets (issue #4): decode phase <= 25%, prefill phase <= 35%, and below the naive rule. "
        "'in set' counts the rows of the group, 'scored' those the estimator gives a figure for "
        "(no figure: SKU missing from the catalog, or no published compute peak, e.g. Apple GPUs, DGX Spark 16-bit).",
    ]
    verdicts = []
    for split in SPLITS:
        for phase in PHASES:
            v, _ = report.mdape(split=split, phase=phase)
            ok = v is not None and v <= TARGET_MDAPE_PCT[phase]
            verdicts.append(f"{split} {phase} {_pct(v)}% ({'met' if ok else 'NOT met'})")
    out.append("Uncalibrated: " + "; ".join(verdicts) + ".")
    skipped = [r for r in report.results if r.skipped]
    if skipped:
        out += ["", f"Not scored ({len(skipped)} of {len(report.results)} rows):"]
        out += [f"- line {r.row.line}: {r.row.hardware} / {r.row.model}: {r.skipped}" for r in skipped]
    if with_rows:
        out += [
            "",
            "| line | split | phase | metric | hardware | model | format | engine | batch | measured | estimate | "
            "error | naive |",
            "|---:|---|---|---|---|---|---|---|---:|---:|---:|---:|---:|",
        ]
        for r in report.results:
            if r.skipped:
                continue
            b = r.row.batch if r.row.batch is not None else f"max->{r.used_batch}"
            err = "-" if r.estimated is None else f"{(r.estimated / r.row.measured - 1) * 100:+.0f}%"
            naive = "-" if r.naive is None else f"{r.naive:,.1f}"
            est = "-" if r.estimated is None else f"{r.estimated:,.1f}"
            out.append(
                f"| {r.row.line} | {r.row.split} | {r.row.phase} | {r.row.metric} | {r.row.hardware} | "
                f"{r.row.model} | {r.row.format_id} | {r.row.engine} | {b} | {r.row.measured:,.1f} | {est} | "
                f"{err} | {naive} |"
            )
    return "\n".join(out)
