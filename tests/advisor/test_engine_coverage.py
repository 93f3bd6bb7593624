"""Engine coverage as data (issue 16 item 5): ExLlamaV2/V3, Ollama, JetStream and Optimum Habana paths resolve through
the app (resolve_support on the real catalog) and each engine has a serve template in advisor/data/deploy.toml."""

from __future__ import annotations

import pytest

from advisor.context import default_context
from advisor.deploy import deploy_plan
from advisor.support import resolve_support
from advisor.workload import Workload
from hardware_db.schema import Support

CTX = default_context()
NEW_ENGINES = ("exllamav2", "exllamav3", "ollama", "jetstream", "optimum_habana")
W1 = Workload(batch=1, input_len=3000, output_len=1096, gpus=1)  # context_len 4096
W2 = Workload(batch=1, input_len=3000, output_len=1096, gpus=2)


def _verdict(sku_id: str, fmt_id: str, engine: str | None = None):
    return resolve_support(CTX.target(sku_id), fmt_id, engine, ctx=CTX)


def _serve(fmt_id: str, engine: str, w: Workload = W1, **kw) -> str:
    plan = deploy_plan(CTX.models["llama-3.1-8b"], CTX.formats[fmt_id], engine, w, **kw)
    serve = plan.steps[-1]
    assert serve.what == "serve" and serve.source.startswith("https://"), serve
    return serve.command


@pytest.mark.parametrize("engine", NEW_ENGINES)
def test_the_engine_file_is_loaded_and_every_path_cites_the_engines_own_repository(engine):
    e = CTX.engines[engine]
    assert e.paths, f"{engine} has no paths"
    for p in e.paths:
        assert p.source.startswith(e.url.rstrip("/") + "/"), (engine, p.format, p.source)


@pytest.mark.parametrize("sku", ["rtx_4090", "a100_sxm4_80gb"])
@pytest.mark.parametrize(("fmt", "engine"), [("exl2", "exllamav2"), ("exl3", "exllamav3")])
def test_exl_formats_run_weight_only_on_ampere_and_ada(sku, fmt, engine):
    anyone = _verdict(sku, fmt)
    assert anyone.level is Support.WEIGHT_ONLY, anyone.reason
    assert engine in anyone.engines
    named = _verdict(sku, fmt, engine)
    assert named.level is Support.WEIGHT_ONLY and named.engines == (engine,), named.reason
    assert named.source.startswith(f"https://github.com/turboderp-org/{engine}/")


def test_exl3_has_no_path_below_ampere():
    # exllamav3's wheels are built for 8.0 and up only: a V100 (7.0) stays unknown, not guessed from exl2
    assert _verdict("v100_sxm2_32gb", "exl3", "exllamav3").level is Support.UNKNOWN
    assert _verdict("v100_sxm2_32gb", "exl2", "exllamav2").level is Support.WEIGHT_ONLY


@pytest.mark.parametrize("sku", ["rtx_4090", "m4_max", "m2"])
def test_ollama_runs_gguf_q4_k_m_on_nvidia_and_apple(sku):
    v = _verdict(sku, "gguf_q4_k_m", "ollama")
    assert v.level is Support.WEIGHT_ONLY and v.engines == ("ollama",), v.reason
    assert v.source.startswith("https://github.com/ollama/ollama/")


def test_ollama_records_only_the_gguf_types_its_docs_name():
    # docs/import.mdx lists q8_0, q4_K_S, q4_K_M; Q4_0 appears in docs/api.md; other types stay unknown for Ollama
    assert _verdict("rtx_4090", "gguf_q8_0", "ollama").level is Support.WEIGHT_ONLY
    assert _verdict("rtx_4090", "gguf_iq2_xxs", "ollama").level is Support.UNKNOWN


