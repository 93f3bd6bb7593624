"""Command line: ``python -m advisor (recommend | estimate | list) ...``; exit 2 on unknown ids.

The model is a catalog id (``--model``), a Hugging Face repo (``--hf-repo owner/name [--hf-revision REV]``,
through ``advisor.hub``: HF_ENDPOINT, HF_TOKEN, the cache), a local ``--model-config`` file or folder, or
a bare ``--params-b``; a bad one exits 2 with the reason.

Importing measured results needs the database: ``python -m measurements import FILE``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from advisor.formats import FormatError, FormatKind, closest, default_formats
from advisor.workload import Profile, Workload

if TYPE_CHECKING:
    from advisor.hardware import HardwareTarget
    from advisor.models import ModelSpec


class UsageError(Exception):
    """A bad id or argument; the message names the closest valid ids."""


def _ctx():
    from advisor.context import default_context

    return default_context()


def _catalog():
    from advisor.context import default_context

    return default_context().catalog


def _target(sku: str, memory_gb: float | None, free_memory_gb: float | None) -> HardwareTarget:
    from advisor.hardware import HardwareTarget

    t = HardwareTarget.from_catalog(_catalog(), sku)  # KeyError naming the closest SKUs: exit 2 in main()
    changes = {}
    if memory_gb is not None:
        changes["memory_gb"] = memory_gb
    if free_memory_gb is not None:
        changes["free_memory_gb"] = free_memory_gb
    return t.with_overrides(**changes) if changes else t


def _model(args: argparse.Namespace) -> ModelSpec:
    """The model of --model, --hf-repo, --model-config or --params-b (argparse allows only one)."""
    from advisor import models

    if getattr(args, "hf_revision", None) and not getattr(args, "hf_repo", None):
        raise UsageError("--hf-revision goes with --hf-repo <owner/name>")
    if getattr(args, "hf_repo", None):
        return _model_from_hub(args.hf_repo, args.hf_revision)
    if getattr(args, "model_config", None):
        return _model_from_file(args.model_config)
    if args.model:
        table = models.default_models()
        if args.model not in table:
            hint = closest(args.model, sorted(table))
            raise UsageError(f"unknown model {args.model!r}" + (f"; closest: {', '.join(hint)}" if hint else ""))
        return table[args.model]
    if args.params_b is None:
        raise UsageError(
            "give a model: --model <catalog id>, --hf-repo <owner/name>, --model-config <config.json> "
            "or --params-b <billions>"
        )
    return models.custom_model(params_b=args.params_b)


def _model_from_hub(repo_id: str, revision: str | None) -> ModelSpec:
    from advisor.hub import model_from_hub

    spec, _quant = model_from_hub(repo_id, revision=revision)  # HubError / ModelConfigError: exit 2 in main()
    return spec


def _model_from_file(path_text: str) -> ModelSpec:
    """A config.json file, or a folder holding one (and hf_quant_config.json when the checkpoint has it)."""
    from pathlib import Path

    from advisor.hub import CONFIG_NAME, DEFAULT_MAX_BYTES, QUANT_CONFIG_NAME, model_from_config, read_config_bytes

    path = Path(path_text).expanduser()
    quant_path = None
    if path.is_dir():
        quant_path = path / QUANT_CONFIG_NAME
        path = path / CONFIG_NAME
    if not path.is_file():
        raise UsageError(f"--model-config {path_text}: no such file (give a config.json or a folder holding one)")
    size = path.stat().st_size
    if size > DEFAULT_MAX_BYTES:
        raise UsageError(f"--model-config {path}: {size:,} bytes, over the {DEFAULT_MAX_BYTES:,}-byte limit")
    try:
        cfg = read_config_bytes(path.read_bytes(), what=str(path))
        quant = (
            read_config_bytes(quant_path.read_bytes(), what=str(quant_path))
            if quant_path and quant_path.is_file()
            else None
        )
    except OSError as exc:
        raise UsageError(f"--model-config {path}: cannot read it ({exc.strerror or exc})") from None
    name = str(cfg.get("_name_or_path") or "") or (path.parent.name if path.name == CONFIG_NAME else path.stem)
    spec, _quant = model_from_config(cfg, name=name, source=str(path.resolve()), quant_config=quant)
    return spec


def _check_format(fid: str, kind: FormatKind | None = FormatKind.WEIGHTS) -> str:
    table = default_formats()
    valid = sorted(k for k, f in table.items() if kind is None or f.kind is kind)
    if fid not in valid:
        hint = closest(fid, valid)
        raise UsageError(f"unknown format {fid!r}" + (f"; closest: {', '.join(hint)}" if hint else ""))
    return fid


def _check_engine(engine: str | None) -> str | None:
    if engine is None:
        return None
    try:
        return _ctx().engine_id(engine)  # accepts the names users type: llama.cpp, trt-llm, ...
    except KeyError:
        valid = sorted(_catalog().engines)
        hint = closest(engine, valid)
        raise UsageError(f"unknown engine {engine!r}" + (f"; closest: {', '.join(hint)}" if hint else "")) from None


def _workload(args: argparse.Namespace, profile: Profile) -> Workload:
    """The profile's defaults with the lengths, batch, GPUs and KV format the user gave."""
    kv = _check_format(args.kv_format, FormatKind.KV_CACHE) if args.kv_format else None
    return Workload.for_profile(
        profile, batch=args.batch, input_len=args.input_len, output_len=args.output_len, gpus=args.gpus, kv_format=kv
    )


