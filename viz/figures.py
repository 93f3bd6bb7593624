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


SUPPORT_NAMES = {
    "native": "native",
    "weight_only": "weight-only",
    "emulated": "emulated",
    "unsupported": "unsupported",
    "unknown": "unknown",
}
SPEED_NAMES = {
    "decode_tok_s": "Decode, all sequences (tok/s)",
    "decode_tok_s_per_seq": "Decode per sequence (tok/s)",
    "output_tok_s": "Output throughput (tok/s)",
    "prefill_tok_s": "Prefill (tok/s)",
}
MEMORY_NAMES = {"memory_per_gpu_gb": "Memory per GPU (GB)", "memory_gb": "Total memory, all GPUs (GB)"}

#: The plot area the label placement assumes (pixels); the figure's margins are fixed to match.
PLOT_W, PLOT_H = 900, 380
_CHAR_W, _LINE_H = 6.6, 15.0


def _box(x: float, y: float, text: str, dx: float, dy: float) -> tuple[float, float, float, float]:
    w = len(text) * _CHAR_W + 6
    cx, cy = x + dx, y + dy
    return (cx - w / 2, cy - _LINE_H / 2, cx + w / 2, cy + _LINE_H / 2)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(points: list[tuple[float, float, str]], *, marker_px: float = 9.0) -> list[tuple[float, float]]:
    """Pixel offsets (dx, dy; y grows downwards) for each point's label so that no two labels overlap each other
    or any marker and every label stays inside the plot area: greedy over candidates at growing distance, densest
    points first. ``points`` are in pixel coordinates of a PLOT_W x PLOT_H plot area."""
    candidates = [(0.0, -16.0), (0.0, 16.0)]
    for r in (1, 2, 3, 4, 5, 6, 8, 10):
        for ux, uy in ((1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1)):
            candidates.append((ux * (40.0 + 30 * r), uy * 16.0 * r))
    markers = [(x - marker_px, y - marker_px, x + marker_px, y + marker_px) for x, y, _ in points]
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[float, float]] = [(0.0, -16.0)] * len(points)
    order = sorted(range(len(points)), key=lambda i: (points[i][1], points[i][0]))
    for i in order:
        x, y, text = points[i]
        chosen = None
        for dx, dy in candidates:
            dx = dx if dx == 0 else dx + (len(text) * _CHAR_W / 2) * (1 if dx > 0 else -1) - 30
            b = _box(x, y, text, dx, dy)
            if b[0] < 0 or b[2] > PLOT_W or b[1] < 0 or b[3] > PLOT_H:
                continue
            if any(_overlap(b, o) for o in placed) or any(_overlap(b, m) for m in markers):
                continue
            chosen = (dx, dy, b)
            break
        if chosen is None:  # nowhere free: the farthest candidate inside the area (hover still names it)
            dx, dy = candidates[-1]
            chosen = (dx, dy, _box(x, y, text, dx, dy))
        out[i] = (chosen[0], chosen[1])
        placed.append(chosen[2])
    return out


def _range(values: list[float], pad: float = 0.12) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    span = (hi - lo) or max(abs(hi), 1.0)
    return (max(0.0, lo - pad * span), hi + pad * span)