@pytest.mark.parametrize("sku", ["gaudi2", "gaudi3"])
def test_fp8_on_gaudi_is_native_through_optimum_habana(sku):
    v = _verdict(sku, "fp8_w8a8", "optimum_habana")
    assert v.level is Support.NATIVE and v.engines == ("optimum_habana",), v.reason
    assert "Intel Neural Compressor" in v.engine_paths[0].kernel


def test_int8_on_tpu_runs_through_jetstream():
    drq = _verdict("tpu_v5e", "int8_w8a8", "jetstream")
    assert drq.level is Support.NATIVE and drq.engines == ("jetstream",), drq.reason
    assert _verdict("tpu_v6e", "int8_w8a8", "jetstream").level is Support.NATIVE
    weight_only = _verdict("tpu_v5e", "int8_w8a16", "jetstream")
    assert weight_only.level is Support.WEIGHT_ONLY, weight_only.reason
    # no JetStream document covers TPU v4: unknown, not inherited from v5e
    assert _verdict("tpu_v4", "int8_w8a8", "jetstream").level is Support.UNKNOWN


def test_engine_names_as_users_type_them_resolve_to_the_new_files():
    assert CTX.engine_id("ExLlamaV2") == "exllamav2"
    assert CTX.engine_id("exllama v3") == "exllamav3"
    assert CTX.engine_id("Ollama") == "ollama"
    assert CTX.engine_id("maxengine_server") == "jetstream"
    assert CTX.engine_id("Optimum Habana") == "optimum_habana"


def test_exllamav2_serves_through_tabbyapi_with_its_backend_and_context():
    cmd = _serve("exl2", "exllamav2", kv_format="kv_int8")
    assert cmd == (
        "python main.py --model-dir models --model-name llama-3.1-8b-exl2 --backend exllamav2 --max-seq-len 4096"
        " --cache-mode Q8"
    )


def test_exllamav3_serves_through_tabbyapi_with_a_bits_pair_cache_mode():
    cmd = _serve("exl3", "exllamav3", kv_format="kv_int8")
    assert cmd == (
        "python main.py --model-dir models --model-name llama-3.1-8b-exl3 --backend exllamav3 --max-seq-len 4096"
        " --cache-mode 8,8"
    )


def test_ollama_builds_a_modelfile_from_the_quantized_gguf_and_runs_it():
    plan = deploy_plan(CTX.models["llama-3.1-8b"], CTX.formats["gguf_q4_k_m"], "ollama", W1)
    assert [s.what for s in plan.steps] == ["quantize", "serve"]
    assert plan.steps[0].command.endswith("llama-3.1-8b-gguf_q4_k_m.gguf Q4_K_M")
    assert plan.steps[1].command == (
        "printf 'FROM ./llama-3.1-8b-gguf_q4_k_m.gguf\\nPARAMETER num_ctx 4096\\n' > Modelfile"
        " && ollama create llama-3.1-8b-gguf_q4_k_m -f Modelfile && ollama run llama-3.1-8b-gguf_q4_k_m"
    )


def test_jetstream_serves_the_checkpoint_with_maxengine_server_and_an_int8_kv_cache():
    cmd = _serve("int8_w8a8", "jetstream", kv_format="kv_int8")
    assert cmd.startswith("python3 -m MaxText.maxengine_server MaxText/configs/base.yml ")
    assert " load_parameters_path=llama-3.1-8b-int8_w8a8 " in cmd
    assert " max_target_length=4096 " in cmd
    assert cmd.endswith(" quantize_kvcache=True")
    assert "{" not in cmd


def test_optimum_habana_spawns_one_process_per_card_with_inc_quant_config():
    cmd = _serve("fp8_w8a8", "optimum_habana", W2)
    assert "QUANT_CONFIG=" in cmd
    assert "python ../gaudi_spawn.py --use_deepspeed --world_size 2 run_generation.py" in cmd
    assert "--model_name_or_path meta-llama/Llama-3.1-8B-Instruct " in cmd  # FP8 on Gaudi: BF16 weights + INC measurement
    assert "{" not in cmd
