"""Deploy commands for a recommended format: how to produce it (or which official checkpoint to pull) and how to
serve it, filled from the templates in ``advisor/data/deploy.toml`` (each with the page it was taken from).

A published release is pulled only through an engine that loads its serialization (``release_loadable``):
* the serialization is the release's recorded ``checkpoint`` (its config.json ``quantization_config.quant_method``:
  compressed-tensors, modelopt, fp8, mxfp4, ...); for the container formats (gguf, mlx, exl2, exl3) the format
  family is the serialization;
* the engine loads it when it is in the engine's ``loads`` list;
* a release whose serialization nobody has recorded is offered only through an engine with
  ``reads_quant_method = true`` (vLLM, SGLang: they read quant_method from config.json and dispatch on it); every
  other engine quantizes the 16-bit model instead.
A recipe is used only when its ``produces`` is in the engine's ``loads`` (the first such of produce / alt); when none
is, the plan says which serialization the engine needs. An engine with a ``convert`` table (JetStream: MaxText
reads only its own checkpoints) converts the published checkpoint first."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.formats import Format
    from advisor.models import ModelSpec, QuantizedRelease
    from advisor.workload import Workload

DEPLOY_PATH = Path(__file__).parent / "data" / "deploy.toml"
#: Pages the vLLM defaults come from (gpu_memory_utilization 0.9).
VLLM_ENGINE_ARGS = "https://docs.vllm.ai/en/latest/configuration/engine_args.html"


class DeployDataError(ValueError):
    """deploy.toml breaks its schema: names the table and the key."""


@dataclass(frozen=True)
class DeployStep:
    what: str  # "pull" | "quantize" | "quantize (alternative)" | "calibrate" | "serve"
    command: str
    source: str


@dataclass(frozen=True)
class DeployPlan:
    format_id: str
    engine: str
    steps: tuple[DeployStep, ...]
    checkpoint: str  # the repo or local dir served
    official: bool  # an official pre-quantized checkpoint is used

    def to_dict(self) -> dict:
        return {
            "format": self.format_id,
            "engine": self.engine,
            "checkpoint": self.checkpoint,
            "official_checkpoint": self.official,
            "steps": [{"what": s.what, "command": s.command, "source": s.source} for s in self.steps],
        }

    @property
    def commands(self) -> tuple[str, ...]:
        return tuple(s.command for s in self.steps)


@lru_cache(maxsize=1)
def load_templates(path: Path = DEPLOY_PATH) -> dict:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if data.get("schema_version") != 1:
        raise DeployDataError(f"{path.name}: schema_version must be 1")
    for eid, e in data.get("engines", {}).items():
        for key in ("serve", "source"):
            if key not in e:
                raise DeployDataError(f"{path.name}: [engines.{eid}] needs {key!r}")
        if "serve_gguf" in e and "serve_gguf_source" not in e:
            raise DeployDataError(f"{path.name}: [engines.{eid}] serve_gguf needs 'serve_gguf_source'")
        if "serve_release" in e and "serve_release_source" not in e:
            raise DeployDataError(f"{path.name}: [engines.{eid}] serve_release needs 'serve_release_source'")
        for fid, f in e.get("produce", {}).items():
            _check_recipe(path, f"engines.{eid}.produce.{fid}", f)
        _check_loads(path, eid, e)
    for fid, f in data.get("formats", {}).items():
        _check_recipe(path, f"formats.{fid}", f, produces=True)
    return data


#: Formats whose file container is the serialization (a GGUF release is a .gguf file whatever its repo says).
CONTAINER_FAMILIES = frozenset({"gguf", "mlx", "exl2", "exl3"})


def release_serialization(release: QuantizedRelease, fmt: Format | None = None) -> str:
    """The release's serialization, or "" when nobody has recorded it."""
    if release.checkpoint:
        return release.checkpoint
    family = getattr(fmt, "family", "")
    return family if family in CONTAINER_FAMILIES else ""


def engine_loads(engine: str | None, serialization: str) -> bool:
    """Does ``engine`` load checkpoints of this serialization ("" = unrecorded: only quant_method readers)?"""
    eng = load_templates()["engines"].get(engine or "")
    if eng is None:
        return False
    if serialization:
        return serialization in eng["loads"]
    return bool(eng.get("reads_quant_method", False))


