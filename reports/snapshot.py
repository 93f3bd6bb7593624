"""Turn a recommendation into the plain-JSON snapshot that the Advise page shows and a report stores."""

from __future__ import annotations

import datetime as dt
from typing import Any

from advisor.recommend import Recommendation

#: The ranking columns shown on screen, in order (a snapshot row also has format_id and reason).
TABLE_COLUMNS = (
    "rank",
    "format",
    "support",
    "fits",
    "memory_per_gpu_gb",
    "decode_tok_s",
    "decode_low",
    "decode_high",
    "decode_tok_s_per_seq",
    "prefill_tok_s",
    "ttft_ms",
    "tpot_ms",
    "quality_loss_pct",
    "quality_level",
    "engines",
    "basis",
    "release",
)


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(float(x), nd)


def ranking_rows(rec: Recommendation) -> list[dict[str, Any]]:
    rows = []
    for i, c in enumerate(rec.ranked, start=1):
        e, s, m = c.estimate, c.estimate.speed, c.estimate.memory
        band = s.band.get("decode_tok_s", (None, None))
        rows.append(
            {
                "rank": i,
                "format_id": c.format_id,
                "format": c.format_name,
                "support": e.support.level.value,
                "fits": m.fits,
                "memory_gb": _r(m.total_gb),
                "memory_per_gpu_gb": _r(m.per_gpu_gb),
                "decode_tok_s": _r(s.decode_tok_s),
                "decode_low": _r(band[0]),
                "decode_high": _r(band[1]),
                "decode_tok_s_per_seq": _r(s.decode_tok_s_per_seq),
                "prefill_tok_s": _r(s.prefill_tok_s),
                "ttft_ms": _r(s.ttft_ms),
                "tpot_ms": _r(s.tpot_ms, 2),
                "quality_loss_pct": _r(e.quality.ppl_increase_pct, 2),
                "quality_level": e.quality.level,
                "engines": ", ".join(c.engines),
                "basis": s.basis,
                "release": c.release.repo if c.release else "",
                "reason": e.support.reason,
            }
        )
    return rows


def rejected_rows(rec: Recommendation) -> list[dict[str, Any]]:
    return [{"format_id": r.format_id, "format": r.format_name, "why_not": r.why} for r in rec.rejected]


def roofline_points(rec: Recommendation, model_active_params_b: float) -> list[dict[str, Any]]:
    """Each ranked format's decode and prefill operating point: FLOP/byte and attained TFLOPS."""
    pts = []
    w = rec.workload
    for c in rec.ranked[:8]:
        s, m = c.estimate.speed, c.estimate.memory
        flops_per_token = 2 * model_active_params_b * 1e9
        weight_bytes = m.weights_gb * 1e9
        if s.tpot_ms and weight_bytes > 0:
            flops = flops_per_token * w.batch
            pts.append(
                {
                    "label": f"{c.format_id} decode",
                    "intensity": flops / weight_bytes,
                    "tflops": flops / (s.tpot_ms / 1e3) / 1e12,
                    "math": s.math_format,
                }
            )
        if s.ttft_ms and weight_bytes > 0:
            flops = flops_per_token * w.batch * w.input_len
            pts.append(
                {
                    "label": f"{c.format_id} prefill",
                    "intensity": flops / weight_bytes,
                    "tflops": flops / (s.ttft_ms / 1e3) / 1e12,
                    "math": s.math_format,
                }
            )
    return pts


def build_snapshot(
    rec: Recommendation,
    *,
    inputs: dict[str, Any],
    catalog_version: str,
    peaks_tflops: dict[str, float],
    bandwidth_gbps: float | None,
    model_active_params_b: float,
    evidence: list[dict[str, Any]] = (),
) -> dict[str, Any]:
    notes = list(rec.notes)
    if rec.mixed_precision is not None:
        notes.append(f"Mixed precision: {rec.mixed_precision.description} ({rec.mixed_precision.reason})")
    return {
        "kind": "recommendation",
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "catalog_version": catalog_version,
        "inputs": inputs,
        "best": rec.best.format_id if rec.best else None,
        "ranking": ranking_rows(rec),
        "rejected": rejected_rows(rec),
        "evidence": list(evidence),
        "notes": notes,
        "roofline": {
            "title": f"Roofline: {inputs.get('hardware_name', rec.hardware)}",
            "peaks_tflops": {k: v for k, v in peaks_tflops.items() if v},
            "bandwidth_gbps": bandwidth_gbps,
            "points": roofline_points(rec, model_active_params_b),
        },
    }
