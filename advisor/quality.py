"""Expected quality loss per format and model size, and the user's tolerance filter.

Loss is the published wikitext perplexity increase (%) of ``formats.toml`` at its reference model size,
scaled by ``(ref_params / params) ** SIZE_EXPONENT``, clamped to a factor 0.5..2. Larger models usually lose
less to the same quantizer (GPTQ paper, https://arxiv.org/abs/2210.17323, Fig. 1 / Table 3: the 3- and 4-bit
gap shrinks with OPT/BLOOM size; llama.cpp's Llama 2 70B vs 7B: Q4_K_M ppl ratio 1.012 vs 1.014), but not
always (the same llama.cpp README: Llama 3 70B Q4_K_M 1.051 vs 8B 1.029, Q2_K 1.94 vs 1.57,
https://github.com/ggml-org/llama.cpp/blob/master/tools/perplexity/README.md), so the exponent is a mild 0.1.
Formats with only ModelOpt's qualitative level get that level's range; formats with neither are "unknown".
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from statistics import median

from advisor.formats import Format

SIZE_EXPONENT = 0.1
#: Upper bound (% perplexity increase) of each class, used for ModelOpt's qualitative levels too.
CLASS_UPPER_PCT: dict[str, float] = {"very_low": 1.0, "low": 5.0, "medium": 15.0, "high": float("inf")}
#: Tolerance presets -> the worst class they accept ("relaxed" also accepts unknown quality).
TOLERANCES: dict[str, str] = {"strict": "very_low", "moderate": "low", "relaxed": "high"}


@dataclass(frozen=True)
class QualityEstimate:
    format_id: str
    ppl_increase_pct: float | None  # scaled to this model's size; None when unknown
    level: str  # "very_low" | "low" | "medium" | "high" | "unknown"
    basis: str  # where the number comes from
    source: str
    #: 80%-style spread of the figure: the lowest and highest loss among the figures it was taken from, widened
    #: when it was carried over from another model size or family (``None`` when not from evidence rows).
    low_pct: float | None = None
    high_pct: float | None = None
    n_figures: int = 0  # how many published (model, format, task) figures back it
    match: str = ""  # "measured" | "same model" | "same family" | "other family" | "format table" | ""
    settle: str = ""  # for unknown: the evidence that would settle it


def _class_of(pct: float) -> str:
    for name, upper in CLASS_UPPER_PCT.items():
        if pct <= upper:
            return name
    return "high"


def expected_quality(
    fmt: Format,
    params_b: float | None = None,
    native_dtype: str | None = None,
    *,
    native_weight_bits: int | None = None,
    has_release: bool = False,
) -> QualityEstimate:
    """Expected perplexity increase of ``fmt`` on a model of ``params_b`` billion parameters.

    A model published in ``fmt`` (``native_dtype``: gpt-oss in MXFP4, DeepSeek-V3 in block FP8) loses nothing:
    the published checkpoint is the reference. Re-quantizing a model that is published below 16 bits to another
    format of at most its width is not covered by the published evaluations (they start from 16-bit weights), so
    it is "unknown" unless a release of the model in that format exists (``has_release``)."""
    if native_dtype is not None and native_dtype == fmt.id:
        return QualityEstimate(fmt.id, 0.0, "very_low", "the model is published in this format (reference weights)", "")
    if native_dtype is not None and native_dtype in fmt.same_weights_as:
        return QualityEstimate(
            fmt.id,
            0.0,
            "very_low",
            f"the model is published in this format's weights ({native_dtype}), stored unchanged (reference weights)",
            "",
        )
    if (
        native_weight_bits is not None
        and native_weight_bits < 16
        and fmt.weight_bits <= native_weight_bits
        and not has_release
    ):
        return QualityEstimate(
            fmt.id,
            None,
            "unknown",
            f"re-quantizing a model published at {native_weight_bits} bits: no published evaluation",
            "",
        )
    if fmt.ppl_increase_pct is not None:
        pct = float(fmt.ppl_increase_pct)
        basis = fmt.quality_ref_model or "published evaluation"
        if fmt.quality_ref_params_b and params_b and pct > 0:
            scale = min(2.0, max(0.5, (fmt.quality_ref_params_b / params_b) ** SIZE_EXPONENT))
            pct *= scale
            if abs(scale - 1.0) > 0.01:
                basis += f"; scaled x{scale:.2f} for {params_b:g}B parameters"
        return QualityEstimate(fmt.id, pct, _class_of(pct), basis, fmt.quality_source)
    if fmt.accuracy_level is not None:
        return QualityEstimate(
            fmt.id, None, fmt.accuracy_level, f"ModelOpt accuracy level '{fmt.accuracy_level}'", fmt.quality_source
        )
    return QualityEstimate(fmt.id, None, "unknown", "no published evaluation recorded", "")


def within_tolerance(quality: QualityEstimate, tolerance: str | float) -> bool:
    """``strict`` | ``moderate`` | ``relaxed`` or a maximum perplexity increase in percent.

    A numeric limit needs a number: a qualitative level counts at its class's upper bound; unknown fails.
    """
    if isinstance(tolerance, int | float) and not isinstance(tolerance, bool):
        if quality.ppl_increase_pct is not None:
            return quality.ppl_increase_pct <= tolerance
        if quality.level in CLASS_UPPER_PCT:
            return CLASS_UPPER_PCT[quality.level] <= tolerance
        return False
    if tolerance not in TOLERANCES:
        raise ValueError(f"tolerance must be one of {sorted(TOLERANCES)} or a number, got {tolerance!r}")
    if quality.level == "unknown":
        return tolerance == "relaxed"
    order = list(CLASS_UPPER_PCT)
    return order.index(quality.level) <= order.index(TOLERANCES[tolerance])


def parse_tolerance(text: str | float | None) -> str | float:
    if text is None:
        return "moderate"
    if isinstance(text, int | float):
        return float(text)
    try:
        return float(text)
    except ValueError:
        if text not in TOLERANCES:
            raise ValueError(f"tolerance must be one of {sorted(TOLERANCES)} or a number, got {text!r}") from None
        return text


@dataclass(frozen=True)
class MeasuredQuality:
    """A team's own quality score of a quantized model next to the 16-bit score of the same model and task."""

    model_id: str
    format_id: str
    task: str
    value: float
    reference: float | None  # the 16-bit score (the file's own quality_reference, else the stored bf16/fp16 runs)
    reference_source: str  # "file" | "stored 16-bit runs" | ""

    @property
    def delta(self) -> float | None:
        return None if self.reference is None else self.value - self.reference