def pareto(
    ranking: list[dict[str, Any]],
    *,
    speed_key: str = "decode_tok_s",
    memory_key: str = "memory_per_gpu_gb",
    available_gb: float | None = None,
) -> go.Figure:
    """Speed vs memory (per GPU by default, or total), one marker per format named in words, coloured by
    support level; labels placed so they never overlap (``place_labels``); an x marker = does not fit;
    a dashed line at the memory available per GPU when known."""
    rows = [r for r in ranking if r.get(speed_key) and r.get(memory_key)]
    fig = go.Figure()
    speed_name = SPEED_NAMES.get(speed_key, speed_key.replace("_", " "))
    mem_name = MEMORY_NAMES.get(memory_key, memory_key.replace("_", " "))
    if not rows:
        fig.update_layout(title=f"{speed_name} vs memory: no estimates to plot", height=PLOT_H + 140)
        return fig
    if available_gb and available_gb > 2 * max(r[memory_key] for r in rows):
        available_gb = None  # far right of every point: the line would squeeze them together (the verdict says it)
    xr = _range(
        [r[memory_key] for r in rows] + ([available_gb] if available_gb and memory_key == "memory_per_gpu_gb" else [])
    )
    yr = _range([r[speed_key] for r in rows])
    px = [
        (
            (r[memory_key] - xr[0]) / (xr[1] - xr[0]) * PLOT_W,
            PLOT_H - (r[speed_key] - yr[0]) / (yr[1] - yr[0]) * PLOT_H,
            str(r.get("format") or r.get("format_id", "")),
        )
        for r in rows
    ]
    offsets = place_labels(px)
    for level, color in SUPPORT_COLORS.items():
        idx = [i for i, r in enumerate(rows) if r.get("support") == level]
        if not idx:
            continue
        fig.add_trace(
            go.Scatter(
                x=[rows[i][memory_key] for i in idx],
                y=[rows[i][speed_key] for i in idx],
                mode="markers",
                name=SUPPORT_NAMES.get(level, level),
                text=[px[i][2] for i in idx],
                marker={
                    "size": 12,
                    "color": color,
                    "line": {"width": 1, "color": "#333"},
                    "symbol": ["circle" if rows[i].get("fits", True) is not False else "x" for i in idx],
                },
                customdata=[[rows[i].get("quality_loss_pct"), "yes" if rows[i].get("fits") else "no"] for i in idx],
                hovertemplate="<b>%{text}</b><br>"
                + mem_name
                + " %{x:,.1f}<br>"
                + speed_name
                + " %{y:,.0f}<br>perplexity increase %{customdata[0]} %<br>fits %{customdata[1]}<extra></extra>",
            )
        )
    for (_x, _y, text), (dx, dy), r in zip(px, offsets, rows, strict=True):
        far = abs(dx) > 60 or abs(dy) > 20
        fig.add_annotation(
            x=r[memory_key],
            y=r[speed_key],
            text=text,
            showarrow=far,
            arrowhead=0,
            arrowwidth=1,
            arrowcolor="#888",
            ax=dx,
            ay=dy,
            # without an arrow plotly ignores ax/ay: shift the text instead (yshift grows upwards)
            xshift=0 if far else dx,
            yshift=0 if far else -dy,
            xanchor="center",
            yanchor="middle",
            font={"size": 11},
        )
    if available_gb and memory_key == "memory_per_gpu_gb":
        fig.add_vline(x=available_gb, line_dash="dash", line_color="#888", annotation_text="available per GPU")
    fig.update_xaxes(title=mem_name, range=list(xr))
    fig.update_yaxes(title=speed_name, range=list(yr))
    fig.update_layout(
        title=f"{speed_name} vs {mem_name[0].lower() + mem_name[1:]} (x marker = does not fit)",
        legend_title="support",
        width=PLOT_W + 110 + 160,  # the plot area the labels were placed in, plus margins and the legend
        height=PLOT_H + 140,
        margin={"l": 80, "r": 190, "t": 60, "b": 80},
    )
    return fig


def roofline(
    peaks_tflops: dict[str, float],
    bandwidth_gbps: float,
    points: list[dict[str, Any]],
    *,
    title: str = "Roofline",
    gpus: int = 1,
) -> go.Figure:
    """Rooflines per math format (FLOP/s vs arithmetic intensity) with each format's operating points, as the
    estimator computed them (``reports.snapshot.roofline_points``: its own phase times). With ``gpus`` > 1 the
    roofs are the whole group's (peaks and bandwidth x ``gpus``), matching the points' total FLOP/s.

    ``points``: rows with ``label``, ``intensity`` (FLOP/byte), ``tflops`` (attained), ``math`` and ``bound``.
    """
    fig = go.Figure()
    if not bandwidth_gbps or bandwidth_gbps <= 0 or not peaks_tflops:
        fig.update_layout(title=f"{title}: no peak throughput or bandwidth known")
        return fig
    n = max(1, int(gpus or 1))
    peaks_tflops = {k: v * n for k, v in peaks_tflops.items()}
    bw = bandwidth_gbps * 1e9 * n
    if n > 1:
        title = f"{title} (x{n} GPUs)"
    xs = [10 ** (k / 10) for k in range(-10, 51)]  # 0.1 .. 100k FLOP/byte
    for math_fmt, peak in sorted(peaks_tflops.items(), key=lambda kv: kv[1]):
        peak_flops = peak * 1e12
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[min(peak_flops, x * bw) / 1e12 for x in xs],
                mode="lines",
                name=f"{math_fmt.upper()} roof ({peak:,.0f} TFLOPS)",
                hovertemplate=f"{math_fmt}: ridge at {peak_flops / bw:,.0f} FLOP/byte<extra></extra>",
            )
        )
    if points:
        for phase, symbol in (("decode", "circle"), ("prefill", "diamond")):
            pts = [p for p in points if p.get("phase", "decode" if "decode" in p["label"] else "prefill") == phase]
            if not pts:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[p["intensity"] for p in pts],
                    y=[p["tflops"] for p in pts],
                    mode="markers",
                    text=[p["label"] for p in pts],
                    customdata=[[p.get("math", ""), p.get("bound", "unknown")] for p in pts],
                    marker={"size": 10, "color": "#222", "symbol": symbol},
                    name=f"{phase} operating points",
                    hovertemplate="<b>%{text}</b><br>%{x:,.1f} FLOP/byte<br>%{y:,.2f} TFLOPS attained<br>"
                    "math in %{customdata[0]}, %{customdata[1]}-bound<extra></extra>",
                )
            )
    fig.update_xaxes(type="log", title="arithmetic intensity (FLOP per byte)", dtick=1)
    fig.update_yaxes(type="log", title="attainable TFLOPS", dtick=1)
    fig.update_layout(title=title, height=460)
    return fig


