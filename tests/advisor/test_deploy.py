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


# Recipes checked flag for flag against their sources (URL in deploy.toml, checked 2026-12-07).
W1 = Workload(batch=1, input_len=1024, output_len=256, gpus=1)


def test_exl2_is_made_with_exllamav2_convert_py_into_the_tabbyapi_model_dir():
    # exllamav2 doc/convert.md: -i (FP16 HF dir), -o (working dir), -cf (full model dir), -b (target bpw)
    plan = _plan("llama-3.1-8b", "exl2", "exllamav2", W1)
    quantize, serve = plan.steps
    hf = CTX.models["llama-3.1-8b"].hf_repo
    assert quantize.what == "quantize"
    assert quantize.command == (
        f"python convert.py -i <local HF download of {hf}> -o ./exl2-work -cf models/llama-3.1-8b-exl2 -b 4.0"
    )
    assert "turboderp-org/exllamav2/blob/" in quantize.source and quantize.source.endswith("doc/convert.md")
    assert "--model-dir models --model-name llama-3.1-8b-exl2 " in serve.command


def test_exl3_is_made_with_exllamav3_convert_py_with_a_working_dir():
    # exllamav3 README: python convert.py -i <input_dir> -o <output_dir> -w <working_dir> -b <bitrate>
    plan = _plan("llama-3.1-8b", "exl3", "exllamav3", W1)
    quantize, serve = plan.steps
    hf = CTX.models["llama-3.1-8b"].hf_repo
    assert quantize.command == (
        f"python convert.py -i <local HF download of {hf}> -o models/llama-3.1-8b-exl3 -w ./exl3-work -b 4.0"
    )
    assert "turboderp-org/exllamav3/blob/" in quantize.source and quantize.source.endswith("doc/convert.md")
    assert "--model-name llama-3.1-8b-exl3 " in serve.command


def test_jetstream_makes_an_aqt_checkpoint_and_serves_it_with_the_matching_quantization_flag():
    # JetStream docs/online-inference-with-maxtext-engine.md: MaxText.decode ... quantization=int8|int8w
    # save_quantized_params_path=...; server restarted with quantization=... checkpoint_is_quantized=True
    for fmt_id, mode in (("int8_w8a8", "int8"), ("int8_w8a16", "int8w")):
        convert, quantize, serve = _plan("llama-3.1-8b", fmt_id, "jetstream", W1).steps
        assert convert.what == "convert" and "model_ckpt_conversion.sh" in convert.command
        assert quantize.command.startswith("python3 -m MaxText.decode MaxText/configs/base.yml ")
        assert quantize.command.endswith(
            f" attention=dot_product quantization={mode} save_quantized_params_path=llama-3.1-8b-{fmt_id}"
        )
        assert "llm-compressor" not in quantize.command and "AI-Hypercomputer/JetStream" in quantize.source
        assert f" load_parameters_path=llama-3.1-8b-{fmt_id} " in serve.command
        assert serve.command.endswith(f" quantization={mode} checkpoint_is_quantized=True")
    bf16_plan = _plan("llama-3.1-8b", "bf16", "jetstream", W1)
    assert [s.what for s in bf16_plan.steps] == ["convert", "serve"]
    bf16 = bf16_plan.steps[-1].command
    assert " load_parameters_path=<UNSCANNED_CKPT_PATH printed by model_ckpt_conversion.sh> " in bf16
    assert "quantization=" not in bf16 and "checkpoint_is_quantized" not in bf16


def test_gaudi_fp8_is_inc_calibration_then_quant_config_at_serve_time_not_llm_compressor():
    # vllm-gaudi calibration_one_node.md (calibrate_model.sh -m -d -o [-t]) and inc.md (QUANT_CONFIG=...
    # vllm serve ... --quantization inc); the BF16 model is served and quantized at load.
    plan = _plan("llama-3.1-8b", "fp8_w8a8", "vllm_gaudi", kv_format="kv_fp8")
    hf = CTX.models["llama-3.1-8b"].hf_repo
    assert [s.what for s in plan.steps] == ["calibrate", "serve"]
    calibrate, serve = plan.steps
    assert calibrate.command.endswith(f"./calibrate_model.sh -m {hf} -d <calibration dataset .pkl> -o inc/ -t 2")
    assert calibrate.source.endswith("docs/configuration/calibration/calibration_one_node.md")
    assert serve.command.startswith(
        "QUANT_CONFIG=<vllm-gaudi>/calibration/inc/Llama-3.1-8B-Instruct/maxabs_quant_<g2|g3>.json "
        f"vllm serve {hf} --dtype bfloat16 "
    )
    assert serve.command.endswith(" --quantization inc --kv-cache-dtype fp8_inc")
    assert plan.checkpoint == hf and "llm-compressor" not in " ".join(plan.commands)


