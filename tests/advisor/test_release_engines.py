"""A published release is pulled only through an engine that loads its serialization (issue 16: 'the official
pre-quantized checkpoint when one exists'). Serializations per release: advisor/data/models/*.toml ``checkpoint``;
per engine: advisor/data/deploy.toml ``loads`` (each with its source)."""

from __future__ import annotations

import dataclasses

import pytest

from advisor.context import default_context
from advisor.deploy import (
    DeployDataError,
    deploy_plan,
    engine_loads,
    load_templates,
    release_for_engine,
    release_serialization,
)
from advisor.models import ModelCatalogError, spec_from_dict
from advisor.recommend import Request, recommend
from advisor.workload import Profile, Workload

CTX = default_context()
W1 = Workload(batch=1, input_len=1024, output_len=256, gpus=1)
REDHAT_W8A8 = "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8"


def _candidate(sku: str, model: str, fmt: str, engine: str | None = None):
    req = Request(CTX.models[model], CTX.target(sku), Profile.INTERACTIVE, W1, engine=engine, formats=(fmt,))
    ranked = recommend(req, ctx=CTX).ranked
    assert ranked, f"{fmt} on {sku} with {engine} not ranked"
    return ranked[0]


@pytest.mark.parametrize("sku", ["rtx_4090", "h100_sxm5_80gb"])
def test_tensorrt_llm_never_pulls_the_compressed_tensors_w8a8_repo(sku):
    c = _candidate(sku, "llama-3.1-8b", "int8_w8a8", "tensorrt_llm")
    plan = c.deploy
    assert plan is not None and plan.engine == "tensorrt_llm"
    assert REDHAT_W8A8 not in " ".join(plan.commands) and c.release is None
    assert "pull" not in [s.what for s in plan.steps]
    # the ModelOpt recipe (a checkpoint TensorRT-LLM loads) is used, not llm-compressor's compressed-tensors one
    assert plan.steps[0].command.startswith("ModelOpt: ") and "llm-compressor" not in " ".join(plan.commands)
    assert any(f"{REDHAT_W8A8} (compressed-tensors) is not one tensorrt_llm loads" in r for r in c.reasons), c.reasons


def test_tensorrt_llm_on_h100_fp8_pulls_nvidias_modelopt_release():
    c = _candidate("h100_sxm5_80gb", "llama-3.1-8b", "fp8_w8a8", "tensorrt_llm")
    assert c.release is not None and c.release.repo == "nvidia/Llama-3.1-8B-Instruct-FP8"
    assert c.release.checkpoint == "modelopt"
    assert [s.what for s in c.deploy.steps] == ["pull", "serve"]
    assert c.deploy.steps[-1].command.startswith("trtllm-serve nvidia/Llama-3.1-8B-Instruct-FP8 ")


def test_vllm_on_h100_fp8_still_pulls_a_loadable_release():
    c = _candidate("h100_sxm5_80gb", "llama-3.1-8b", "fp8_w8a8", "vllm")
    assert c.release is not None and c.release.format_id == "fp8_w8a8"
    assert c.deploy.steps[0].what == "pull" and c.deploy.checkpoint == c.release.repo
    assert engine_loads("vllm", release_serialization(c.release, CTX.formats["fp8_w8a8"]))


def test_the_vllm_w8a8_release_is_pulled_by_vllm_but_not_by_tensorrt_llm():
    model, fmt = CTX.models["llama-3.1-8b"], CTX.formats["int8_w8a8"]
    rel = next(r for r in model.releases if r.repo == REDHAT_W8A8)
    assert release_for_engine(model.releases, fmt, "vllm") == rel
    assert release_for_engine(model.releases, fmt, "sglang") == rel
    assert release_for_engine(model.releases, fmt, "tensorrt_llm") is None
    plan = deploy_plan(model, fmt, "tensorrt_llm", W1, release=rel)  # a caller passing it anyway
    assert rel.repo not in " ".join(plan.commands) and not plan.official


@pytest.mark.parametrize("fmt_id", ["bf16", "int8_w8a8", "int8_w8a16", "fp8_w8a8"])
def test_jetstream_never_gets_a_hugging_face_repo_as_load_parameters_path(fmt_id):
    for model_id in ("llama-3.1-8b", "gemma-2-9b", "qwen3-8b"):
        model = CTX.models[model_id]
        release = next((r for r in model.releases if r.format_id == fmt_id), None)
        plan = deploy_plan(model, CTX.formats[fmt_id], "jetstream", W1, release=release)
        serve = plan.steps[-1].command
        path = serve.split(" load_parameters_path=", 1)[1].split(" ", 1)[0]
        assert "/" not in path or path.startswith("<"), (model_id, fmt_id, path)  # no "org/repo"
        assert model.hf_repo not in path and not plan.official
        assert "pull" not in [s.what for s in plan.steps]


def test_jetstream_bf16_converts_with_the_documented_script():
    plan = deploy_plan(CTX.models["llama-3.1-8b"], CTX.formats["bf16"], "jetstream", W1)
    convert = plan.steps[0]
    assert convert.what == "convert"
    assert convert.command.startswith("bash ../JetStream/jetstream/tools/maxtext/model_ckpt_conversion.sh ")
    assert convert.source.endswith("jetstream/tools/maxtext/model_ckpt_conversion.sh")
    assert plan.checkpoint == "<UNSCANNED_CKPT_PATH printed by model_ckpt_conversion.sh>"


def test_vllm_tpu_awq_gets_the_autoawq_recipe_not_modelopt():
    plan = deploy_plan(CTX.models["llama-3.1-8b"], CTX.formats["int4_awq_w4a16"], "vllm_tpu", W1)
    assert plan.steps[0].command.startswith("AutoAWQ: ")
    assert "ModelOpt" not in " ".join(plan.commands)


