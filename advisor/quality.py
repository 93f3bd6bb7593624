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

from dataclasses import dataclass

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
