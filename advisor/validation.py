"""Check the speed estimates against published measurements (``advisor/data/validation.toml``).

``validate()`` returns one ``ValidationRow`` per (row, phase) with the estimate, the measurement and, for
decode, the common "0.55 x bandwidth / model size" rule (llmfit) on the same row, plus median absolute
percentage errors split into in-sample rows (used to fit the defaults) and out-of-sample rows.

Phases: ``prefill`` (prompt tok/s at batch 1), ``decode`` (generated tok/s at batch 1), ``serving`` (output
tok/s of a static batch: batch x output_len / (prefill + decode), all GPUs) and ``ttft`` (first-token latency,
ms; compared as a rate, 1/ttft, so errors read the same way as the others).
"""

from __future__ import annotations

import statistics
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.estimate import estimate
from advisor.formats import get_format
from advisor.hardware import HardwareTarget
from advisor.models import ModelSpec, default_models
from advisor.workload import Workload

if TYPE_CHECKING:
    from hardware_db.catalog import Catalog

VALIDATION_FILE = Path(__file__).resolve().parent / "data" / "validation.toml"
RULE_EFFICIENCY = 0.55  # llmfit: tok/s = 0.55 x bandwidth / model size


@dataclass(frozen=True)
class ValidationRow:
    hardware: str
    model: str
    format_id: str
    phase: str  # "prefill" | "decode" | "serving" | "ttft"
    measured_tok_s: float
    estimated_tok_s: float | None
    rule_tok_s: float | None  # decode only
    in_sample: bool
    source: str

    @property
    def error(self) -> float | None:
        """Signed relative error of the estimate."""
        return None if self.estimated_tok_s is None else self.estimated_tok_s / self.measured_tok_s - 1.0

    @property
    def rule_error(self) -> float | None:
        return None if self.rule_tok_s is None else self.rule_tok_s / self.measured_tok_s - 1.0


@dataclass(frozen=True)
class ValidationReport:
    rows: tuple[ValidationRow, ...]

    def mape(self, phase: str, *, in_sample: bool | None = None, rule: bool = False) -> float | None:
        """Median absolute percentage error (as a fraction) over the rows of one phase."""
        errs = [
            abs(e)
            for r in self.rows
            if r.phase == phase and (in_sample is None or r.in_sample == in_sample)
            for e in [r.rule_error if rule else r.error]
            if e is not None
        ]
        return statistics.median(errs) if errs else None

    def count(self, phase: str, *, in_sample: bool | None = None) -> int:
        return sum(
            1
            for r in self.rows
            if r.phase == phase and r.error is not None and (in_sample is None or r.in_sample == in_sample)
        )


def _shape(name: str, raw: dict) -> ModelSpec:
    return ModelSpec(
        id=name,
        name=name,
        family="validation",
        params_b=float(raw["params_b"]),
        active_params_b=float(raw.get("active_params_b", raw["params_b"])),
        n_layers=int(raw["n_layers"]),
        hidden_size=int(raw["hidden_size"]),
        n_heads=int(raw["n_heads"]),
        n_kv_heads=int(raw["n_kv_heads"]),
        head_dim=int(raw["head_dim"]),
        vocab_size=int(raw["vocab_size"]),
        intermediate_size=raw.get("intermediate_size"),
    )


