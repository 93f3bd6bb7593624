"""The app's charts. Each takes plain rows (lists of dicts) and returns a plotly Figure."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

SUPPORT_COLORS = {
    "native": "#1a9850",
    "weight_only": "#fdae61",
    "emulated": "#f46d43",
    "unsupported": "#bdbdbd",
    "unknown": "#ffffff",
}
SUPPORT_ORDER = ["unsupported", "unknown", "emulated", "weight_only", "native"]


def pareto(ranking: list[dict[str, Any]], *, speed_key: str = "decode_tok_s") -> go.Figure:
    """Speed vs memory, coloured by support level, marker size by quality risk (bigger = riskier)."""
    fig = go.Figure()
    for level in SUPPORT_COLORS:
        rows = [r for r in ranking if r.get("support") == level and r.get(speed_key) and r.get("memory_gb")]
        if not rows:
            continue
        fig.add_trace(
            go.Scatter(
                x=[r["memory_gb"] for r in rows],
                y=[r[speed_key] for r in rows],
                mode="markers+text",
                text=[r.get("format_id", "") for r in rows],
                textposition="top center",
                name=level,
                marker={
                    "size": [10 + 4 * min(float(r.get("quality_loss_pct") or 0), 10) for r in rows],
                    "color": SUPPORT_COLORS[level],
                    "line": {"width": 1, "color": "#333"},
                    "symbol": ["circle" if r.get("fits", True) else "x" for r in rows],
                },
                customdata=[[r.get("quality_loss_pct"), r.get("fits")] for r in rows],
                hovertemplate="%{text}<br>memory %{x:.1f} GB<br>"
                + speed_key
                + " %{y:,.1f}<br>quality loss %{customdata[0]}%<br>fits %{customdata[1]}<extra></extra>",
            )
        )
    fig.update_layout(
        title=f"{speed_key.replace('_', ' ')} vs memory (marker size = quality risk, x = does not fit)",
        xaxis_title="memory (GB)",
        yaxis_title=speed_key.replace("_", " "),
        legend_title="support",
        height=460,
    )
    return fig


def roofline(
    peaks_tflops: dict[str, float],
    bandwidth_gbps: float,
    points: list[dict[str, Any]],
    *,
    title: str = "Roofline",
) -> go.Figure:
    """Rooflines per math format (FLOP/s vs arithmetic intensity) with each format's operating points.

    ``points``: rows with ``label``, ``intensity`` (FLOP/byte), ``tflops`` (attained) and ``math``.
    """
    fig = go.Figure()
    if bandwidth_gbps <= 0 or not peaks_tflops:
        fig.update_layout(title=f"{title}: no peak throughput or bandwidth known")
        return fig
    bw = bandwidth_gbps * 1e9
    xs = [10 ** (k / 10) for k in range(-10, 51)]  # 0.1 .. 100k FLOP/byte
    for math_fmt, peak in sorted(peaks_tflops.items(), key=lambda kv: kv[1]):
        peak_flops = peak * 1e12
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[min(peak_flops, x * bw) / 1e12 for x in xs],
                mode="lines",
                name=f"{math_fmt} roof ({peak:g} T)",
                hovertemplate=f"{math_fmt}: ridge at {peak_flops / bw:,.0f} FLOP/byte<extra></extra>",
            )
        )
    if points:
        fig.add_trace(
            go.Scatter(
                x=[p["intensity"] for p in points],
                y=[p["tflops"] for p in points],
                mode="markers+text",
                text=[p["label"] for p in points],
                textposition="bottom right",
                marker={"size": 9, "color": "#222"},
                name="formats (decode / prefill)",
            )
        )
    fig.update_xaxes(type="log", title="arithmetic intensity (FLOP per byte)")
    fig.update_yaxes(type="log", title="attainable TFLOPS")
    fig.update_layout(title=title, height=460)
    return fig


def support_heatmap(rows: list[dict[str, Any]], keys: list[str], *, label_key: str = "name") -> go.Figure:
    """Hardware x format support levels (rows from hardware_db export: support_<key> columns)."""
    z, text = [], []
    for r in rows:
        levels = [r.get(f"support_{k}") or "unknown" for k in keys]
        z.append([SUPPORT_ORDER.index(lv) if lv in SUPPORT_ORDER else 1 for lv in levels])
        text.append(levels)
    n = len(SUPPORT_ORDER) - 1
    colorscale = []
    for i, level in enumerate(SUPPORT_ORDER):
        colorscale += [[i / (n + 1), SUPPORT_COLORS[level]], [(i + 1) / (n + 1), SUPPORT_COLORS[level]]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=keys,
            y=[r.get(label_key, r.get("id")) for r in rows],
            text=text,
            texttemplate="%{text}",
            zmin=-0.5,
            zmax=n + 0.5,
            colorscale=colorscale,
            showscale=False,
            hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        height=max(300, 22 * len(rows) + 120), yaxis={"autorange": "reversed"}, title="Native support by format"
    )
    return fig


def format_timeline(architectures: list[dict[str, Any]], keys: list[str]) -> go.Figure:
    """When each format became native, per vendor: one marker per (architecture, newly native format)."""
    fig = go.Figure()
    by_vendor: dict[str, list[dict[str, Any]]] = {}
    for a in architectures:
        by_vendor.setdefault(a["vendor"], []).append(a)
    for vendor, archs in sorted(by_vendor.items()):
        seen: set[str] = set()
        xs, ys, labels = [], [], []
        for a in sorted(archs, key=lambda a: (a["release_year"], a["name"])):
            for k in keys:
                if a["support"].get(k) == "native" and k not in seen:
                    seen.add(k)
                    xs.append(a["release_year"])
                    ys.append(k)
                    labels.append(a["name"])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers+text",
                text=labels,
                textposition="middle right",
                name=vendor,
                marker={"size": 11},
                hovertemplate="%{y} native from %{text} (%{x})<extra>" + vendor + "</extra>",
            )
        )
    fig.update_layout(
        title="First architecture to run each format natively, per vendor",
        xaxis_title="release year",
        yaxis={"categoryorder": "array", "categoryarray": keys},
        height=480,
    )
    return fig


def measured_vs_predicted(rows: list[dict[str, Any]], *, metric: str = "value") -> go.Figure:
    """Scatter of measured vs estimated with the y = x line; rows need ``measured`` and ``estimated`` (one metric:
    ``metric`` is its label)."""
    pts = [
        r
        for r in rows
        if isinstance(r.get("measured"), int | float)
        and isinstance(r.get("estimated"), int | float)
    ]
    fig = go.Figure()
    if pts:
        hi = max(max(r["measured"], r["estimated"]) for r in pts) * 1.1
        lo = max(min(min(r["measured"], r["estimated"]) for r in pts) * 0.9, 1e-3)
        fig.add_trace(
            go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="measured = estimated", line={"dash": "dot"})
        )
        fig.add_trace(
            go.Scatter(
                x=[r["estimated"] for r in pts],
                y=[r["measured"] for r in pts],
                mode="markers",
                name="rows",
                text=[r.get("label", "") for r in pts],
                hovertemplate="%{text}<br>estimated %{x:,.1f}<br>measured %{y:,.1f}<extra></extra>",
            )
        )
        if hi / lo > 50:
            fig.update_xaxes(type="log")
            fig.update_yaxes(type="log")
    fig.update_layout(
        title=f"Measured vs estimated: {metric}",
        xaxis_title="estimated",
        yaxis_title="measured",
        height=420,
    )
    return fig