def support_heatmap(rows: list[dict[str, Any]], keys: list[str], *, label_key: str = "name") -> go.Figure:
    """Hardware x format support levels (rows from hardware_db export: support_<key> columns)."""
    z, text = [], []
    for r in rows:
        levels = [r.get(f"support_{k}") or "unknown" for k in keys]
        z.append([SUPPORT_ORDER.index(lv) if lv in SUPPORT_ORDER else 1 for lv in levels])
        text.append([SUPPORT_NAMES.get(lv, lv) for lv in levels])
    n = len(SUPPORT_ORDER) - 1
    colorscale = []
    for i, level in enumerate(SUPPORT_ORDER):
        colorscale += [[i / (n + 1), SUPPORT_COLORS[level]], [(i + 1) / (n + 1), SUPPORT_COLORS[level]]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[k.upper() for k in keys],
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


def measured_vs_predicted(
    rows: list[dict[str, Any]],
    *,
    metric: str = "value",
    band: tuple[float, float] | None = None,
    band_label: str = "error band",
) -> go.Figure:
    """Scatter of measured vs estimated with the y = x line; rows need ``measured`` and ``estimated`` (one metric:
    ``metric`` is its label). ``band`` (low, high) is the estimate's error band as ratios of the estimate
    (e.g. the 80% band 0.75 to 1.33): shaded between measured = low x estimated and high x estimated.
    A row's own band (``estimated_low``/``estimated_high``) is drawn as a horizontal error bar."""
    pts = [
        r for r in rows if isinstance(r.get("measured"), int | float) and isinstance(r.get("estimated"), int | float)
    ]
    fig = go.Figure()
    if pts:
        hi = max(max(r["measured"], r["estimated"]) for r in pts) * 1.1
        lo = max(min(min(r["measured"], r["estimated"]) for r in pts) * 0.9, 1e-3)
        if band and band[0] > 0 and band[1] > band[0]:
            # measured = estimated / ratio: inside the band when measured/estimated is within [1/high, 1/low]
            fig.add_trace(
                go.Scatter(
                    x=[lo, hi],
                    y=[lo / band[1], hi / band[1]],
                    mode="lines",
                    line={"width": 0},
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=[lo, hi],
                    y=[lo / band[0], hi / band[0]],
                    mode="lines",
                    line={"width": 0},
                    fill="tonexty",
                    fillcolor="rgba(26,152,80,0.15)",
                    name=f"{band_label} ({band[0]:.2f}x to {band[1]:.2f}x)",
                    hoverinfo="skip",
                )
            )
        fig.add_trace(
            go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="measured = estimated", line={"dash": "dot"})
        )
        has_bars = all(isinstance(r.get("estimated_low"), int | float) for r in pts)
        fig.add_trace(
            go.Scatter(
                x=[r["estimated"] for r in pts],
                y=[r["measured"] for r in pts],
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [r["estimated_high"] - r["estimated"] for r in pts],
                    "arrayminus": [r["estimated"] - r["estimated_low"] for r in pts],
                }
                if has_bars
                else None,
                mode="markers",
                name="measurements",
                text=[r.get("label", "") for r in pts],
                hovertemplate="%{text}<br>estimated %{x:,.1f}<br>measured %{y:,.1f}<extra></extra>",
            )
        )
        if hi / lo > 50:
            fig.update_xaxes(type="log")
            fig.update_yaxes(type="log")
    fig.update_layout(
        title=f"Measured vs estimated: {metric}",
        xaxis_title=f"estimated {metric}",
        yaxis_title=f"measured {metric}",
        height=420,
    )
    return fig


def device_bars(table: Any) -> go.Figure:
    """The compared devices side by side: memory, bandwidth and dense BF16/FP8 peaks, each as a share of the
    largest value in the comparison (the hover gives the real number and unit). ``table``: the compare frame
    (a pandas DataFrame with a ``Device`` column)."""
    metrics = [
        c
        for c in ("Memory (GB)", "Bandwidth (GB/s)", "BF16 dense (TFLOPS/TOPS)", "FP8 dense (TFLOPS/TOPS)")
        if c in table.columns
    ]
    fig = go.Figure()
    for _, row in table.iterrows():
        values = [row[m] for m in metrics]
        tops = [table[m].max() for m in metrics]
        fig.add_trace(
            go.Bar(
                name=row["Device"],
                x=metrics,
                y=[(v / t) if (v == v and v is not None and t) else 0 for v, t in zip(values, tops, strict=True)],
                customdata=[("unknown" if v != v or v is None else f"{v:,.0f}") for v in values],
                hovertemplate="%{fullData.name}<br>%{x}: %{customdata}<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        title="Compared devices, relative to the best in the comparison (hover for values)",
        yaxis={"title": "share of the largest", "tickformat": ".0%"},
        height=380,
        legend_title="device",
    )
    return fig
