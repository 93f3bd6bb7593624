"""The verdict in words: one function writes the sentences the Advise page, the shared report and every
export show, so a stakeholder reads the same thing wherever the report is opened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reports.display import fmt_band, fmt_num, fmt_usd, quality_label, support_label
from reports.snapshot import verdict_of

#: What each deploy step is, in words (``advisor.deploy.DeployStep.what``).
STEP_TITLE = {"pull": "Get the checkpoint", "quantize": "Quantize it", "serve": "Serve it"}


@dataclass(frozen=True)
class DeployLine:
    title: str  # "Serve it"
    command: str
    source: str  # the page the command's template was taken from


@dataclass(frozen=True)
class Summary:
    headline: str  # "Use FP8 W8A8 (per-tensor) with vLLM"
    why: str
    fits: str
    speed: str
    quality: str
    quality_source: str  # URL or "" (shown as a link where the medium allows)
    cost: str
    versions: str
    ok: bool  # False: nothing fits or runs
    deploy: tuple[DeployLine, ...] = ()  # the commands to produce and serve the recommended format
    deploy_note: str = ""  # which checkpoint is served (official release or one you quantize)

    def lines(self) -> list[str]:
        return [self.why, self.fits, self.speed, self.quality, self.cost]


def summarize(snapshot: dict[str, Any], catalog_version: str | None = None) -> Summary:
    """``catalog_version``: the stored report's, for snapshots that do not carry their versions."""
    v = verdict_of(snapshot)
    versions = snapshot.get("versions") or {"catalog": snapshot.get("catalog_version") or catalog_version or "unknown"}
    version_text = f"catalog {versions.get('catalog', 'unknown')}, estimator {versions.get('estimator', 'unknown')}"
    if v is None:
        return Summary(
            headline="No format fits these constraints",
            why="Every format was rejected; the table of rejected formats says why for each.",
            fits="-",
            speed="-",
            quality="-",
            quality_source="",
            cost="-",
            versions=version_text,
            ok=False,
        )
    engine = v.get("engine")
    headline = f"Use {v.get('format')}" + (f" with {engine}" if engine else "")
    support = support_label(v.get("support"))
    why = (v.get("why") or "").strip()
    why = f"{support.capitalize()} on this hardware: {why}" if why else f"{support.capitalize()} on this hardware."
    per_gpu = v.get("memory_per_gpu_gb")
    avail = v.get("available_gb")
    room = f" of {fmt_num(avail)} GB available" if avail else ""
    if v.get("fits") is True:
        fits = f"Fits: {fmt_num(per_gpu)} GB per GPU{room}."
    elif v.get("fits") is False:
        fits = f"Does not fit: needs {fmt_num(per_gpu)} GB per GPU{room}."
    elif per_gpu is not None:
        fits = f"Fit unknown (no memory size known); needs {fmt_num(per_gpu)} GB per GPU."
    else:
        fits = "Fit unknown: no memory estimate in this report."
    band = fmt_band(v.get("speed_low"), v.get("speed_high"))
    speed = (
        f"{str(v.get('speed_label', 'speed')).capitalize()}: {fmt_num(v.get('speed'))} tok/s"
        + (f" (80% band {band})" if band != "unknown" else " (no error band)")
        + f", {v.get('speed_basis') or 'estimated'}."
    )
    pct = v.get("quality_loss_pct")
    quality = f"Quality risk: {quality_label(v.get('quality_level'))}" + (
        f" (perplexity +{fmt_num(pct)} %)" if pct is not None else ""
    )
    basis = v.get("quality_basis") or ""
    quality += f", from {basis}." if basis else "."
    price = snapshot.get("price") or {}
    usd = price.get("usd_per_device_hour")
    if v.get("cost_per_mtok_usd") is not None and usd:
        src = price.get("source") or "price entered by the user"
        cost = (
            f"Cost: {fmt_usd(v['cost_per_mtok_usd'])} per 1M output tokens at {fmt_usd(usd)} per device-hour ({src})."
        )
    elif usd:
        cost = f"Cost: unknown (no throughput estimate) at {fmt_usd(usd)} per device-hour."
    else:
        cost = "Cost: no price per device-hour given, so no cost per token."
    deploy, deploy_note = deploy_lines(v.get("deploy"))
    return Summary(
        headline=headline,
        why=why,
        fits=fits,
        speed=speed,
        quality=quality,
        quality_source=v.get("quality_source") or "",
        cost=cost,
        versions=version_text,
        ok=True,
        deploy=deploy,
        deploy_note=deploy_note,
    )


def deploy_lines(plan: dict[str, Any] | None) -> tuple[tuple[DeployLine, ...], str]:
    """A snapshot's deploy plan (``DeployPlan.to_dict``) as titled commands, and which checkpoint it serves."""
    if not plan or not plan.get("steps"):
        return (), "No deploy commands for this format: no engine in the catalog serves it on this hardware."
    lines = tuple(
        DeployLine(
            STEP_TITLE.get(st.get("what", ""), str(st.get("what", "")).capitalize()),
            st["command"],
            st.get("source", ""),
        )
        for st in plan["steps"]
    )
    ckpt = plan.get("checkpoint") or ""
    whats = {st.get("what") for st in plan["steps"]}
    if "pull" in whats:
        who = "the model publisher's own" if plan.get("official_checkpoint") else "a vendor's"
        note = f"Uses {who} pre-quantized checkpoint {ckpt}: no quantizing needed."
    elif "quantize" in whats:
        note = f"No published checkpoint in the catalog for this format: the quantize step writes {ckpt}."
    else:
        note = f"Serves {ckpt} as it is (the engine converts it at load, if at all)."
    return lines, note
