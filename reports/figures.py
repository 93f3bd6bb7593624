"""The charts a report snapshot carries, rebuilt from the snapshot alone (so old links keep working)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from viz.figures import pareto, roofline


def report_figures(snapshot: dict[str, Any], *, memory_key: str = "memory_per_gpu_gb") -> list[go.Figure]:
    figs = []
    ranking = snapshot.get("ranking", [])
    if ranking:
        verdict = snapshot.get("verdict") or {}
        speed_key = verdict.get("speed_key") or snapshot.get("inputs", {}).get("speed_key", "decode_tok_s")
        if not any(r.get(speed_key) for r in ranking):
            speed_key = "decode_tok_s"
        figs.append(
            pareto(ranking, speed_key=speed_key, memory_key=memory_key, available_gb=verdict.get("available_gb"))
        )
    roof = snapshot.get("roofline")
    if roof and roof.get("peaks_tflops") and roof.get("bandwidth_gbps"):
        figs.append(
            roofline(
                roof["peaks_tflops"],
                roof["bandwidth_gbps"],
                roof.get("points", []),
                title=roof.get("title", "Roofline"),
                gpus=roof.get("gpus", 1),
            )
        )
    return figs
