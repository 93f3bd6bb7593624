"""lm-evaluation-harness result JSON (``results_<date>.json``): one row per task and metric.

``results`` -> task -> ``"<metric>,<filter>": value`` (e.g. ``acc,none``, ``exact_match,strict-match``,
``word_perplexity,none``); ``*_stderr,*`` become the row's ``extra.stderr``; ``alias`` and ``N/A``
values are skipped. The model is ``config.model_args`` ``pretrained=`` (else ``model_name``);
the format comes from ``quantization=`` / ``dtype=`` in ``model_args``, else from the model name.
"""

from __future__ import annotations

import re
from typing import Any

from advisor.measurement import Measurement, Metric
from measurements.fields import FieldError, get_datetime
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import Fields, ImportContext, assume_native_format, set_format, set_hardware, set_model
from measurements.tabular import load_json

FORMATS = ("lm_eval_json",)


def looks_like_lm_eval(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("results"), dict)
        and bool({"config", "versions", "n-shot", "configs", "model_name", "higher_is_better"} & obj.keys())
    )


def parse_model_args(model_args: Any) -> dict[str, str]:
    """``"pretrained=org/m,dtype=bfloat16"`` (or a dict) -> {"pretrained": "org/m", "dtype": "bfloat16"}."""
    if isinstance(model_args, dict):
        return {str(k): str(v) for k, v in model_args.items()}
    out: dict[str, str] = {}
    for part in str(model_args or "").split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip().strip("\"'")
    return out


_ENV_GPU_SECTION = re.compile(r"GPU models and configuration:(.*?)(?:\n(?!\s*GPU \d+:)|Nvidia driver version:|$)", re.S)
_ENV_GPU = re.compile(r"GPU \d+:\s*(.+?)\s*(?=GPU \d+:|$)", re.S)


def _env_gpus(info: Any) -> str:
    """The GPUs ``pretty_env_info`` (torch.utils.collect_env) lists after ``GPU models and configuration:``:
    ``GPU 0: NVIDIA A100-SXM4-80GB``, one line per GPU (several GPUs start on the next line), joined by ", ";
    "" when it names none (``No CUDA``, ``Could not collect``, not recorded)."""
    if not isinstance(info, str):
        return ""
    section = _ENV_GPU_SECTION.search(info)
    if not section:
        return ""
    return ", ".join(" ".join(name.split()) for name in _ENV_GPU.findall(section.group(1)))


def parse(text: str, source_format: str) -> ParsedFile:
    data = load_json(text)
    if not looks_like_lm_eval(data):
        raise UnreadableFile("expected an lm-eval results JSON with a 'results' object")
    out = ParsedFile(source_format)
    config = data.get("config") or {}
    n_shot = data.get("n-shot") or {}
    for name, value in (("config", config), ("n-shot", n_shot)):
        if not isinstance(value, dict):
            raise UnreadableFile(f"lm-eval results JSON: '{name}' must be an object, found {type(value).__name__}")
    args = parse_model_args(config.get("model_args"))
    model = args.get("pretrained") or args.get("model") or str(data.get("model_name") or "")
    common = {
        "model": model,
        "quantization": args.get("quantization", ""),
        "dtype": args.get("dtype", ""),
        # the dtype the harness loaded the weights in (``config.model_dtype``, e.g. "torch.float32"; HF models)
        "model_dtype": str(config.get("model_dtype") or ""),
        "device_text": _env_gpus(data.get("pretty_env_info")),
        "lm_eval_model": config.get("model", ""),
        "date": data.get("date"),
        "lm_eval_version": data.get("lm_eval_version", ""),
        "model_args": config.get("model_args", ""),
    }
    number = 0
    for task, metrics in data["results"].items():
        if not isinstance(metrics, dict):
            continue
        for key, value in metrics.items():
            if key == "alias" or "_stderr" in key or key in ("name", "sample_len", "sample_count"):
                continue
            number += 1
            metric, _, filt = key.partition(",")
            stderr = metrics.get(f"{metric}_stderr,{filt}" if filt else f"{metric}_stderr")
            out.records.append(
                RawRecord(
                    number,
                    {
                        **common,
                        "task": task,
                        "metric": metric,
                        "filter": filt,
                        "value": value,
                        "stderr": stderr,
                        "n_shot": n_shot.get(task),
                    },
                )
            )
    if not out.records:
        raise UnreadableFile("the lm-eval results JSON has no task scores under 'results'")
    return out


_INF = float("inf")
_DTYPES = {
    "float32": "fp32",
    "float": "fp32",
    "fp32": "fp32",
    "bfloat16": "bf16",
    "float16": "fp16",
    "half": "fp16",
    "bf16": "bf16",
    "fp16": "fp16",
}


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    rec = record.fields
    value = rec.get("value")
    if isinstance(value, str) and value.strip().upper() == "N/A":
        raise FieldError(f"results.{rec['task']}.{rec['metric']}", "value is N/A (not computed)")
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or value in (_INF, -_INF):
        raise FieldError(f"results.{rec['task']}.{rec['metric']}", f"expected a finite number, got {value!r}")
    if not rec.get("model"):
        raise FieldError("config.model_args", "required value is missing (no pretrained= and no model_name)")
    filt = rec.get("filter") or "none"
    fields: Fields = {}
    flags: list[str] = []
    fields["engine"] = {"vllm": "vllm", "hf": "transformers", "sglang": "sglang"}.get(str(rec.get("lm_eval_model")), "")
    fields["engine_version"] = str(rec.get("lm_eval_version") or "")
    extra = {
        k: rec[k]
        for k in ("stderr", "n_shot", "model_args", "lm_eval_model", "filter", "model_dtype")
        if rec.get(k) not in (None, "")
    }
    try:
        measured_at = get_datetime(rec, "date")
    except FieldError:
        measured_at = None
        extra["date"] = rec.get("date")
    devices = [d.strip() for d in str(rec.get("device_text") or "").split(",") if d.strip()]
    if devices:  # the machine the harness ran on (pretty_env_info); a quality score does not depend on it
        distinct = sorted(set(devices))
        set_hardware(fields, flags, distinct[0] if len(distinct) == 1 else ", ".join(devices), ctx)
        fields["gpus"] = len(devices)
    elif ctx.hardware_hint:  # recorded only when given
        set_hardware(fields, flags, "", ctx)
    model = str(rec["model"])
    set_model(fields, flags, (model,), ctx)
    label = str(rec.get("quantization") or "")
    if not label:
        # model_args dtype= is what was asked; config.model_dtype what the harness loaded (a float32 run is fp32)
        dtype = str(rec.get("dtype") or "").lower()
        if dtype in ("", "auto"):
            dtype = str(rec.get("model_dtype") or "").lower().removeprefix("torch.")
        # dtype=bfloat16 on a quantized checkpoint is the activation dtype: trust the name first.
        label = "" if ctx.resolver.format_in_name(model) else _DTYPES.get(dtype, "")
    set_format(fields, flags, label, ctx, model)
    if fields["format_id"] is None and not label:
        assume_native_format(fields, flags, ctx)
    return [
        Measurement(
            metric=Metric.QUALITY,
            value=float(value),
            **fields,
            quality_task=f"{rec['task']}/{rec['metric']},{filt}",
            source=ctx.source,
            row=record.row,
            label=ctx.label,
            measured_at=measured_at,
            notes=f"lm-eval task {rec['task']}",
            flags=tuple(flags),
            extra=extra,
        )
    ]