#: Formats whose scores are the reference a quantized run is compared with.
REFERENCE_FORMATS = ("bf16", "fp16")


def measured_quality(measurements) -> list[MeasuredQuality]:
    """Quality measurements (``Metric.QUALITY``) paired with their reference: the measurement's own
    ``quality_reference``, else the mean of the stored bf16/fp16 scores of the same model and task."""
    from advisor.measurement import Metric

    quality = [m for m in measurements if m.metric is Metric.QUALITY and m.model_id and m.quality_task]
    refs: dict[tuple[str, str], list[float]] = {}
    for m in quality:
        if m.format_id in REFERENCE_FORMATS:
            refs.setdefault((m.model_id, m.quality_task), []).append(m.value)
    out = []
    for m in quality:
        if m.quality_reference is not None:
            ref, src = m.quality_reference, "file"
        elif m.format_id not in REFERENCE_FORMATS and (m.model_id, m.quality_task) in refs:
            vals = refs[(m.model_id, m.quality_task)]
            ref, src = sum(vals) / len(vals), "stored 16-bit runs"
        else:
            ref, src = None, ""
        out.append(MeasuredQuality(m.model_id, m.format_id or m.format_raw, m.quality_task, m.value, ref, src))
    return out


# --------------------------------------------------------------------------------------------------------------
# Published evaluations as data: advisor/data/quality/evidence.csv (one row per model x format x method x task).
# --------------------------------------------------------------------------------------------------------------

EVIDENCE_PATH = Path(__file__).parent / "data" / "quality" / "evidence.csv"
EVIDENCE_COLUMNS = (
    "model_id",
    "model_raw",
    "params_b",
    "format_id",
    "method",
    "group_size",
    "kv_format",
    "task",
    "metric",
    "baseline_value",
    "quantized_value",
    "recovery_pct",
    "higher_is_better",
    "n_shot",
    "evaluator",
    "source_url",
    "source_locator",
    "checked",
    "notes",
)
#: Metrics where lower is better and the loss is the relative increase (perplexity); KL divergence has no
#: baseline and is kept as a figure but not turned into a loss.
LOWER_IS_BETTER = ("perplexity", "word_perplexity")
#: Carrying a figure to another size of the same family adds this much relative spread per factor of 2 in size
#: (the same llama.cpp table: Llama 3 70B Q4_K_M loses 5.1% perplexity where 8B loses 2.9%, a factor ~1.8 over
#: ~3 doublings, so +-25% per doubling covers it); another family widens it x2.
SPREAD_PER_DOUBLING = 0.25
OTHER_FAMILY_SPREAD = 2.0


class QualityDataError(ValueError):
    """A row of the quality evidence file breaks the schema: names the row, the column and what is accepted."""


