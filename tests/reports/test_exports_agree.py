"""Every export of one real recommendation says the same thing: the same verdict, the same first format,
the same versions; the snapshot carries the catalog and estimator versions it was made with."""

from __future__ import annotations

import csv
import io
import json

import pytest

from advisor.context import default_context
from advisor.models import default_models
from advisor.recommend import Request, recommend
from advisor.workload import Profile, Workload
from hardware_db.prices import default_prices
from reports.export import to_csv, to_html, to_json, to_markdown, to_print_html
from reports.snapshot import build_snapshot, estimator_version
from reports.summary import summarize


@pytest.fixture(scope="module")
def report():
    ctx = default_context()
    target = ctx.target("h100_sxm5_80gb")
    model = default_models()["llama-3.1-70b"]
    rec = recommend(
        Request(
            model=model,
            hardware=target,
            profile=Profile.SERVING,
            workload=Workload(batch=64, input_len=1024, output_len=256, gpus=2),
        )
    )
    price = default_prices()["h100_sxm5_80gb"]
    snap = build_snapshot(
        rec,
        inputs={"hardware": "h100_sxm5_80gb", "hardware_name": target.name, "gpus": 2, "model_name": model.name,
                "profile": "serving"},
        catalog_version=ctx.version,
        peaks_tflops={"bf16": 989.0},
        bandwidth_gbps=target.bandwidth_gbps,
        model_active_params_b=model.active_params_b,
        engine_names={e: ctx.engines[e].name for e in ctx.engines},
        price={"usd_per_device_hour": price.usd_per_device_hour, "source": "Lambda list price", "url": price.url},
    )  # fmt: skip
    return {"id": "R" * 32, "title": "70B on 2x H100", "created_at": snap["created_at"],
            "catalog_version": ctx.version, "snapshot": snap}  # fmt: skip


def test_snapshot_has_verdict_versions_and_cost(report):
    snap = report["snapshot"]
    v = snap["verdict"]
    assert v["format_id"] == snap["ranking"][0]["format_id"] == snap["best"]
    assert v["speed_key"] == "output_tok_s" and v["speed_low"] < v["speed"] < v["speed_high"]
    assert snap["versions"] == {"catalog": default_context().version, "estimator": estimator_version()}
    row = snap["ranking"][0]
    # cost = $4.29/h x 2 GPUs / (output tok/s x 3600 s) x 1e6
    expected = 4.29 * 2 / (row["output_tok_s"] * 3600) * 1e6
    assert row["cost_per_mtok_usd"] == pytest.approx(expected, rel=1e-3)


def test_every_export_says_the_same_thing(report):
    s = summarize(report["snapshot"])
    first = report["snapshot"]["ranking"][0]
    md, page, printable = to_markdown(report), to_html(report), to_print_html(report)
    assert s.headline.startswith(f"Use {first['format']}")
    assert md.index("Verdict") < md.index("## Ranking")  # verdict first
    for text in (s.headline, s.speed, s.cost, s.versions):
        assert text.replace("(", "").replace(")", "") in md.replace("\\", "").replace("(", "").replace(")", "")
        assert text.replace("&", "&amp;") in page and text.replace("&", "&amp;") in printable
    assert "<script" not in printable and "@media print" in printable
    assert json.loads(to_json(report))["summary"]["headline"] == s.headline
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert rows[0]["format_id"] == first["format_id"] and float(rows[0]["cost_per_mtok_usd"]) > 0


def test_every_export_carries_the_deploy_commands(report):
    v = report["snapshot"]["verdict"]
    steps = v["deploy"]["steps"]
    serve = next(st["command"] for st in steps if st["what"] == "serve")
    assert any(tp in serve for tp in ("--tensor-parallel-size 2", "--tp_size 2", "--tp 2")), serve
    s = summarize(report["snapshot"])
    assert [line.command for line in s.deploy] == [st["command"] for st in steps]
    assert s.deploy_note
    md, page, printable = to_markdown(report), to_html(report), to_print_html(report)
    assert md.index("## Deploy") < md.index("## Ranking")
    for st in steps:
        assert f"```bash\n{st['command']}\n```" in md
        esc = st["command"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        assert f"<pre><code>{esc}</code></pre>" in page and esc in printable
    assert json.loads(to_json(report))["summary"]["deploy"][-1]["command"] == steps[-1]["command"]
    # every ranked row carries its own plan, so the page can show the commands for any format
    ranking = report["snapshot"]["ranking"]
    assert all(r["deploy"]["format"] == r["format_id"] for r in ranking if r["engine_ids"])
    assert all(r["deploy"] is None for r in ranking if not r["engine_ids"])


def test_a_report_without_deploy_data_says_so():
    from reports.summary import deploy_lines

    lines, note = deploy_lines(None)
    assert lines == () and "no engine" in note


def test_the_deploy_commands_use_the_engine_the_verdict_names(report):
    v = report["snapshot"]["verdict"]
    engine_ids = {e: c.name for e, c in default_context().engines.items()}
    deploy_engine = v["deploy"]["engine"]
    assert engine_ids[deploy_engine] == v["engine"], (deploy_engine, v["engine"])
