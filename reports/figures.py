"""The charts a report snapshot carries, rebuilt from the snapshot alone (so old links keep working)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from viz.figures import pareto, roofline


def report_figures(snapshot: dict[str, Any]) -> list[go.Figure]:
    figs = []
    ranking = snapshot.get("ranking", [])
    if ranking:
        speed_key = snapshot.get("inputs", {}).get("speed_key", "decode_tok_s")
        figs.append(pareto(ranking, speed_key=speed_key))
    roof = snapshot.get("roofline")
    if roof and roof.get("peaks_tflops") and roof.get("bandwidth_gbps"):
        figs.append(
            roofline(
                roof["peaks_tflops"],
                roof["bandwidth_gbps"],
                roof.get("points", []),
                title=roof.get("title", "Roofline"),
            )
        )
    return figs
