"""Measured next to predicted: one predicted value and one error per measured metric and row.

``compare_with_predictions(df, predict)`` takes the predictor as a function, so this package does
not depend on the estimator's internals. ``predict(row)`` gets one stored row as a dict (columns
of ``list_results``) and returns ``{"decode_tok_s": ..., "prefill_tok_s": ..., "ttft_ms": ...,
"tpot_ms": ..., "memory_gb": ...}`` (any subset; ``None`` = no prediction). The error is
``(predicted - measured) / measured * 100``: positive means the estimate is too high.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

METRICS = ("prefill_tok_s", "decode_tok_s", "ttft_ms", "tpot_ms", "memory_gb")

Predictor = Callable[[Mapping[str, Any]], Mapping[str, float | None] | None]

# What a predictor may raise for a row it can't estimate (unknown SKU, model or format, bad shape).
PREDICTION_ERRORS = (LookupError, ValueError, TypeError, ArithmeticError)


def error_pct(predicted: float | None, measured: float | None) -> float | None:
    if predicted is None or measured is None or measured == 0:
        return None
    if pd.isna(predicted) or pd.isna(measured):
        return None
    return (float(predicted) - float(measured)) / float(measured) * 100.0


def compare_with_predictions(df: pd.DataFrame, predict: Predictor) -> pd.DataFrame:
    """A copy of ``df`` with ``predicted_<metric>`` and ``error_<metric>_pct`` for each metric in
    ``METRICS`` and a ``prediction_note`` column (why a row has no prediction)."""
    out = df.copy()
    predicted: dict[str, list[float | None]] = {m: [] for m in METRICS}
    notes: list[str] = []
    for rec in df.to_dict("records"):
        note = ""
        try:
            values = predict(rec) or {}
        except PREDICTION_ERRORS as exc:
            values, note = {}, f"no prediction: {exc}"
        for metric in METRICS:
            value = values.get(metric)
            predicted[metric].append(float(value) if value is not None else None)
        notes.append(note)
    for metric in METRICS:
        out[f"predicted_{metric}"] = pd.Series(predicted[metric], index=df.index, dtype="float64")
        measured = df[metric] if metric in df.columns else pd.Series([None] * len(df), index=df.index)
        out[f"error_{metric}_pct"] = pd.Series(
            [error_pct(p, m) for p, m in zip(predicted[metric], measured, strict=True)], index=df.index, dtype="float64"
        )
    out["prediction_note"] = notes
    return out


def default_predictor() -> Predictor | None:
    """The advisor's estimator wrapped as a ``Predictor``; None until the advisor provides one."""
    try:
        from advisor import estimate  # type: ignore[attr-defined]
    except ImportError:
        return None
    adapter = getattr(estimate, "predict_measurement", None)
    return adapter if callable(adapter) else None