def release_loadable(release: QuantizedRelease, fmt: Format | None, engine: str | None) -> bool:
    return engine_loads(engine, release_serialization(release, fmt))


def release_for_engine(
    releases: tuple[QuantizedRelease, ...] | list[QuantizedRelease], fmt: Format, engine: str | None
) -> QuantizedRelease | None:
    """The release of ``fmt`` that ``engine`` loads: official first, then by publisher and repo."""
    ok = [r for r in releases if r.format_id == fmt.id and release_loadable(r, fmt, engine)]
    ok.sort(key=lambda r: (not r.official, r.publisher, r.repo))
    return ok[0] if ok else None


def _check_recipe(path: Path, table: str, f: dict, *, produces: bool = False) -> None:
    for key in ("produce", "produce_source"):
        if key not in f:
            raise DeployDataError(f"{path.name}: [{table}] needs {key!r}")
    if "alt" in f and "alt_source" not in f:
        raise DeployDataError(f"{path.name}: [{table}] alt needs 'alt_source'")
    if produces:  # a format's generic recipe says what it writes, so the plan can match it to the engine
        if not isinstance(f.get("produces"), str) or not f["produces"]:
            raise DeployDataError(f"{path.name}: [{table}] needs 'produces' (the serialization the recipe writes)")
        if "alt" in f and not isinstance(f.get("alt_produces"), str):
            raise DeployDataError(f"{path.name}: [{table}] alt needs 'alt_produces'")


def _check_loads(path: Path, eid: str, e: dict) -> None:
    loads = e.get("loads")
    if not isinstance(loads, list) or not all(isinstance(x, str) and x for x in loads):
        raise DeployDataError(
            f"{path.name}: [engines.{eid}] needs 'loads', a list of checkpoint serializations (quant_method values)"
        )
    if not str(e.get("loads_source", "")).startswith("https://"):
        raise DeployDataError(f"{path.name}: [engines.{eid}] loads needs 'loads_source' (an https URL)")
    if not isinstance(e.get("reads_quant_method", False), bool):
        raise DeployDataError(f"{path.name}: [engines.{eid}] reads_quant_method must be true or false")
    conv = e.get("convert")
    if conv is not None:
        _check_recipe(path, f"engines.{eid}.convert", conv)
        if "checkpoint" not in conv:
            raise DeployDataError(f"{path.name}: [engines.{eid}.convert] needs 'checkpoint'")


def _template_key(fmt: Format) -> str:
    if fmt.family in ("gguf", "mlx"):
        return fmt.family
    return fmt.id


def _gguf_type(fmt: Format) -> str:
    return fmt.id.removeprefix("gguf_").upper() if fmt.family == "gguf" else ""


def _recipes(tmpl: dict) -> list[tuple[str, str]]:
    out = [(tmpl["produce"], tmpl["produce_source"])]
    if "alt" in tmpl:
        out.append((tmpl["alt"], tmpl["alt_source"]))
    return out


def _loadable_recipes(tmpl: dict | None, engine: str | None) -> list[tuple[str, str]]:
    """The format's recipes whose output ``engine`` loads (all of them when the engine is not recorded)."""
    if tmpl is None:
        return []
    pairs = [(tmpl["produce"], tmpl["produce_source"], tmpl.get("produces", ""))]
    if "alt" in tmpl:
        pairs.append((tmpl["alt"], tmpl["alt_source"], tmpl.get("alt_produces", "")))
    return [(c, s) for c, s, made in pairs if engine is None or engine_loads(engine, made)]


