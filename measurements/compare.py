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
    ``METRICS`` and a ``prediction_note`` column (why a row has no prediction). A prediction is kept
    only where the row measured that metric (a pp row gets no decode prediction)."""
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
            measured = rec.get(metric)
            if measured is None or measured != measured:
                value = None
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


REFERENCE_FORMATS = ("bf16", "fp16")


def attach_quality_reference(df: pd.DataFrame) -> pd.DataFrame:
    """Quality rows of a quantized model next to its full-precision score: where a row has no
    ``quality_reference`` of its own, take the mean ``quality_value`` of the stored bf16/fp16 rows of
    the same ``model_id`` and ``quality_metric``. Adds ``reference_value``, ``reference_source``
    (``file`` or ``stored bf16 rows``) and ``quality_delta`` (value - reference)."""
    out = df.copy()
    quality = df[df["quality_value"].notna() & df["model_id"].notna() & (df["quality_metric"] != "")]
    refs = (
        quality[quality["format_id"].isin(REFERENCE_FORMATS)]
        .groupby(["model_id", "quality_metric"])["quality_value"]
        .mean()
    )
    values, sources = [], []
    for rec in df.to_dict("records"):
        own = rec.get("quality_reference")
        if own is not None and own == own:
            values.append(float(own))
            sources.append("file")
            continue
        key = (rec.get("model_id"), rec.get("quality_metric"))
        if rec.get("format_id") not in REFERENCE_FORMATS and key in refs.index:
            values.append(float(refs[key]))
            sources.append("stored bf16/fp16 rows")
        else:
            values.append(None)
            sources.append("")
    out["reference_value"] = pd.Series(values, index=df.index, dtype="float64")
    out["reference_source"] = sources
    out["quality_delta"] = out["quality_value"] - out["reference_value"]
    return out


def _int(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return int(value)


def default_predictor() -> Predictor | None:
    """The advisor's ``estimate`` as a ``Predictor`` (None if the advisor can't be imported).

    Like for like: a llama-bench ``pp`` row is compared with the estimated prefill rate for that many
    prompt tokens, a ``tg`` row with the decode rate at batch 1, a vLLM ``serve`` row's
    ``decode_tok_s`` (output throughput over the run) with the estimate's serving throughput
    ``output_tok_s`` at ``batch`` = ``max_concurrency``. Rows without a catalog SKU, a format or a
    model (id or size) get no prediction and a note saying which is missing. The estimate never
    sees the measurements, so a prediction is not an echo of the row it is compared with.
    """
    try:
        from advisor.estimate import estimate
        from advisor.hardware import HardwareTarget
        from advisor.models import custom_model, default_models
        from advisor.workload import Workload
        from hardware_db.catalog import default_catalog
    except ImportError:
        return None

    targets: dict[str, Any] = {}
    memo: dict[tuple, dict[str, float | None]] = {}

    def predict(row: Mapping[str, Any]) -> dict[str, float | None]:
        sku, fmt = row.get("hardware_sku"), row.get("format_id")
        if not sku:
            raise LookupError("hardware not in catalog")
        if not fmt:
            raise LookupError("format not in catalog")
        model_id, params_b = row.get("model_id"), row.get("params_b")
        models = default_models()
        if model_id and model_id in models:
            model = models[model_id]
        elif params_b and params_b == params_b:
            model = custom_model(params_b=float(params_b))
        else:
            raise LookupError("model not in catalog and no parameter count")
        test = str(row.get("test") or "")
        batch = _int(row.get("batch"))
        in_len, out_len = _int(row.get("input_len")), _int(row.get("output_len"))
        depth = _int(row.get("context_depth")) or 0
        if test == "serve" and batch is None:
            raise LookupError("max_concurrency not given: no like-for-like estimate for an open-ended load")
        workload = Workload(
            batch=batch or 1,
            input_len=max(1, (in_len or 0) + depth) if in_len else max(1, depth),
            output_len=out_len or 0,
            gpus=_int(row.get("gpus")) or 1,
        )
        engine = row.get("engine") or None
        serve = test == "serve"  # decode_tok_s means a different estimate for serve rows: part of the key
        key = (sku, model.id, fmt, engine, workload, serve)
        if key not in memo:
            if sku not in targets:
                targets[sku] = HardwareTarget.from_catalog(default_catalog(), sku)
            est = estimate(model, fmt, targets[sku], workload, engine)
            sp = est.speed
            memo[key] = {
                "prefill_tok_s": sp.prefill_tok_s,
                "decode_tok_s": sp.output_tok_s if serve else sp.decode_tok_s,
                "ttft_ms": sp.ttft_ms,
                "tpot_ms": sp.tpot_ms,
                "memory_gb": est.memory.total_gb,
            }
        return memo[key]

    return predict
