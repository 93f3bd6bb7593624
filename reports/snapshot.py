"""Turn a recommendation into the plain-JSON snapshot that the Advise page shows and a report stores.

One snapshot feeds the page, the shared report and every export (Markdown, HTML, CSV, JSON, print page), so
they all say the same thing. Snapshot schema 2 adds ``verdict``, ``versions``, ``price`` and the cost and
output-throughput columns; readers accept schema-1 snapshots (``verdict_of`` rebuilds their verdict).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from advisor.recommend import Candidate, Recommendation
from hardware_db.prices import cost_per_million_tokens

SNAPSHOT_SCHEMA = 2
ADVISOR_DIR = Path(__file__).resolve().parent.parent / "advisor"

#: Profile -> the speed the ranking optimizes for (snapshot key, words for it).
PROFILE_SPEED = {
    "interactive": ("decode_tok_s_per_seq", "decode speed per sequence"),
    "serving": ("output_tok_s", "output throughput"),
    "long_context": ("prefill_tok_s", "prefill speed"),
    "memory_constrained": ("decode_tok_s", "decode throughput"),
    "finetune_qlora": ("decode_tok_s", "decode throughput"),
}


@lru_cache(maxsize=1)
def estimator_version() -> str:
    """A content hash of the estimator's code (``advisor/*.py``); its data files are in the catalog version."""
    digest = hashlib.sha256()
    for path in sorted(ADVISOR_DIR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"e-{digest.hexdigest()[:12]}"


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(float(x), nd)


def _band(speed: Any, key: str) -> tuple[float | None, float | None]:
    """The estimate's 80% band for ``key`` (``decode_tok_s_per_seq`` from the time-per-token band)."""
    bands: Mapping[str, tuple[float, float]] = getattr(speed, "band", None) or {}
    if key == "decode_tok_s_per_seq" and "tpot_ms" in bands:
        lo_ms, hi_ms = bands["tpot_ms"]
        return (1e3 / hi_ms if hi_ms else None, 1e3 / lo_ms if lo_ms else None)
    low, high = bands.get(key, (None, None))
    return low, high


def _cost_speed(speed: Any) -> float | None:
    """Generated tokens per second used for cost: serving output throughput (prefill time included), else decode."""
    return getattr(speed, "output_tok_s", None) or getattr(speed, "decode_tok_s", None)


def ranking_rows(
    rec: Recommendation,
    *,
    engine_names: Mapping[str, str] | None = None,
    usd_per_device_hour: float | None = None,
) -> list[dict[str, Any]]:
    names = engine_names or {}
    rows = []
    for i, c in enumerate(rec.ranked, start=1):
        e, s, m = c.estimate, c.estimate.speed, c.estimate.memory
        low, high = _band(s, "decode_tok_s")
        cost = cost_per_million_tokens(usd_per_device_hour, rec.workload.gpus, _cost_speed(s))
        rows.append(
            {
                "rank": i,
                "format_id": c.format_id,
                "format": c.format_name,
                "support": e.support.level.value,
                "fits": m.fits,
                "memory_gb": _r(m.total_gb),
                "memory_per_gpu_gb": _r(m.per_gpu_gb),
                "output_tok_s": _r(s.output_tok_s),
                "decode_tok_s": _r(s.decode_tok_s),
                "decode_low": _r(low),
                "decode_high": _r(high),
                "decode_tok_s_per_seq": _r(s.decode_tok_s_per_seq),
                "prefill_tok_s": _r(s.prefill_tok_s),
                "ttft_ms": _r(s.ttft_ms),
                "tpot_ms": _r(s.tpot_ms, 2),
                "cost_per_mtok_usd": None if cost is None else round(cost, 4),
                "quality_loss_pct": _r(e.quality.ppl_increase_pct, 2),
                "quality_level": e.quality.level,
                "quality_source": e.quality.source,
                "quality_basis": e.quality.basis,
                "engine_ids": list(c.engines),
                "engines": ", ".join(names.get(x, x) for x in c.engines),
                "basis": s.basis,
                "release": c.release.repo if c.release else "",
                "reason": e.support.reason,
                "support_source": e.support.source,
                "deploy": c.deploy.to_dict() if c.deploy else None,
            }
        )
    return rows


def rejected_rows(rec: Recommendation) -> list[dict[str, Any]]:
    return [{"format_id": r.format_id, "format": r.format_name, "why_not": r.why} for r in rec.rejected]


def _phase_point(c: Candidate, phase: str, flops: float | None, nbytes: float | None, seconds: float | None):
    if not flops or not nbytes or not seconds:
        return None
    s = c.estimate.speed
    return {
        "label": f"{c.format_name} {phase}",
        "format_id": c.format_id,
        "phase": phase,
        "intensity": flops / nbytes,
        "tflops": flops / seconds / 1e12,
        "math": s.math_format,
        "bound": getattr(s, f"{phase}_bound", "unknown"),
    }


def roofline_points(rec: Recommendation, model_active_params_b: float) -> list[dict[str, Any]]:
    """Each ranked format's decode and prefill operating point: FLOP/byte and attained TFLOPS.

    Uses the estimator's own per-phase FLOPs and bytes when the speed estimate carries them
    (``decode_flops``/``decode_bytes``/``prefill_flops``/``prefill_bytes``); otherwise the linear-layer FLOPs
    (2 x active parameters per token) over the weight bytes, with the estimator's own phase times."""
    pts = []
    w = rec.workload
    for c in rec.ranked[:8]:
        s, m = c.estimate.speed, c.estimate.memory
        per_token = 2 * model_active_params_b * 1e9
        weight_bytes = m.weights_gb * 1e9
        for phase, tokens, t_ms in (
            ("decode", w.batch, s.tpot_ms),
            ("prefill", w.batch * w.input_len, s.ttft_ms),
        ):
            flops = getattr(s, f"{phase}_flops", None) or per_token * tokens
            nbytes = getattr(s, f"{phase}_bytes", None) or weight_bytes
            pt = _phase_point(c, phase, flops, nbytes, t_ms / 1e3 if t_ms else None)
            if pt:
                pts.append(pt)
    return pts


def verdict_of(snapshot: Mapping[str, Any]) -> dict[str, Any] | None:
    """The headline: the stored verdict, or (schema-1 snapshots) one rebuilt from the first ranking row."""
    if snapshot.get("verdict"):
        return dict(snapshot["verdict"])
    ranking = snapshot.get("ranking") or []
    if not ranking:
        return None
    top = ranking[0]
    profile = (snapshot.get("inputs") or {}).get("profile", "serving")
    key, words = PROFILE_SPEED.get(profile, ("decode_tok_s", "decode throughput"))
    if top.get(key) is None:
        key, words = "decode_tok_s", "decode throughput"
    return {
        "format_id": top.get("format_id"),
        "format": top.get("format") or top.get("format_id"),
        "engine": (top.get("engines") or "").split(", ")[0] or None,
        "support": top.get("support"),
        "why": top.get("reason") or "",
        "fits": top.get("fits"),
        "memory_per_gpu_gb": top.get("memory_per_gpu_gb"),
        "speed_key": key,
        "speed_label": words,
        "speed": top.get(key),
        "speed_low": top.get("decode_low") if key == "decode_tok_s" else None,
        "speed_high": top.get("decode_high") if key == "decode_tok_s" else None,
        "speed_basis": top.get("basis"),
        "quality_level": top.get("quality_level"),
        "quality_loss_pct": top.get("quality_loss_pct"),
        "quality_source": top.get("quality_source") or "",
        "quality_basis": top.get("quality_basis") or "",
        "cost_per_mtok_usd": top.get("cost_per_mtok_usd"),
        "deploy": top.get("deploy"),
    }


def build_verdict(rec: Recommendation, rows: list[dict[str, Any]], profile: str, engine_names: Mapping[str, str]):
    best = rec.best
    if best is None:
        return None
    e, s = best.estimate, best.estimate.speed
    key, words = PROFILE_SPEED.get(profile, ("decode_tok_s", "decode throughput"))
    value = getattr(s, key, None)
    if value is None:
        key, words, value = "decode_tok_s", "decode throughput", s.decode_tok_s
    low, high = _band(s, key)
    engine_id = getattr(s, "engine", "") or (best.engines[0] if best.engines else "")
    return {
        "format_id": best.format_id,
        "format": best.format_name,
        "engine": engine_names.get(engine_id, engine_id) or None,
        "support": e.support.level.value,
        "why": e.support.reason,
        "why_source": e.support.source,
        "fits": e.memory.fits,
        "memory_per_gpu_gb": _r(e.memory.per_gpu_gb),
        "available_gb": _r(getattr(e.memory, "available_gb", None)),
        "speed_key": key,
        "speed_label": words,
        "speed": _r(value),
        "speed_low": _r(low),
        "speed_high": _r(high),
        "speed_basis": s.basis,
        "quality_level": e.quality.level,
        "quality_loss_pct": _r(e.quality.ppl_increase_pct, 2),
        "quality_source": e.quality.source,
        "quality_basis": e.quality.basis,
        "cost_per_mtok_usd": rows[0].get("cost_per_mtok_usd") if rows else None,
        "deploy": best.deploy.to_dict() if best.deploy else None,
    }


def build_snapshot(
    rec: Recommendation,
    *,
    inputs: dict[str, Any],
    catalog_version: str,
    peaks_tflops: dict[str, float],
    bandwidth_gbps: float | None,
    model_active_params_b: float,
    evidence: list[dict[str, Any]] = (),
    engine_names: Mapping[str, str] | None = None,
    price: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``price``: ``{"usd_per_device_hour": float | None, "source": str, "url": str}`` (None: no cost column)."""
    names = dict(engine_names or {})
    usd = (price or {}).get("usd_per_device_hour")
    notes = list(rec.notes)
    if rec.mixed_precision is not None:
        notes.append(f"Mixed precision: {rec.mixed_precision.description} ({rec.mixed_precision.reason})")
    rows = ranking_rows(rec, engine_names=names, usd_per_device_hour=usd)
    return {
        "kind": "recommendation",
        "schema": SNAPSHOT_SCHEMA,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "catalog_version": catalog_version,
        "versions": {"catalog": catalog_version, "estimator": estimator_version()},
        "inputs": inputs,
        "best": rec.best.format_id if rec.best else None,
        "verdict": build_verdict(rec, rows, str(inputs.get("profile", "serving")), names),
        "price": dict(price) if price else None,
        "ranking": rows,
        "rejected": rejected_rows(rec),
        "evidence": list(evidence),
        "notes": notes,
        "roofline": {
            "title": f"Roofline: {inputs.get('hardware_name', rec.hardware)}",
            "peaks_tflops": {k: v for k, v in peaks_tflops.items() if v},
            "bandwidth_gbps": bandwidth_gbps,
            "gpus": rec.workload.gpus,
            "points": roofline_points(rec, model_active_params_b),
        },
    }
