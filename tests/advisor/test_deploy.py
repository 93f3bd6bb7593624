"""Deploy plans (advisor/deploy.py) filled from advisor/data/deploy.toml: what each engine is told to run."""

from __future__ import annotations

import pytest

from advisor.context import default_context
from advisor.deploy import DeployDataError, deploy_plan, load_templates
from advisor.workload import Workload

CTX = default_context()
W2 = Workload(batch=8, input_len=1024, output_len=256, gpus=2)


def _plan(model_id, fmt_id, engine, w=W2, **kw):
    model = CTX.models[model_id]
    release = kw.pop("release", None)
    return deploy_plan(model, CTX.formats[fmt_id], engine, w, release=release, **kw)


def test_an_official_release_is_pulled_and_served_not_quantized():
    model = CTX.models["gpt-oss-120b"]
    release = next(r for r in model.releases if r.official)
    plan = _plan("gpt-oss-120b", release.format_id, "vllm", release=release)
    assert [s.what for s in plan.steps] == ["pull", "serve"]
    assert plan.steps[0].command == f"huggingface-cli download {release.repo}"
    assert plan.steps[1].command.startswith(f"vllm serve {release.repo} --tensor-parallel-size 2")
    assert plan.official and plan.checkpoint == release.repo


def test_gguf_through_vllm_serves_the_file_with_the_base_tokenizer():
    plan = _plan("llama-3.1-8b", "gguf_q4_k_m", "vllm")
    quantize, serve = plan.steps
    assert quantize.command == "llama-quantize llama-3.1-8b-f16.gguf llama-3.1-8b-gguf_q4_k_m.gguf Q4_K_M"
    hf = CTX.models["llama-3.1-8b"].hf_repo
    assert serve.command.startswith(f"vllm serve ./llama-3.1-8b-gguf_q4_k_m.gguf --tokenizer {hf} ")
    assert "--quantization" not in serve.command and serve.source.startswith("https://docs.vllm.ai/")


def test_llama_cpp_gets_the_gguf_file_the_kv_type_and_the_expert_offload():
    plan = _plan("qwen3-30b-a3b", "gguf_q4_k_m", "llama_cpp", kv_format="kv_q8_0", n_cpu_moe=12)
    serve = plan.steps[-1].command
    assert serve.startswith("llama-server -m qwen3-30b-a3b-gguf_q4_k_m.gguf -c 1280")
    assert "--n-cpu-moe 12" in serve and "-ctk q8_0 -ctv q8_0" in serve


def test_fp8_kv_cache_and_on_the_fly_fp8_in_vllm():
    plan = _plan("llama-3.1-8b", "fp8_w8a8", "vllm", kv_format="kv_fp8")
    serve = plan.steps[-1].command
    assert "--kv-cache-dtype fp8" in serve
    assert [s.what for s in plan.steps][0] == "quantize"  # llm-compressor recipe first: no flag needed then
    assert "--quantization fp8" not in serve


def test_sixteen_bit_serves_the_original_checkpoint():
    plan = _plan("llama-3.1-8b", "bf16", "vllm")
    assert [s.what for s in plan.steps] == ["serve"]
    assert plan.checkpoint == CTX.models["llama-3.1-8b"].hf_repo


def test_every_template_names_its_source():
    data = load_templates()
    for eid, e in data["engines"].items():
        assert e["source"].startswith("https://"), eid
    for fid, f in data["formats"].items():
        assert f["produce_source"].startswith("https://"), fid


def test_a_broken_template_file_names_the_table_and_key(tmp_path):
    bad = tmp_path / "deploy.toml"
    bad.write_text('schema_version = 1\n[engines.vllm]\nserve = "vllm serve {checkpoint}"\n')
    with pytest.raises(DeployDataError, match=r"\[engines.vllm\] needs 'source'"):
        load_templates.__wrapped__(bad)
    bad.write_text('schema_version = 1\n[engines.x]\nserve = "a"\nsource = "https://e"\nserve_gguf = "b"\n')
    with pytest.raises(DeployDataError, match="serve_gguf needs 'serve_gguf_source'"):
        load_templates.__wrapped__(bad)


def test_the_workload_kv_cache_format_reaches_the_serve_command():
    w = Workload(batch=8, input_len=1024, output_len=256, gpus=2, kv_format="kv_fp8")
    assert "--kv-cache-dtype fp8" in _plan("llama-3.1-70b", "fp8_w8a8", "vllm", w).steps[-1].command
    assert "--kv-cache-dtype fp8_e4m3" in _plan("llama-3.1-70b", "fp8_w8a8", "sglang", w).steps[-1].command


def test_tensorrt_llm_and_sglang_have_serve_commands():
    trt = _plan("llama-3.1-70b", "fp8_w8a8", "tensorrt_llm").steps[-1]
    assert trt.command.startswith("trtllm-serve llama-3.1-70b-fp8_w8a8 --backend pytorch --tp_size 2")
    sgl = _plan("llama-3.1-70b", "fp8_w8a8", "sglang").steps[-1]
    assert sgl.command.startswith("python -m sglang.launch_server --model-path llama-3.1-70b-fp8_w8a8 --tp 2")
    assert "no serve template" not in trt.command + sgl.command
