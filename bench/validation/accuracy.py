"""Accuracy of the advisor's speed estimates against published measurements.

For every row of ``published.csv`` this calls the advisor's estimator and reports the median absolute
percentage error (MdAPE) of decode and prefill estimates per split (dev / holdout), next to the naive
rule most fit tools use, ``decode_tok_s = 0.55 x bandwidth / model_bytes`` (llmfit), on the same rows.

    .venv/bin/python bench/validation/accuracy.py [--csv PATH] [--rows] [--json] [--calibrate-on-dev]

Rows whose hardware or model is not in the catalogs are skipped and listed. Rows with an empty batch
were measured at maximum load (the engine's scheduler picks the batch); they are evaluated at the
largest batch in 1, 2, 4, ... 1024 that the estimator says fits in memory (``MAX_LOAD_BATCHES``).
Rows from throughput benchmarks (vLLM, TensorRT-LLM, SGLang) report output tokens over the whole run,
prefill included, so they are compared with the estimator's end-to-end output throughput
(``END_TO_END_ENGINES``); llama.cpp ``tg`` rows compare with pure decode tokens/s.
"""

from __future__ import annotations

import argparse
import csv
import inspect
import json
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from advisor.models import ModelSpec, default_models  # noqa: E402

CSV_PATH = Path(__file__).resolve().parent / "published.csv"
NAIVE_EFFICIENCY = 0.55  # llmfit's decode efficiency factor (anchors.md 2.7)
MAX_LOAD_BATCHES = tuple(2**i for i in range(11))  # 1 .. 1024
#: Engines whose published rows come from throughput benchmarks (output tokens / total time, prefill included);
#: their decode column is compared with the estimator's end-to-end output throughput when it gives one.
#: llama.cpp rows are llama-bench tg (pure decode) and compare with decode tok/s.
END_TO_END_ENGINES = frozenset({"vllm", "tensorrt_llm", "sglang"})


@dataclass
class Row:
    index: int
    raw: dict[str, str]
    split: str
    hardware_sku: str
    model_id: str
    format_id: str
    engine: str
    gpus: int
    batch: int | None
    input_len: int | None
    output_len: int | None
    decode: float | None
    prefill: float | None
    est_decode: float | None = None
    est_prefill: float | None = None
    naive_decode: float | None = None
    used_batch: int | None = None
    skipped: str = ""
    notes: list[str] = field(default_factory=list)


def _num(text: str, kind: type = float) -> Any:
    text = (text or "").strip()
    return kind(float(text)) if text else None


def read_rows(path: Path = CSV_PATH) -> list[Row]:
    rows = []
    with path.open(newline="") as fh:
        for i, raw in enumerate(csv.DictReader(fh), start=2):  # line 1 is the header
            rows.append(
                Row(
                    index=i,
                    raw=raw,
                    split=raw["split"].strip(),
                    hardware_sku=raw["hardware_sku"].strip(),
                    model_id=raw["model_id"].strip(),
                    format_id=raw["format_id"].strip(),
                    engine=raw["engine"].strip(),
                    gpus=_num(raw["gpus"], int) or 1,
                    batch=_num(raw["batch"], int),
                    input_len=_num(raw["input_len"], int),
                    output_len=_num(raw["output_len"], int),
                    decode=_num(raw["measured_decode_tok_s"]),
                    prefill=_num(raw["measured_prefill_tok_s"]),
                )
            )
    return rows


def ape(estimate: float | None, measured: float | None) -> float | None:
    """Absolute percentage error, or None when either side is missing."""
    if estimate is None or measured is None or measured <= 0:
        return None
    return abs(estimate - measured) / measured * 100.0


def mdape(pairs: list[tuple[float | None, float | None]]) -> tuple[float | None, int]:
    errors = [e for e in (ape(est, meas) for est, meas in pairs) if e is not None]
    return (statistics.median(errors) if errors else None), len(errors)


# --------------------------------------------------------------------------------------------- naive rule


def naive_decode_tok_s(bandwidth_gbps: float, gpus: int, spec: ModelSpec, bytes_per_weight: float) -> float:
    """llmfit's rule: 0.55 x bandwidth / model bytes (active parameters for MoE), per sequence."""
    model_gb = spec.active_params_b * bytes_per_weight
    return NAIVE_EFFICIENCY * bandwidth_gbps * gpus / model_gb


# --------------------------------------------------------------------------------------------- estimator


class EstimatorMissing(RuntimeError):
    """The advisor has no usable estimate() yet; the message says what is missing."""


def find_estimator():
    """The advisor's estimate function: ``advisor.estimate`` or ``advisor.speed.estimate``."""
    import importlib

    tried = []
    for module_name in ("advisor", "advisor.estimate", "advisor.speed", "advisor.estimator", "advisor.roofline"):
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            tried.append(f"{module_name} ({exc.__class__.__name__})")
            continue
        fn = getattr(module, "estimate", None)
        if callable(fn) and not inspect.ismodule(fn):
            return fn
        tried.append(f"{module_name} (no estimate())")
    raise EstimatorMissing("no callable estimate() in " + ", ".join(tried))