def test_an_engine_that_loads_no_recipe_output_is_told_what_it_needs():
    plan = deploy_plan(CTX.models["llama-3.1-8b"], CTX.formats["nvfp4_w4a4"], "vllm_gaudi", W1)
    msg = plan.steps[0].command
    assert msg.startswith("(no recorded recipe for nvfp4_w4a4 writes a checkpoint vllm_gaudi loads")
    assert "vllm_gaudi loads awq, gptq" in msg


def test_modelopt_and_block_fp8_releases_reach_tensorrt_llm():
    nv = CTX.models["llama-3.1-70b"]
    assert release_for_engine(nv.releases, CTX.formats["fp8_w8a8"], "tensorrt_llm").repo == (
        "nvidia/Llama-3.1-70B-Instruct-FP8"
    )
    q = CTX.models["qwen3-32b"]
    assert release_for_engine(q.releases, CTX.formats["fp8_w8a8_block"], "tensorrt_llm").repo == "Qwen/Qwen3-32B-FP8"
    oss = CTX.models["gpt-oss-120b"]
    assert release_for_engine(oss.releases, CTX.formats["mxfp4_w4a4"], "tensorrt_llm").official


def test_an_unrecorded_serialization_is_offered_only_through_quant_method_readers():
    engines = load_templates()["engines"]
    readers = {e for e, t in engines.items() if t.get("reads_quant_method")}
    assert readers == {"vllm", "sglang"}
    for eid in engines:
        assert engine_loads(eid, "") is (eid in readers)


# data lint: one rule per test
def test_every_engine_records_what_it_loads_with_a_source():
    for eid, e in load_templates()["engines"].items():
        assert isinstance(e["loads"], list), eid
        assert e["loads_source"].startswith("https://"), eid
    assert load_templates()["engines"]["jetstream"]["loads"] == []


def test_every_recorded_release_serialization_is_sourced_and_loaded_by_some_engine():
    known = {s for e in load_templates()["engines"].values() for s in e["loads"]}
    seen = 0
    for model in CTX.models.values():
        for r in model.releases:
            if r.checkpoint:
                seen += 1
                assert r.checkpoint_source.startswith("https://"), r.repo
                assert r.checkpoint in known, (r.repo, r.checkpoint)
    assert seen >= 20


def test_a_release_serialization_without_a_source_is_refused():
    raw = dict(
        id="x", name="X", family="x", params_b=1.0, n_layers=2, hidden_size=64, n_heads=4, n_kv_heads=4,
        head_dim=16, vocab_size=100, source="https://e", checked="2026-12-07",
        releases=[dict(format_id="fp8_w8a8", repo="a/b", publisher="A", official=True, source="https://e",
                       checked="2026-12-07", checkpoint="compressed-tensors")],
    )  # fmt: skip
    with pytest.raises(ModelCatalogError, match=r"releases\[0\].checkpoint needs checkpoint_source"):
        spec_from_dict(raw, "x.toml")
    raw["releases"][0]["checkpoint"] = "Compressed Tensors"
    with pytest.raises(ModelCatalogError, match="quant_method token"):
        spec_from_dict(raw, "x.toml")
    raw["releases"][0].update(checkpoint="compressed-tensors", checkpoint_source="https://e/config.json")
    rel = spec_from_dict(raw, "x.toml").releases[0]
    assert dataclasses.asdict(rel)["checkpoint"] == "compressed-tensors"


def test_deploy_toml_without_loads_names_the_table(tmp_path):
    bad = tmp_path / "deploy.toml"
    bad.write_text('schema_version = 1\n[engines.e]\nserve = "s"\nsource = "https://e"\n')
    with pytest.raises(DeployDataError, match=r"\[engines.e\] needs 'loads'"):
        load_templates.__wrapped__(bad)
    bad.write_text('schema_version = 1\n[engines.e]\nserve = "s"\nsource = "https://e"\nloads = ["gguf"]\n')
    with pytest.raises(DeployDataError, match=r"\[engines.e\] loads needs 'loads_source'"):
        load_templates.__wrapped__(bad)
    bad.write_text('schema_version = 1\n[formats.f]\nproduce = "p"\nproduce_source = "https://e"\n')
    with pytest.raises(DeployDataError, match=r"\[formats.f\] needs 'produces'"):
        load_templates.__wrapped__(bad)


@pytest.mark.parametrize(
    ("engine", "serve"),
    [
        ("llama_cpp", "llama-server -hf Qwen/Qwen3-1.7B-GGUF:Q8_0 -c "),
        ("ollama", "ollama run hf.co/Qwen/Qwen3-1.7B-GGUF:Q8_0"),
    ],
)
def test_a_published_gguf_repo_is_served_by_repo_and_type_not_as_a_local_file(engine, serve):
    """Qwen's own GGUF repo holds one file per type: llama-server -hf / ollama run hf.co fetch that one file, so
    there is no whole-repo download and no './Qwen/Qwen3-1.7B-GGUF.gguf' path."""
    rel = next(r for r in CTX.models["qwen3-1.7b"].releases if r.format_id == "gguf_q8_0")
    plan = deploy_plan(CTX.models["qwen3-1.7b"], CTX.formats["gguf_q8_0"], engine, W1, release=rel)
    assert [s.what for s in plan.steps] == ["serve"]
    assert plan.steps[0].command.startswith(serve)
    assert ".gguf.gguf" not in plan.steps[0].command and "GGUF.gguf" not in plan.steps[0].command
    assert plan.steps[0].source.startswith("https://github.com/")
