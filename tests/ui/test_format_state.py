"""Display conventions (reports/display.py), the Advise state helpers (ui/state.py) and chart label placement."""

from __future__ import annotations

import itertools

import pytest

from reports.display import RANKING_COLUMNS, display_rows, fmt_num, fmt_usd, human_label
from ui.state import PAGE_PATHS, public_base_url, report_link, restore_widgets
from viz.figures import PLOT_H, PLOT_W, _box, _overlap, pareto, place_labels


@pytest.mark.parametrize(
    ("value", "shown"),
    [(3368.4, "3,368"), (45.67, "45.7"), (1.234, "1.23"), (0.01234, "0.0123"), (12.0, "12"), (None, "unknown"),
     (float("nan"), "unknown"), (1_234_567.0, "1,234,567"), (0, "0")],
)  # fmt: skip
def test_one_rounding_rule(value, shown):
    assert fmt_num(value) == shown


def test_money_and_labels():
    assert fmt_usd(0.3456) == "$0.35" and fmt_usd(0.00123) == "$0.0012" and fmt_usd(None) == "unknown"
    assert human_label("memory_bandwidth_gbps") == "Memory bandwidth (GB/s)"
    assert human_label("decode_tok_s") == "Decode (tok/s)"


def test_display_rows_have_no_none_and_human_headers():
    rows = [
        {"rank": 1, "format": "FP8 W8A8", "support": "weight_only", "fits": None, "decode_tok_s": 3368.4,
         "decode_low": 2500.0, "decode_high": 4400.0, "quality_level": "very_low", "ttft_ms": None},
        {"rank": 2, "format": "BF16", "support": "native", "ttft_ms": 80.0},
    ]  # fmt: skip
    out, second = display_rows(rows)
    assert second["Decode 80% band (tok/s)"] == "unknown" and second["Time to first token (ms)"] == "80"
    assert out["Runs natively?"] == "weight-only" and out["Quality risk"] == "very low"
    assert out["Fits in memory"] == "unknown" and out["Decode 80% band (tok/s)"] == "2,500 to 4,400"
    assert out["Time to first token (ms)"] == "unknown" and "None" not in out.values()
    assert all("_" not in h for h in out) and set(out) <= {label for label, _ in RANKING_COLUMNS.values()}
    assert "Cost per 1M output tokens (USD)" not in out  # no price anywhere: no cost column


def test_public_base_url():
    assert public_base_url("https://team.example/fa/", None, PAGE_PATHS) == "https://team.example/fa"
    assert public_base_url("", "http://127.0.0.1:8501/advise", PAGE_PATHS) == "http://127.0.0.1:8501"
    assert public_base_url(None, "https://x.org/fa/reports", PAGE_PATHS) == "https://x.org/fa"
    assert public_base_url(None, None, PAGE_PATHS) == ""
    assert report_link("https://x.org/fa", "A" * 32) == "https://x.org/fa/?report=" + "A" * 32
    assert report_link("", "A" * 32) == "?report=" + "A" * 32


def test_restore_widgets_only_fills_what_is_gone():
    state = {"a_hw": "b200"}
    restored = restore_widgets(
        state, {"hw": "h100_sxm5_80gb", "gpus": 2, "price": None, "charts": "1"}, skip=("charts",)
    )
    assert state == {"a_hw": "b200", "a_gpus": 2} and restored == ["a_gpus"]


def test_labels_never_overlap_each_other_or_markers():
    # 12 formats crowded into a small corner (the overlapping Pareto labels)
    pts = [(300 + 8 * (i % 4), 200 + 6 * (i // 4), f"Format name number {i}") for i in range(12)]
    offsets = place_labels(pts)
    boxes = [_box(x, y, t, dx, dy) for (x, y, t), (dx, dy) in zip(pts, offsets, strict=True)]
    assert not any(_overlap(a, b) for a, b in itertools.combinations(boxes, 2))
    assert all(b[0] >= 0 and b[2] <= PLOT_W and b[1] >= 0 and b[3] <= PLOT_H for b in boxes)


def test_pareto_uses_names_and_the_chosen_memory_axis():
    rows = [
        {"format_id": "bf16", "format": "BF16", "support": "native", "decode_tok_s": 100.0, "memory_gb": 140.0,
         "memory_per_gpu_gb": 70.0, "fits": True},
        {"format_id": "fp8_w8a8", "format": "FP8 W8A8", "support": "native", "decode_tok_s": 180.0,
         "memory_gb": 80.0, "memory_per_gpu_gb": 40.0, "fits": True},
    ]  # fmt: skip
    fig = pareto(rows, speed_key="decode_tok_s")
    assert [a.text for a in fig.layout.annotations if a.text in ("BF16", "FP8 W8A8")] == ["BF16", "FP8 W8A8"]
    assert fig.layout.xaxis.title.text == "Memory per GPU (GB)"
    assert list(fig.data[0].x) == [70.0, 40.0]
    total = pareto(rows, speed_key="decode_tok_s", memory_key="memory_gb")
    assert total.layout.xaxis.title.text.startswith("Total memory") and list(total.data[0].x) == [140.0, 80.0]