def deploy_plan(
    model: ModelSpec,
    fmt: Format,
    engine: str,
    workload: Workload,
    *,
    release: QuantizedRelease | None = None,
    kv_format: str | None = None,
    n_cpu_moe: int | None = None,
    gpu_util: float = 0.9,
) -> DeployPlan:
    """The steps to serve ``model`` in ``fmt`` with ``engine``; a release is pulled instead of quantizing."""
    data = load_templates()
    kv_format = kv_format or getattr(workload, "kv_format", None)  # the workload's quantized KV cache, if any
    eng = data["engines"].get(engine)
    base = getattr(model, "hf_repo", "") or model.id
    out = f"{model.id}-{fmt.id}"
    values = {
        "model": base,
        "model_name": base.rstrip("/").rsplit("/", 1)[-1],
        "out": out,
        "tp": workload.gpus,
        "ctx": workload.context_len,
        "gguf_type": _gguf_type(fmt),
        "mlx_bits": fmt.weight_bits,
        "bpw": fmt.bits_per_weight,
        "model_gguf_f16": f"{model.id}-f16.gguf",
    }
    own = (eng or {}).get("produce", {}).get(_template_key(fmt))
    if own is not None and own.get("serves_original", False):
        release = None  # the engine quantizes the 16-bit model at load (Gaudi INC): a pre-quantized repo is not used
    if release is not None and eng is not None and not release_loadable(release, fmt, engine):
        release = None  # the engine does not load this serialization: quantize with a recipe it loads instead
    steps: list[DeployStep] = []
    checkpoint = out
    on_the_fly = False  # the engine quantizes the 16-bit checkpoint at load (its on_the_fly_flags)
    convert = (eng or {}).get("convert") if release is None else None
    if convert is not None:  # JetStream: MaxText serves only its own converted checkpoint, never a Hub repo
        steps.append(
            DeployStep(convert.get("what", "convert"), convert["produce"].format(**values), convert["produce_source"])
        )
        base = convert["checkpoint"]
    fetches = release is not None and eng is not None and "serve_release" in eng  # the server pulls the one file
    if release is not None:
        checkpoint = release.repo
        if not fetches:
            steps.append(DeployStep("pull", f"huggingface-cli download {release.repo}", release.source))
    elif fmt.id not in ("bf16", "fp16"):
        # an engine's own recipe (JetStream AQT, Gaudi INC calibration) wins over the format's generic one
        generic = data["formats"].get(_template_key(fmt))
        recipes = _recipes(own) if own is not None else _loadable_recipes(generic, engine if eng else None)
        if recipes:
            for n, (cmd, source) in enumerate(recipes):
                what = own.get("what", "quantize") if own is not None else "quantize"
                steps.append(DeployStep(what if n == 0 else "quantize (alternative)", cmd.format(**values), source))
            if own is not None and own.get("serves_original", False):
                checkpoint = base
        elif fmt.id in (eng or {}).get("on_the_fly_flags", {}):
            on_the_fly = True
            checkpoint = base
        elif generic is not None:
            made = ", ".join(sorted({p for p in (generic.get("produces"), generic.get("alt_produces")) if p}))
            needs = ", ".join(eng["loads"]) if eng and eng["loads"] else "its own checkpoint format"
            steps.append(
                DeployStep(
                    "quantize",
                    f"(no recorded recipe for {fmt.id} writes a checkpoint {engine} loads: the recipes write {made}, "
                    f"{engine} loads {needs})",
                    eng["loads_source"] if eng else "",
                )
            )
        else:
            steps.append(DeployStep("quantize", f"(no recorded recipe for {fmt.id}: use a published checkpoint)", ""))
    else:
        checkpoint = base
    if eng is not None:
        kv_flag = eng.get("kv_flags", {}).get(kv_format or "", "")
        quant_flag, quant_env = "", ""
        if on_the_fly:
            quant_flag = eng["on_the_fly_flags"][fmt.id]
        elif release is None:
            quant_flag = eng.get("quant_flags", {}).get(fmt.id, "").format(**values)
            quant_env = eng.get("quant_env", {}).get(fmt.id, "").format(**values)
        offload = f" --n-cpu-moe {n_cpu_moe}" if n_cpu_moe else ""
        gguf = fmt.family == "gguf" and "serve_gguf" in eng
        key = "serve_release" if fetches else "serve_gguf" if gguf else "serve"
        cmd = eng[key].format(
            **{
                **values,
                "checkpoint": checkpoint,
                "out": checkpoint if release is not None else out,
                "gpu_util": gpu_util,
                "kv_flag": kv_flag,
                "quant_flag": quant_flag,
                "quant_env": quant_env,
                "offload_flag": offload,
            }
        )
        steps.append(DeployStep("serve", cmd, eng[f"{key}_source" if key != "serve" else "source"]))
    else:
        steps.append(DeployStep("serve", f"(no serve template recorded for engine {engine!r})", ""))
    return DeployPlan(fmt.id, engine, tuple(steps), checkpoint, bool(release and release.official))
