"""Expert scenarios (tests/advisor/scenarios.toml), each with its public source, against the shipped data."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from advisor.context import default_context
from advisor.quality import load_evidence, model_quality
from advisor.recommend import Request, recommend
from advisor.support import resolve_support
from advisor.workload import Profile, Workload

SCENARIOS = tomllib.loads((Path(__file__).parent / "scenarios.toml").read_text())["scenario"]


def _rec(s):
    ctx = default_context()
    w = Workload.for_profile(s["profile"], gpus=s.get("gpus", 1))
    return recommend(Request(ctx.model(s["model"]), ctx.target(s["hardware"]), Profile(s["profile"]), w), ctx=ctx)


@pytest.mark.parametrize("s", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_scenario(s):
    assert s["source"].startswith("https://")
    ctx = default_context()
    if s["kind"] == "support":
        v = resolve_support(ctx.target(s["hardware"]), ctx.formats[s["format"]], None, ctx=ctx)
        assert v.level.value == s["expect_level"], v.reason
        assert s["expect_engine"] in v.engines
    elif s["kind"] == "quality":
        q = model_quality(ctx.model(s["model"]), ctx.formats[s["format"]])
        assert q.match == s["expect_match"], q.basis
        assert q.level == s["expect_level"], q.basis
    elif s["kind"] == "recommend":
        rec = _rec(s)
        order = [c.format_id for c in rec.ranked]
        if "expect_best_level" in s:
            assert rec.best.estimate.support.level.value == s["expect_best_level"]
        for a, b in zip(s.get("expect_rank_before", [])[:-1], s.get("expect_rank_before", [])[1:], strict=False):
            assert order.index(a) < order.index(b), order
        assert rec.best.format_id not in s.get("expect_best_not", []), order
    elif s["kind"] == "fit":
        rec = _rec(s)
        assert not rec.ranked
        assert any(o.kind == s["expect_fit_kind"] and o.fits for o in rec.fit_options)
    elif s["kind"] == "deploy":
        serve = next(st for st in _rec(s).best.deploy.steps if st.what == "serve")
        for part in s["expect_serve_contains"]:
            assert part in serve.command


def test_evidence_has_150_sourced_figures():
    rows = load_evidence()
    assert len(rows) >= 150
    assert all(r.source_url.startswith("https://github.com/") and r.checked == "2026-12-06" for r in rows)


def test_unknown_quality_excluded_is_rejected_with_what_settles_it():
    ctx = default_context()
    req = Request(
        ctx.model("llama-3.1-8b"),
        ctx.target("h100_sxm5_80gb"),
        Profile.SERVING,
        formats=("bnb_nf4", "fp8_w8a8"),
        include_unknown_quality=False,
    )
    rec = recommend(req, ctx=ctx)
    why = {r.format_id: r.why for r in rec.rejected}
    assert "quality unknown" in why["bnb_nf4"] and "settled by" in why["bnb_nf4"]
    assert rec.best.format_id == "fp8_w8a8"
