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
#: vLLM ``--quantization`` values for formats whose checkpoint must be named (others are read from config.json).
VLLM_QUANT_FLAG = {"fp8_w8a8": " --quantization fp8"}
#: Pages the vLLM defaults come from (gpu_memory_utilization 0.9).
VLLM_ENGINE_ARGS = "https://docs.vllm.ai/en/latest/configuration/engine_args.html"


class DeployDataError(ValueError):
    """deploy.toml breaks its schema: names the table and the key."""


@dataclass(frozen=True)
class DeployStep:
    what: str  # "pull" | "quantize" | "serve"
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
    for fid, f in data.get("formats", {}).items():
        for key in ("produce", "produce_source"):
            if key not in f:
                raise DeployDataError(f"{path.name}: [formats.{fid}] needs {key!r}")
    return data


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
    steps: list[DeployStep] = []
    checkpoint = out
    if release is not None:
        checkpoint = release.repo
        steps.append(DeployStep("pull", f"huggingface-cli download {release.repo}", release.source))
    elif fmt.id not in ("bf16", "fp16"):
        tmpl = data["formats"].get(_template_key(fmt))
        if tmpl is not None:
            values = {
                "model": base,
                "out": out,
                "tp": workload.gpus,
                "gguf_type": _gguf_type(fmt),
                "mlx_bits": fmt.weight_bits,
                "model_gguf_f16": f"{model.id}-f16.gguf",
            }
            steps.append(DeployStep("quantize", tmpl["produce"].format(**values), tmpl["produce_source"]))
            if "alt" in tmpl:
                steps.append(DeployStep("quantize (alternative)", tmpl["alt"].format(**values), tmpl["alt_source"]))
        elif engine == "vllm" and fmt.id in VLLM_QUANT_FLAG:
            pass  # quantized on the fly by vLLM at load
        else:
            steps.append(DeployStep("quantize", f"(no recorded recipe for {fmt.id}: use a published checkpoint)", ""))
    else:
        checkpoint = base
    if eng is not None:
        kv_flag = eng.get("kv_flags", {}).get(kv_format or "", "")
        quant_flag = VLLM_QUANT_FLAG.get(fmt.id, "") if engine == "vllm" and release is None and not steps else ""
        offload = f" --n-cpu-moe {n_cpu_moe}" if n_cpu_moe else ""
        gguf = fmt.family == "gguf" and "serve_gguf" in eng
        cmd = eng["serve_gguf" if gguf else "serve"].format(
            model=base,
            checkpoint=checkpoint,
            out=checkpoint if release is not None else out,
            tp=workload.gpus,
            ctx=workload.context_len,
            gpu_util=gpu_util,
            kv_flag=kv_flag,
            quant_flag=quant_flag,
            offload_flag=offload,
        )
        steps.append(DeployStep("serve", cmd, eng["serve_gguf_source" if gguf else "source"]))
    else:
        steps.append(DeployStep("serve", f"(no serve template recorded for engine {engine!r})", ""))
    return DeployPlan(fmt.id, engine, tuple(steps), checkpoint, bool(release and release.official))
