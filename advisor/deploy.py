"""Deploy commands for a recommended format: how to produce it (or which official checkpoint to pull) and how to
serve it, filled from the templates in ``advisor/data/deploy.toml`` (each with the page it was taken from)."""

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
        for fid, f in e.get("produce", {}).items():
            _check_recipe(path, f"engines.{eid}.produce.{fid}", f)
    for fid, f in data.get("formats", {}).items():
        _check_recipe(path, f"formats.{fid}", f)
    return data


def _check_recipe(path: Path, table: str, f: dict) -> None:
    for key in ("produce", "produce_source"):
        if key not in f:
            raise DeployDataError(f"{path.name}: [{table}] needs {key!r}")
    if "alt" in f and "alt_source" not in f:
        raise DeployDataError(f"{path.name}: [{table}] alt needs 'alt_source'")


def _template_key(fmt: Format) -> str:
    if fmt.family in ("gguf", "mlx"):
        return fmt.family
    return fmt.id


def _gguf_type(fmt: Format) -> str:
    return fmt.id.removeprefix("gguf_").upper() if fmt.family == "gguf" else ""


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
    steps: list[DeployStep] = []
    checkpoint = out
    on_the_fly = False  # the engine quantizes the 16-bit checkpoint at load (its on_the_fly_flags)
    if release is not None:
        checkpoint = release.repo
        steps.append(DeployStep("pull", f"huggingface-cli download {release.repo}", release.source))
    elif fmt.id not in ("bf16", "fp16"):
        # an engine's own recipe (JetStream AQT, Gaudi INC calibration) wins over the format's generic one
        tmpl = own or data["formats"].get(_template_key(fmt))
        if tmpl is not None:
            steps.append(
                DeployStep(tmpl.get("what", "quantize"), tmpl["produce"].format(**values), tmpl["produce_source"])
            )
            if "alt" in tmpl:
                steps.append(DeployStep("quantize (alternative)", tmpl["alt"].format(**values), tmpl["alt_source"]))
            if tmpl.get("serves_original", False):
                checkpoint = base
        elif fmt.id in (eng or {}).get("on_the_fly_flags", {}):
            on_the_fly = True
            checkpoint = base
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
        cmd = eng["serve_gguf" if gguf else "serve"].format(
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
        steps.append(DeployStep("serve", cmd, eng["serve_gguf_source" if gguf else "source"]))
    else:
        steps.append(DeployStep("serve", f"(no serve template recorded for engine {engine!r})", ""))
    return DeployPlan(fmt.id, engine, tuple(steps), checkpoint, bool(release and release.official))