def validate(catalog: Catalog | None = None, path: Path = VALIDATION_FILE) -> ValidationReport:
    if catalog is None:
        from hardware_db.catalog import default_catalog

        catalog = default_catalog()
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    shapes = {k: _shape(k, v) for k, v in data.get("shapes", {}).items()}
    models = default_models()
    out: list[ValidationRow] = []
    for raw in data.get("rows", []):
        model = shapes.get(raw["model"]) or models[raw["model"]]
        fmt = get_format(raw["format"])
        if "file_gib" in raw:  # the measured file's own average bits per weight
            fmt = replace(fmt, bits_per_weight=raw["file_gib"] * 2**30 * 8 / (model.params_b * 1e9))
            fmt = replace(fmt, whole_model_average=True)
        target = HardwareTarget.from_catalog(catalog, raw["hardware"])
        engine = raw.get("engine")
        gpus = int(raw.get("gpus", 1))
        kv = raw.get("kv_format")
        common = {"hardware": raw["hardware"], "model": model.id, "format_id": fmt.id}
        common |= {"in_sample": bool(raw.get("in_sample", False)), "source": raw["source"]}
        if "prefill_tok_s" in raw:
            w = Workload(batch=1, input_len=int(raw.get("input_len", 512)), output_len=0)
            est = estimate(model, fmt, target, w, engine, engines=catalog.engines)
            out.append(
                ValidationRow(
                    phase="prefill",
                    measured_tok_s=float(raw["prefill_tok_s"]),
                    estimated_tok_s=est.speed.prefill_tok_s,
                    rule_tok_s=None,
                    **common,
                )
            )
        if "decode_tok_s" in raw:
            w = Workload(batch=1, input_len=1, output_len=int(raw.get("output_len", 128)))
            est = estimate(model, fmt, target, w, engine, engines=catalog.engines)
            size = est.memory.weights_gb * 1e9
            bw = target.bandwidth_gbps
            rule = RULE_EFFICIENCY * bw * 1e9 / size if bw else None
            out.append(
                ValidationRow(
                    phase="decode",
                    measured_tok_s=float(raw["decode_tok_s"]),
                    estimated_tok_s=est.speed.decode_tok_s,
                    rule_tok_s=rule,
                    **common,
                )
            )
        if "output_tok_s" in raw:
            w = Workload(
                batch=int(raw["batch"]),
                input_len=int(raw["input_len"]),
                output_len=int(raw["output_len"]),
                gpus=gpus,
                kv_format=kv,
            )
            est = estimate(model, fmt, target, w, engine, engines=catalog.engines)
            measured = float(raw["output_tok_s"]) * (gpus if raw.get("per_gpu") else 1)
            out.append(
                ValidationRow(
                    phase="serving",
                    measured_tok_s=measured,
                    estimated_tok_s=est.speed.output_tok_s,
                    rule_tok_s=None,
                    **common,
                )
            )
        if "ttft_ms" in raw:
            w = Workload(batch=1, input_len=int(raw["input_len"]), output_len=1, gpus=gpus, kv_format=kv)
            est = estimate(model, fmt, target, w, engine, engines=catalog.engines)
            rate = 1e3 / est.speed.ttft_ms if est.speed.ttft_ms else None
            out.append(
                ValidationRow(
                    phase="ttft",
                    measured_tok_s=1e3 / float(raw["ttft_ms"]),
                    estimated_tok_s=rate,
                    rule_tok_s=None,
                    **common,
                )
            )
    return ValidationReport(tuple(out))


def markdown(report: ValidationReport) -> str:
    """The per-row table and the summary, for bench/RESULTS.md."""
    lines = [
        "| hardware | model | format | phase | measured tok/s | estimate | error | 0.55 rule | rule error | fit |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in report.rows:
        est = "-" if r.estimated_tok_s is None else f"{r.estimated_tok_s:,.1f}"
        err = "-" if r.error is None else f"{r.error:+.0%}"
        rule = "-" if r.rule_tok_s is None else f"{r.rule_tok_s:,.1f}"
        rerr = "-" if r.rule_error is None else f"{r.rule_error:+.0%}"
        lines.append(
            f"| {r.hardware} | {r.model} | {r.format_id} | {r.phase} | {r.measured_tok_s:,.1f} | {est} | "
            f"{err} | {rule} | {rerr} | {'in' if r.in_sample else 'out'} |"
        )
    lines.append("")
    lines.append("| phase | rows | median APE (all) | in-sample | out-of-sample | 0.55 rule (all) |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for phase in ("decode", "prefill", "serving", "ttft"):

        def pct(v: float | None) -> str:
            return "-" if v is None else f"{v:.0%}"

        lines.append(
            f"| {phase} | {report.count(phase)} | {pct(report.mape(phase))} | {pct(report.mape(phase, in_sample=True))} | "
            f"{pct(report.mape(phase, in_sample=False))} | {pct(report.mape(phase, rule=True)) if phase == 'decode' else '-'} |"
        )
    return "\n".join(lines)