def _field(result: Any, *names: str) -> Any:
    for name in names:
        value = result.get(name) if isinstance(result, dict) else getattr(result, name, None)
        if value is not None:
            return value
    return None


def _number(value: Any) -> float | None:
    """A float from a plain number or from a banded value (``.value`` / ``.mid`` / ``["value"]``)."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    inner = _field(value, "value", "mid", "estimate", "point")
    return float(inner) if isinstance(inner, int | float) else None


def call_estimator(fn, *, target, spec, format_id: str, engine: str, workload, calibration=None) -> Any:
    """Call ``fn`` with keyword arguments matched to its parameter names."""
    params = inspect.signature(fn).parameters
    offers = {
        ("hardware", "target", "hw", "device"): target,
        ("model", "spec", "model_spec"): spec,
        ("format_id", "fmt", "format", "weight_format"): format_id,
        ("workload",): workload,
        ("engine", "engine_id"): engine,
    }
    kwargs: dict[str, Any] = {}
    for names, value in offers.items():
        for name in names:
            if name in params:
                kwargs[name] = value
                break
    for name in ("batch", "input_len", "output_len", "gpus"):
        if name in params and "workload" not in kwargs:
            kwargs[name] = getattr(workload, name)
    if calibration is not None and "calibration" in params:
        kwargs["calibration"] = calibration
    return fn(**kwargs)


def calibrate_on_dev(rows: list[Row], estimator) -> tuple[Any, str]:
    """Fit the advisor's calibration on the dev rows only (never holdout), at the batch each row was evaluated.

    Uses ``calibrate(measurements, targets, models)`` from the estimator's module; returns (calibration, message).
    """
    import importlib

    from advisor.evidence import Measurement
    from advisor.hardware import HardwareTarget
    from hardware_db.catalog import default_catalog

    fit = getattr(importlib.import_module(estimator.__module__), "calibrate", None)
    if fit is None:
        return None, f"no calibrate() in {estimator.__module__}"
    catalog = default_catalog()
    measurements = [
        Measurement(
            hardware_sku=r.hardware_sku,
            model_id=r.model_id,
            params_b=None,
            format_id=r.format_id,
            engine=r.engine,
            gpus=r.gpus,
            batch=r.used_batch,
            input_len=r.input_len,
            output_len=r.output_len,
            prefill_tok_s=r.prefill,
            decode_tok_s=r.decode,
            source=f"published.csv line {r.index}",
        )
        for r in rows
        if r.split == "dev" and not r.skipped
    ]
    targets = {m.hardware_sku: HardwareTarget.from_catalog(catalog, m.hardware_sku) for m in measurements}
    calibration = fit(measurements, targets, default_models())
    return calibration, f"calibrated on {len(measurements)} dev rows with {estimator.__module__}.calibrate"


def _speed(result: Any) -> Any:
    """The part of an estimate result that holds the speed fields (``Estimate.speed`` or the result itself)."""
    return _field(result, "speed") or result


def decode_from(result: Any, batch: int, end_to_end: bool = False) -> float | None:
    """Aggregate decode tokens/s (all sequences) from an estimate result.

    With ``end_to_end`` the serving throughput (batch x output_len / (prefill + decode time)) is preferred,
    which is what throughput benchmarks (vLLM ``bench throughput``, ``trtllm-bench``) report.
    """
    result = _speed(result)
    if end_to_end:
        e2e = _number(_field(result, "output_tok_s"))
        if e2e is not None:
            return e2e
    aggregate = _number(_field(result, "decode_tok_s_aggregate", "aggregate_decode_tok_s", "throughput_tok_s"))
    if aggregate is not None:
        return aggregate
    per_seq = _number(_field(result, "decode_tok_s_per_seq", "per_sequence_decode_tok_s"))
    if per_seq is not None:
        return per_seq * batch
    return _number(_field(result, "decode_tok_s"))


def prefill_from(result: Any) -> float | None:
    return _number(_field(_speed(result), "prefill_tok_s"))


def fits_from(result: Any) -> bool | None:
    value = _field(result, "fits")
    if value is None:
        value = _field(_field(result, "memory") or {}, "fits")
    if isinstance(value, bool):
        return value
    return _field(value, "fits") if value is not None else None


# --------------------------------------------------------------------------------------------- run


def evaluate(rows: list[Row], calibration: Any = None) -> tuple[list[Row], str]:
    """Fill estimates into rows; returns (rows, status message)."""
    from advisor.formats import default_formats
    from advisor.hardware import HardwareTarget
    from advisor.workload import Workload
    from hardware_db.catalog import default_catalog

    catalog = default_catalog()
    models = default_models()
    formats = default_formats()
    try:
        estimator = find_estimator()
        status = f"estimator: {estimator.__module__}.{estimator.__name__}"
    except EstimatorMissing as exc:
        estimator, status = None, f"estimator missing: {exc}"

    for row in rows:
        if row.hardware_sku not in catalog.skus:
            row.skipped = f"hardware {row.hardware_sku!r} not in the catalog"
            continue
        if row.model_id not in models:
            row.skipped = f"model {row.model_id!r} not in the catalog"
            continue
        if row.format_id not in formats:
            row.skipped = f"format {row.format_id!r} not in formats.toml"
            continue
        target = HardwareTarget.from_catalog(catalog, row.hardware_sku)
        spec = models[row.model_id]
        if target.bandwidth_gbps:
            row.naive_decode = naive_decode_tok_s(
                target.bandwidth_gbps, row.gpus, spec, formats[row.format_id].bytes_per_weight
            )
        if estimator is None:
            continue
        lengths = {"input_len": row.input_len or 512, "output_len": row.output_len or 128}
        if row.input_len is None or row.output_len is None:
            row.notes.append("lengths not published: evaluated at 512 in / 128 out")
        batches = [row.batch] if row.batch else list(MAX_LOAD_BATCHES)
        chosen = None
        for batch in batches:
            workload = Workload(batch=batch, gpus=row.gpus, **lengths)
            try:
                result = call_estimator(
                    estimator,
                    target=target,
                    spec=spec,
                    format_id=row.format_id,
                    engine=row.engine,
                    workload=workload,
                    calibration=calibration,
                )
            except (KeyError, ValueError) as exc:
                row.skipped = f"estimator refused: {exc}"
                break
            if row.batch is None and fits_from(result) is False:
                break
            chosen = (batch, result)
        if chosen is None:
            if not row.skipped:
                row.skipped = "estimator: does not fit at batch 1"
            continue
        row.used_batch, result = chosen
        end_to_end = row.engine in END_TO_END_ENGINES
        if end_to_end:
            row.notes.append("compared with the end-to-end output throughput estimate")
        row.est_decode = decode_from(result, row.used_batch, end_to_end=end_to_end)
        row.est_prefill = prefill_from(result)
    return rows, status


def summary(rows: list[Row]) -> list[dict[str, Any]]:
    out = []
    for split in ("dev", "holdout", "all"):
        chosen = [r for r in rows if not r.skipped and (split == "all" or r.split == split)]
        for metric, method, pairs in (
            ("decode", "advisor", [(r.est_decode, r.decode) for r in chosen]),
            ("decode", "naive 0.55 x BW / bytes", [(r.naive_decode, r.decode) for r in chosen]),
            ("decode (batch 1 rows)", "advisor", [(r.est_decode, r.decode) for r in chosen if r.batch == 1]),
            (
                "decode (batch 1 rows)",
                "naive 0.55 x BW / bytes",
                [(r.naive_decode, r.decode) for r in chosen if r.batch == 1],
            ),
            ("prefill", "advisor", [(r.est_prefill, r.prefill) for r in chosen]),
        ):
            value, n = mdape(pairs)
            out.append({"split": split, "metric": metric, "method": method, "n": n, "mdape_pct": value})
    return out


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def render(rows: list[Row], status: str, command: str, with_rows: bool) -> str:
    lines = [f"Command: `{command}`", "", status, ""]
    lines += ["| split | metric | method | rows | MdAPE % |", "|---|---|---|---:|---:|"]
    for s in summary(rows):
        lines.append(f"| {s['split']} | {s['metric']} | {s['method']} | {s['n']} | {_fmt(s['mdape_pct'])} |")
    skipped = [r for r in rows if r.skipped]
    if skipped:
        lines += ["", f"Skipped {len(skipped)} of {len(rows)} rows:"]
        lines += [f"- line {r.index}: {r.hardware_sku} / {r.model_id} / {r.format_id}: {r.skipped}" for r in skipped]
    if with_rows:
        lines += [
            "",
            "| line | split | hardware | model | format | batch | decode meas | decode est | naive | "
            "prefill meas | prefill est |",
            "|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            if r.skipped:
                continue
            batch = r.batch if r.batch else f"max->{r.used_batch}"
            lines.append(
                f"| {r.index} | {r.split} | {r.hardware_sku} | {r.model_id} | {r.format_id} | {batch} | "
                f"{_fmt(r.decode)} | {_fmt(r.est_decode)} | {_fmt(r.naive_decode)} | "
                f"{_fmt(r.prefill)} | {_fmt(r.est_prefill)} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=CSV_PATH)
    parser.add_argument("--rows", action="store_true", help="also print one line per row")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--calibrate-on-dev",
        action="store_true",
        help="fit the advisor's calibration on dev rows, then score every row with it (holdout stays unseen)",
    )
    args = parser.parse_args(argv)
    rows, status = evaluate(read_rows(args.csv))
    if args.calibrate_on_dev and not status.startswith("estimator missing"):
        calibration, message = calibrate_on_dev(rows, find_estimator())
        if calibration is not None:
            rows, status = evaluate(read_rows(args.csv), calibration)
        status += f"; {message}"
    if args.json:
        print(json.dumps({"status": status, "summary": summary(rows)}, indent=2))
    else:
        flags = [f for f, on in (("--rows", args.rows), ("--calibrate-on-dev", args.calibrate_on_dev)) if on]
        command = " ".join(["python bench/validation/accuracy.py", *flags])
        print(render(rows, status, command, args.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