def _fmt(v: float | None, digits: int = 1) -> str:
    return "-" if v is None else f"{v:,.{digits}f}"


def _cmd_recommend(args: argparse.Namespace) -> int:
    from advisor.recommend import Request, recommend

    profile = Profile(args.profile)
    target = _target(args.hardware, args.memory_gb, args.free_memory_gb)
    model = _model(args)
    from advisor.quality import parse_tolerance

    req = Request(
        model=model,
        hardware=target,
        profile=profile,
        workload=_workload(args, profile),
        engine=_check_engine(args.engine),
        tolerance=parse_tolerance(args.tolerance),
    )
    rec = recommend(req)
    if args.json:
        print(json.dumps(rec.to_dict(), indent=2, default=str))
        return 0
    w = rec.workload
    print(
        f"{model.name} on {w.gpus} x {target.name}  profile={profile.value} batch={w.batch} in={w.input_len} out={w.output_len}"
    )
    print(
        f"{'#':>2} {'format':<18} {'support':<12} {'fits':<5} {'GB/GPU':>7} {'decode/seq':>10} {'out tok/s':>10} {'prefill':>10} {'ppl+%':>6}  engines"
    )
    for i, c in enumerate(rec.ranked, 1):
        e = c.estimate
        print(
            f"{i:>2} {c.format_id:<18} {e.support.level.value:<12} {str(e.memory.fits):<5} {e.memory.per_gpu_gb:>7.1f} "
            f"{_fmt(e.speed.decode_tok_s_per_seq):>10} {_fmt(e.speed.output_tok_s, 0):>10} {_fmt(e.speed.prefill_tok_s, 0):>10} "
            f"{_fmt(e.quality.ppl_increase_pct, 2):>6}  {','.join(c.engines)}"
        )
    if rec.best:
        print(f"\nBest: {rec.best.format_name}: {rec.best.estimate.support.reason}")
    if rec.best and rec.best.deploy:
        print("Deploy:")
        for step in rec.best.deploy.steps:
            print(f"  [{step.what}] {step.command}")
    for o in rec.fit_options:
        print(f"Fit option ({o.kind}): {o.description} -> {'fits' if o.fits else 'does not fit'}")
    if rec.mixed_precision:
        print(f"Mixed precision: {rec.mixed_precision.description} ({rec.mixed_precision.reason})")
    if rec.kv_cache:
        k = rec.kv_cache
        print(f"KV cache: use {k.kv_format} ({k.reason})")
    print("\nRejected:")
    for r in rec.rejected:
        print(f"  {r.format_id:<18} {r.why}")
    for n in rec.notes:
        print(f"Note: {n}")
    return 0


