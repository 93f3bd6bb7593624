"""lm-eval: ``config.model_dtype`` decides the format when ``model_args`` names no dtype (a float32 run is fp32, not
the model's published bf16), and ``pretty_env_info`` names the GPUs. No published results file with a float32
``model_dtype`` or a ``pretty_env_info`` block was found in the stored sources, so these tests add the two keys,
in the form lm-eval writes them, to the real ghost-8b results file; the rules are what is tested."""

from __future__ import annotations

import json

from measurements.lm_eval import _env_gpus
from measurements.service import import_file

_ENV = (
    "PyTorch version: 2.1.0\nIs CUDA available: True\nCUDA_MODULE_LOADING set to: LAZY\n"
    "GPU models and configuration: \nGPU 0: NVIDIA A100-SXM4-80GB\nGPU 1: NVIDIA A100-SXM4-80GB\n\n"
    "Nvidia driver version: 535.161.07\n"
)


def _results(fixtures, **config):
    data = json.loads((fixtures / "lm_eval_ghost8b_gsm8k.json").read_text())
    data.setdefault("config", {}).update(config)
    return data


def test_model_dtype_float32_is_stored_as_fp32(db_engine, fixtures):
    data = _results(fixtures, model_dtype="torch.float32")
    result = import_file(json.dumps(data).encode(), "r.json", engine=db_engine)
    assert result.imported >= 1
    assert {(m.format_raw, m.format_id) for m in result.measurements} == {("fp32", "fp32")}
    assert all(m.extra["model_dtype"] == "torch.float32" for m in result.measurements)


def test_model_args_dtype_wins_over_model_dtype(db_engine, fixtures):
    data = _results(fixtures, model_dtype="torch.float32", model_args="pretrained=lamhieu/ghost-8b-beta,dtype=float16")
    result = import_file(json.dumps(data).encode(), "r.json", engine=db_engine)
    assert {m.format_id for m in result.measurements} == {"fp16"}


def test_pretty_env_info_names_the_gpus(db_engine, fixtures):
    data = _results(fixtures)
    data["pretty_env_info"] = _ENV
    result = import_file(json.dumps(data).encode(), "r.json", engine=db_engine, hardware_hint="rtx_4090")
    m = result.measurements[0]
    assert (m.hardware_raw, m.hardware_sku, m.gpus) == ("NVIDIA A100-SXM4-80GB", "a100_sxm4_80gb", 2)
    assert any("hardware hint 'rtx_4090' was not used" in f for f in m.flags)


def test_env_gpus_forms():
    assert _env_gpus("GPU models and configuration: GPU 0: NVIDIA GeForce RTX 4080\nNvidia driver version: 5") == (
        "NVIDIA GeForce RTX 4080"
    )
    assert _env_gpus("GPU models and configuration: No CUDA\nNvidia driver version: No CUDA") == ""
    assert _env_gpus(None) == ""