@dataclass(frozen=True)
class QualityFigure:
    """One published figure: a quantized model's score on a task next to its 16-bit baseline."""

    model_id: str
    params_b: float | None
    format_id: str
    method: str
    group_size: int | None
    kv_format: str
    task: str
    metric: str
    baseline: float | None
    value: float
    higher_is_better: bool
    source_url: str
    locator: str
    checked: str

    @property
    def family(self) -> str:
        return model_family(self.model_id)

    @property
    def loss_pct(self) -> float | None:
        """Relative loss in percent (accuracy drop, or perplexity increase); None without a baseline."""
        if self.baseline is None or self.baseline == 0:
            return None
        if self.higher_is_better:
            return (1.0 - self.value / self.baseline) * 100.0
        return (self.value / self.baseline - 1.0) * 100.0

    @property
    def is_accuracy(self) -> bool:
        return self.higher_is_better


def model_family(model_id: str) -> str:
    """The catalog's ``family`` of a catalog model (DeepSeek-R1 and V3.2 are the ``deepseek-v3`` family), else
    from the id: ``llama-3.1-70b`` -> ``llama-3.1``; ``qwen3-30b-a3b`` -> ``qwen3``; ``mistral-7b-v0.1`` ->
    ``mistral``."""
    family = _catalog_families().get(model_id)
    return family or family_from_id(model_id)


@lru_cache(maxsize=1)
def _catalog_families() -> dict[str, str]:
    from advisor.models import default_models  # the shipped catalog; quality is read after it loads

    return {mid: spec.family for mid, spec in default_models().items() if spec.family}


def family_from_id(model_id: str) -> str:
    parts = model_id.lower().split("-")
    out = []
    for p in parts:
        if re.fullmatch(r"\d+(\.\d+)?[bm]", p) or re.fullmatch(r"\d+x\d+b", p):
            break
        out.append(p)
    return "-".join(out) or model_id


def _num(row: dict, col: str, n: int, *, required: bool = False) -> float | None:
    text = (row.get(col) or "").strip()
    if not text:
        if required:
            raise QualityDataError(f"evidence row {n}: column {col!r} is empty; a number is required")
        return None
    try:
        v = float(text)
    except ValueError:
        raise QualityDataError(f"evidence row {n}: column {col!r} is {text!r}; expected a number") from None
    if not math.isfinite(v):
        raise QualityDataError(f"evidence row {n}: column {col!r} is {text!r}; expected a finite number")
    return v