def _cmd_estimate(args: argparse.Namespace) -> int:
    from advisor.estimate import estimate

    profile = Profile(args.profile)
    target = _target(args.hardware, args.memory_gb, args.free_memory_gb)
    model = _model(args)
    fid = _check_format(args.format)
    est = estimate(
        model,
        fid,
        target,
        _workload(args, profile),
        _check_engine(args.engine),
        finetune=profile is Profile.FINETUNE_QLORA,
    )
    d = est.to_dict()
    if args.json:
        print(json.dumps(d, indent=2, default=str))
        return 0
    for key in (
        "model",
        "hardware",
        "format",
        "engine",
        "support",
        "reason",
        "why_not",
        "engines",
        "fits",
        "memory_gb",
        "memory_per_gpu_gb",
        "available_gb",
        "prefill_tok_s",
        "decode_tok_s",
        "decode_tok_s_per_seq",
        "ttft_ms",
        "tpot_ms",
        "e2e_s",
        "math_format",
        "basis",
        "quality_ppl_increase_pct",
        "quality_level",
    ):
        if key == "fits" and d[key] is None:
            print(f"{key:>24}: unknown (the device has no fixed memory size; pass --memory-gb)")
        elif d.get(key) not in (None, "", []):
            v = d[key]
            print(f"{key:>24}: {v:,.2f}" if isinstance(v, float) else f"{key:>24}: {v}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    rows: list[dict]
    if args.what == "hardware":
        c = _catalog()
        rows = [
            {
                "id": s.id,
                "name": s.name,
                "architecture": s.architecture,
                "memory_gb": s.memory_gb,
                "memory_bandwidth_gbps": s.memory_bandwidth_gbps,
            }
            for s in sorted(c.skus.values(), key=lambda s: s.id)
        ]
    elif args.what == "models":
        from advisor.models import default_models

        rows = [
            {"id": m.id, "name": m.name, "params_b": m.params_b, "active_params_b": m.active_params_b}
            for m in sorted(default_models().values(), key=lambda m: m.id)
        ]
    else:
        rows = [
            {
                "id": f.id,
                "name": f.name,
                "kind": f.kind.value,
                "bits_per_weight": f.bits_per_weight,
                "design": f.design.value,
            }
            for f in default_formats().values()
        ]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            print("  ".join(f"{v}" for v in r.values()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m advisor", description="Format Advisor engine")
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--hardware", required=True, help="SKU id (python -m advisor list hardware)")
        which = sp.add_mutually_exclusive_group()
        which.add_argument("--model", help="model id (python -m advisor list models)")
        which.add_argument("--hf-repo", metavar="ID", help="a Hugging Face repo id (owner/name): its config.json")
        which.add_argument("--model-config", metavar="PATH", help="a config.json file, or a folder holding one")
        which.add_argument("--params-b", type=float, help="custom model: total parameters in billions")
        sp.add_argument("--hf-revision", metavar="REV", help="with --hf-repo: branch, tag or commit (default main)")
        sp.add_argument("--gpus", type=int, default=1)
        sp.add_argument("--batch", type=int)
        sp.add_argument("--input-len", type=int)
        sp.add_argument("--output-len", type=int)
        sp.add_argument("--profile", choices=[p.value for p in Profile], default=Profile.SERVING.value)
        sp.add_argument("--engine", help="restrict to one engine id")
        sp.add_argument("--kv-format", help="KV-cache format id (kv_fp8, kv_int8, kv_nvfp4)")
        sp.add_argument("--memory-gb", type=float, help="override device memory (CPU hosts)")
        sp.add_argument("--free-memory-gb", type=float, help="free memory per device (from a probe)")
        sp.add_argument("--json", action="store_true")

    r = sub.add_parser("recommend", help="rank formats for a model on a device")
    common(r)
    r.add_argument("--tolerance", default="moderate", help="strict | moderate | relaxed | max ppl increase in %%")
    e = sub.add_parser("estimate", help="one format's support, memory and speed")
    common(e)
    e.add_argument("--format", required=True)
    ls = sub.add_parser("list", help="list hardware, models or formats")
    ls.add_argument("what", choices=["hardware", "models", "formats"])
    ls.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "import":
        print(
            "error: importing results is `python -m measurements import FILE` (it needs the database)", file=sys.stderr
        )
        return 2
    args = build_parser().parse_args(argv)
    try:
        if args.cmd == "recommend":
            return _cmd_recommend(args)
        if args.cmd == "estimate":
            return _cmd_estimate(args)
        return _cmd_list(args)
    except (UsageError, FormatError, KeyError, ValueError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"error: {msg}", file=sys.stderr)
        return 2


def _run() -> int:
    try:
        return main()
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(_run())
