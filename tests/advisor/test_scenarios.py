"""Expert scenarios (tests/advisor/scenarios.toml), each with its public source, against the shipped data."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from advisor.context import default_context
from advisor.quality import load_evidence, model_quality
from advisor.recommend import Request, recommend
from advisor.support import resolve_support
from advisor.workload import Profile, Workload

SCENARIOS = tomllib.loads((Path(__file__).parent / "scenarios.toml").read_text())["scenario"]
KINDS = {"support", "recommend", "quality", "fit", "deploy"}
#: Workload fields a scenario may set; anything else keeps the profile's default.
WORKLOAD_KEYS = ("batch", "input_len", "output_len", "kv_format")


def _rec(s):
    ctx = default_context()
    overrides = {k: s[k] for k in WORKLOAD_KEYS if k in s}
    w = Workload.for_profile(s["profile"], gpus=s.get("gpus", 1), **overrides)
    req = Request(ctx.model(s["model"]), ctx.target(s["hardware"]), Profile(s["profile"]), w)
    if "tolerance" in s:
        req = replace(req, tolerance=s["tolerance"])
    if "engine" in s:  # the team's engine of choice
        req = replace(req, engine=s["engine"])
    return recommend(req, ctx=ctx)


def _check_recommend(s) -> None:
    rec = _rec(s)
    order = [c.format_id for c in rec.ranked]
    assert order, f"nothing ranked; fit options: {[(o.kind, o.fits) for o in rec.fit_options]}"
    best = rec.best
    if "expect_best_level" in s:
        assert best.estimate.support.level.value == s["expect_best_level"], order
    if "expect_best_in" in s:
        assert best.format_id in s["expect_best_in"], order
    if "expect_best_engine" in s:
        assert s["expect_best_engine"] in best.engines, (best.format_id, best.engines)
    for f in s.get("expect_ranked", []):
        why = {r.format_id: r.why for r in rec.rejected}
        assert f in order, f"{f} not ranked: {why.get(f, 'absent')}"
    before = s.get("expect_rank_before", [])
    for a, b in zip(before[:-1], before[1:], strict=False):
        assert a in order, f"{a} not ranked; {order}"
        if b in order:  # b rejected or absent counts as ranked after a
            assert order.index(a) < order.index(b), order
    assert best.format_id not in s.get("expect_best_not", []), order


@pytest.mark.parametrize("s", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_scenario(s):
    assert s["source"].startswith("https://"), s["source"]
    assert s["kind"] in KINDS, f"kind {s['kind']!r}; accepted: {sorted(KINDS)}"
    ctx = default_context()
    if s["kind"] == "support":
        v = resolve_support(ctx.target(s["hardware"]), ctx.formats[s["format"]], None, ctx=ctx)
        assert v.level.value == s["expect_level"], v.reason
        assert s["expect_engine"] in v.engines, (v.engines, v.reason)
    elif s["kind"] == "quality":
        q = model_quality(ctx.model(s["model"]), ctx.formats[s["format"]])
        assert q.match == s["expect_match"], q.basis
        levels = s.get("expect_level_in", [s.get("expect_level")])
        assert q.level in levels, q.basis
    elif s["kind"] == "recommend":
        _check_recommend(s)
    elif s["kind"] == "fit":
        rec = _rec(s)
        assert not rec.ranked, [c.format_id for c in rec.ranked]
        fitting = [o for o in rec.fit_options if o.kind == s["expect_fit_kind"] and o.fits]
        assert fitting, [(o.kind, o.fits, o.flags) for o in rec.fit_options]
        if "expect_fit_flags_contains" in s:
            assert any(s["expect_fit_flags_contains"] in o.flags for o in fitting), [o.flags for o in fitting]
    elif s["kind"] == "deploy":
        rec = _rec(s)
        if "expect_best_in" in s:
            assert rec.best.format_id in s["expect_best_in"], [c.format_id for c in rec.ranked]
        # the best format's commands, or those of the format the scenario names (it must be ranked)
        cand = rec.best if "format" not in s else next(c for c in rec.ranked if c.format_id == s["format"])
        serve = next(st for st in cand.deploy.steps if st.what == "serve")
        for part in s["expect_serve_contains"]:
            assert part in serve.command, serve.command
        for part in s.get("expect_serve_not_contains", []):
            assert part not in serve.command, serve.command


def test_scenario_ids_unique():
    ids = [s["id"] for s in SCENARIOS]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_evidence_has_150_sourced_figures():
    rows = load_evidence()
    assert len(rows) >= 150
    # Every figure names its page (the tools' repos, model cards, vendor sites) and the date it was read.
    assert all(r.source_url.startswith("https://") and date.fromisoformat(r.checked) for r in rows)


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


PENDING = tomllib.loads((Path(__file__).parent / "scenarios_pending.toml").read_text()).get("scenario", [])


@pytest.mark.parametrize(
    "s",
    [pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=s["why"])) for s in PENDING],
    ids=[s["id"] for s in PENDING],
)
def test_pending_scenario(s):
    """Scenarios the estimator misses today, with the diagnosed cause: one that starts passing fails here."""
    test_scenario(s)


def test_pending_scenarios_say_why_and_are_not_also_active():
    assert all(s["why"] and s["source"].startswith("https://") for s in PENDING)
    assert not {s["id"] for s in PENDING} & {s["id"] for s in SCENARIOS}