def parse_evidence(text: str, *, known_formats: set[str] | None = None) -> tuple[QualityFigure, ...]:
    """Validate and parse the evidence CSV (the schema is ``EVIDENCE_COLUMNS``)."""
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in EVIDENCE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise QualityDataError(f"evidence file: missing column(s) {missing}; expected {list(EVIDENCE_COLUMNS)}")
    out = []
    for n, row in enumerate(reader, start=2):
        for col in ("model_id", "format_id", "task", "metric", "source_url", "checked"):
            if not (row.get(col) or "").strip():
                raise QualityDataError(f"evidence row {n}: column {col!r} is empty")
        url = row["source_url"].strip()
        if not url.startswith("https://"):
            raise QualityDataError(f"evidence row {n}: source_url {url!r} must be an https:// URL")
        try:
            date.fromisoformat(row["checked"].strip())
        except ValueError:
            raise QualityDataError(
                f"evidence row {n}: checked {row['checked']!r}; expected an ISO date YYYY-MM-DD"
            ) from None
        fid = row["format_id"].strip()
        if known_formats is not None and fid not in known_formats:
            raise QualityDataError(f"evidence row {n}: format_id {fid!r} is not in advisor/data/formats.toml")
        hib = row["higher_is_better"].strip().lower()
        if hib not in ("true", "false"):
            raise QualityDataError(f"evidence row {n}: higher_is_better {hib!r}; expected true or false")
        gs = _num(row, "group_size", n)
        out.append(
            QualityFigure(
                model_id=row["model_id"].strip(),
                params_b=_num(row, "params_b", n),
                format_id=fid,
                method=row["method"].strip(),
                group_size=None if gs is None else int(gs),
                kv_format=(row.get("kv_format") or "").strip(),
                task=row["task"].strip(),
                metric=row["metric"].strip(),
                baseline=_num(row, "baseline_value", n),
                value=_num(row, "quantized_value", n, required=True),
                higher_is_better=hib == "true",
                source_url=url,
                locator=row["source_locator"].strip(),
                checked=row["checked"].strip(),
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def load_evidence() -> tuple[QualityFigure, ...]:
    """The shipped evidence file, parsed once."""
    return parse_evidence(EVIDENCE_PATH.read_text(encoding="utf-8"))


def _class_or_unknown(pct: float | None) -> str:
    return "unknown" if pct is None else _class_of(max(pct, 0.0))


def published_quality(
    model_id: str,
    params_b: float | None,
    format_id: str,
    figures: tuple[QualityFigure, ...] | None = None,
) -> QualityEstimate | None:
    """The published loss of ``format_id`` for this model, from the evidence rows, or None when there is none.

    Preference: the same model, else the same family (nearest size), else any family (nearest size); within the
    chosen model, accuracy tasks (lm-eval) win over perplexity, and the figure is the median over tasks and
    methods with the min..max as its spread. Carried to another size it widens by ``SPREAD_PER_DOUBLING`` per
    factor of 2, to another family by ``OTHER_FAMILY_SPREAD`` more; the basis says which."""
    rows = [f for f in (figures if figures is not None else load_evidence()) if f.format_id == format_id]
    rows = [f for f in rows if f.loss_pct is not None]
    if not rows:
        return None
    fam = model_family(model_id)
    same = [f for f in rows if f.model_id == model_id]
    match = "same model"
    if not same:
        same = [f for f in rows if f.family == fam]
        match = "same family"
    if not same:
        same, match = rows, "other family"

    def distance(f: QualityFigure) -> float:
        if not params_b or not f.params_b:
            return 99.0
        return abs(math.log2(f.params_b / params_b))

    nearest = min(distance(f) for f in same)
    # one model's rows are all its own, whatever size each source printed (8 vs 8.03); across models, nearest size
    pick = same if match == "same model" else [f for f in same if distance(f) == nearest]
    acc = [f for f in pick if f.is_accuracy]
    used = acc or pick
    losses = sorted(f.loss_pct for f in used)  # type: ignore[misc]
    mid = median(losses)
    lo, hi = losses[0], losses[-1]
    widen = 0.0 if match == "same model" else SPREAD_PER_DOUBLING * (nearest if nearest < 99 else 2.0)
    if match == "other family":
        widen = widen * OTHER_FAMILY_SPREAD + SPREAD_PER_DOUBLING
    span = max(abs(mid), 0.5) * widen
    lo, hi = lo - span, hi + span
    ref = used[0]
    kind = "accuracy drop" if acc else f"{ref.metric} increase"
    size = f" {ref.params_b:g}B" if ref.params_b else ""
    basis = (
        f"{len(used)} published figure(s) on {ref.model_id}{size} ({kind}, median {mid:+.2f}%, "
        f"range {losses[0]:+.2f}..{losses[-1]:+.2f}%; tasks: {', '.join(sorted({f.task for f in used})[:4])})"
    )
    if match != "same model":
        basis += f"; carried over from the {match} to {model_id}: spread widened to {lo:+.1f}..{hi:+.1f}%"
    return QualityEstimate(
        format_id,
        mid,
        _class_or_unknown(mid),
        basis,
        ref.source_url,
        low_pct=lo,
        high_pct=hi,
        n_figures=len(used),
        match=match,
    )


def settle_text(model_id: str, format_id: str) -> str:
    """What evidence would turn an unknown quality into a number."""
    return (
        f"an lm-eval run of {model_id} in {format_id} next to its 16-bit run (upload it on the Benchmarks page), "
        f"or a published evaluation of {format_id} on this model family"
    )


def model_quality(
    model,
    fmt: Format,
    *,
    measurements=(),
    figures: tuple[QualityFigure, ...] | None = None,
    native: Format | None = None,
) -> QualityEstimate:
    """Quality for ``model`` in ``fmt`` (``native``: the format the model is published in, when it is a format of
    the catalog): the team's measured lm-eval result first, then the published evidence
    rows (same model > same family > other family), then the format table's single figure; unknown otherwise,
    with what would settle it. Models published in the format (gpt-oss MXFP4, DeepSeek FP8) lose nothing."""
    release_formats = {r.format_id for r in getattr(model, "releases", ())}
    base = expected_quality(
        fmt,
        model.params_b,
        getattr(model, "native_dtype", None),
        native_weight_bits=native.weight_bits if native is not None else None,
        has_release=fmt.id in release_formats,
    )
    if base.basis.startswith("the model is published in this format"):
        return replace(base, match="reference")
    for mq in measured_quality(measurements):
        if mq.model_id == model.id and mq.format_id == fmt.id and mq.delta is not None and mq.reference:
            pct = -mq.delta / abs(mq.reference) * 100.0
            return QualityEstimate(
                fmt.id,
                pct,
                _class_or_unknown(pct),
                f"your measured {mq.task}: {mq.value:g} vs {mq.reference:g} ({mq.reference_source})",
                "uploaded lm-eval results",
                low_pct=pct,
                high_pct=pct,
                n_figures=1,
                match="measured",
            )
    if base.level == "unknown" and base.basis.startswith("re-quantizing"):
        return replace(base, settle=settle_text(model.id, fmt.id))
    pub = published_quality(model.id, model.params_b, fmt.id, figures)
    if pub is not None and (pub.match != "other family" or base.ppl_increase_pct is None):
        return pub
    if base.level == "unknown":
        return replace(base, settle=settle_text(model.id, fmt.id))
    return replace(base, match="format table")