def test_gaudi_bf16_serves_without_a_quant_config():
    for engine in ("vllm_gaudi", "optimum_habana"):
        plan = _plan("llama-3.1-8b", "bf16", engine)
        assert [s.what for s in plan.steps] == ["serve"]
        assert "QUANT_CONFIG" not in plan.steps[0].command and "--quantization" not in plan.steps[0].command


def test_optimum_habana_fp8_measures_with_maxabs_measure_then_serves_with_maxabs_quant():
    # optimum-habana examples/text-generation/README.md 'Running with FP8'
    plan = _plan("llama-3.1-8b", "fp8_w8a8", "optimum_habana")
    hf = CTX.models["llama-3.1-8b"].hf_repo
    calibrate, serve = plan.steps
    assert calibrate.what == "calibrate"
    assert calibrate.command.startswith("PT_HPU_LAZY_MODE=1 QUANT_CONFIG=./quantization_config/maxabs_measure.json ")
    assert calibrate.command.endswith(" && python quantization_tools/postprocess_measurements.py -m hqt_output")
    assert serve.command.startswith("PT_HPU_LAZY_MODE=1 QUANT_CONFIG=./quantization_config/maxabs_quant.json ")
    assert f"--model_name_or_path {hf} " in serve.command


def test_gaudi_awq_and_gptq_use_the_plugins_own_recipes():
    # vllm-gaudi auto_awq.md (AutoAWQ, served with --quantization awq) and gptqmodel.md (GPTQModel, no flag)
    awq_q, awq_s = _plan("llama-3.1-8b", "int4_awq_w4a16", "vllm_gaudi").steps
    assert awq_q.command.startswith("AutoAWQ: ") and "'w_bit': 4, 'version': 'GEMM'" in awq_q.command
    assert awq_s.command.endswith(" --quantization awq")
    gptq_q, gptq_s = _plan("llama-3.1-8b", "int4_gptq_w4a16", "vllm_gaudi").steps
    assert gptq_q.command.startswith("GPTQModel: ") and "QuantizeConfig(bits=4, group_size=128)" in gptq_q.command
    assert "--quantization" not in gptq_s.command


def test_every_engine_recipe_names_its_source_and_fills_every_placeholder():
    data = load_templates()
    for eid, e in data["engines"].items():
        for fid, f in e.get("produce", {}).items():
            assert f["produce_source"].startswith("https://"), (eid, fid)
            plan = _plan("llama-3.1-8b", fid, eid)
            assert all("{" not in c.replace("{'", "") for c in plan.commands), (eid, fid, plan.commands)


def test_an_alt_recipe_without_a_source_is_refused(tmp_path):
    bad = tmp_path / "deploy.toml"
    bad.write_text('schema_version = 1\n[formats.x]\nproduce = "a"\nproduce_source = "https://e"\nalt = "b"\n')
    with pytest.raises(DeployDataError, match=r"\[formats.x\] alt needs 'alt_source'"):
        load_templates.__wrapped__(bad)
    bad.write_text(
        'schema_version = 1\n[engines.e]\nserve = "s"\nsource = "https://e"\n[engines.e.produce.fp8_w8a8]\nproduce = "p"\n'
    )
    with pytest.raises(DeployDataError, match=r"\[engines.e.produce.fp8_w8a8\] needs 'produce_source'"):
        load_templates.__wrapped__(bad)


def test_gaudi_fp8_calibrates_even_when_a_pre_quantized_fp8_release_exists():
    # vllm-gaudi documents FP8 only through INC calibration of the 16-bit model (features/floating_point_8.md)
    model = CTX.models["llama-3.1-8b"]
    release = next(r for r in model.releases if r.format_id == "fp8_w8a8")
    plan = _plan("llama-3.1-8b", "fp8_w8a8", "vllm_gaudi", release=release)
    assert [s.what for s in plan.steps] == ["calibrate", "serve"]
    assert release.repo not in " ".join(plan.commands) and not plan.official
    assert plan.steps[-1].command.endswith(" --quantization inc")
