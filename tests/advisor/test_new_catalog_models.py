"""Catalog models added for names that real benchmark files print (Hunyuan-A13B so far).

Hunyuan-A13B's config (tests/fixtures/hf_configs/catalog_sources/hunyuan-a13b/config.json, source in
SOURCES.md there) writes ``moe_topk``, ``moe_intermediate_size`` and ``num_shared_expert`` as one value per layer;
``advisor.model_config.spec_from_hf_config`` reads such a list as its one value (the generic cross-check in
tests/advisor_models/test_catalog_sources.py covers the file too) and refuses a list whose values differ. This
module also checks the catalog file against the config field by field. Published counts (Hunyuan-A13B README): "a total of 80 billion parameters with 13
billion active parameters".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.context import default_context
from advisor.model_config import ModelConfigError, spec_from_hf_config
from advisor.models import active_param_count, load_models, param_count
from bench.validation.corpus import _ARCH_SIZE, model_names
from measurements.normalize import Resolver, model_key

SOURCES = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs" / "catalog_sources"
HUNYUAN = "hunyuan-a13b"
CATALOG = load_models()
RESOLVER = Resolver(default_context())


def _hunyuan_config() -> dict:
    return json.loads((SOURCES / HUNYUAN / "config.json").read_text())


def _per_layer(cfg: dict, key: str) -> int:
    """The single value of a per-layer list (one entry per layer, all equal)."""
    values = cfg[key]
    assert isinstance(values, list) and len(values) == cfg["num_hidden_layers"], key
    assert len(set(values)) == 1, f"{key} differs between layers: {sorted(set(values))}"
    return values[0]


def test_hunyuan_config_copy_is_the_moe_architecture():
    cfg = _hunyuan_config()
    assert cfg["architectures"] == ["HunYuanMoEV1ForCausalLM"]
    assert cfg["use_mixed_mlp_moe"] is True  # the shared MLP beside the routed experts
    assert cfg["use_mla"] is False and cfg["use_cla"] is False  # plain GQA, no cross-layer KV sharing


def test_hunyuan_catalog_shape_is_the_config_shape():
    cfg, spec = _hunyuan_config(), CATALOG[HUNYUAN]
    expected = {
        "n_layers": cfg["num_hidden_layers"],
        "hidden_size": cfg["hidden_size"],
        "n_heads": cfg["num_attention_heads"],
        "n_kv_heads": cfg["num_key_value_heads"],
        "head_dim": cfg["attention_head_dim"],
        "vocab_size": cfg["vocab_size"],
        "intermediate_size": cfg["intermediate_size"],
        "moe_intermediate_size": _per_layer(cfg, "moe_intermediate_size"),
        "n_experts": cfg["num_experts"],
        "n_active_experts": _per_layer(cfg, "moe_topk"),
        "n_shared_experts": _per_layer(cfg, "num_shared_expert"),
        "max_context": cfg["max_position_embeddings"],
        "tied_embeddings": cfg["tie_word_embeddings"],
        "native_dtype": {"bfloat16": "bf16"}[cfg["torch_dtype"]],
    }
    differ = {k: (getattr(spec, k), v) for k, v in expected.items() if getattr(spec, k) != v}
    assert not differ, f"catalog vs config (catalog, config): {differ}"
    # fields the config does not set stay unset in the catalog
    assert spec.kv_lora_rank is None and spec.n_dense_layers is None and spec.sliding_window is None
    # the shared MLP is intermediate_size x num_shared_expert wide (HunYuan modeling code), i.e. one expert's width
    assert spec.shared_expert_intermediate_size in (None, cfg["intermediate_size"])


def test_hunyuan_published_counts_agree_with_the_shape():
    spec = CATALOG[HUNYUAN]
    assert (spec.params_b, spec.active_params_b) == (80.0, 13.0)  # README: 80B total, 13B active
    assert param_count(spec) == pytest.approx(80.39, abs=0.01)
    assert spec.params_b == pytest.approx(param_count(spec), rel=0.03)
    assert spec.active_params_b == pytest.approx(active_param_count(spec), rel=0.03)


@pytest.mark.parametrize(
    ("raw", "params_b"),
    [
        # bench/validation/corpus/lhl_strix_halo_llm_bench.csv (llama-bench model_type and file name)
        ("hunyuan-moe A13B Q6_K (Hunyuan-A13B-Instruct-UD-Q6_K_XL-00001-of-00002.gguf)", 80.39),
        ("tencent/Hunyuan-A13B-Instruct", None),
        ("tencent/Hunyuan-A13B-Instruct-FP8", None),  # a release repo
        ("Hunyuan-A13B-Instruct", None),
        ("Hunyuan A13B Instruct", None),  # llama.cpp general.name style
    ],
)
def test_benchmark_names_map_to_hunyuan(raw, params_b):
    arch = _ARCH_SIZE.match(raw)
    match = RESOLVER.model(model_names(raw), params_b * 1e9 if params_b else None, arch.group(1) if arch else "")
    assert match.model_id == HUNYUAN


def _keys(model_id: str) -> set[str]:
    spec = CATALOG[model_id]
    names = [spec.id, spec.name, spec.hf_repo, *spec.aliases, *(r.repo for r in spec.releases)]
    return {k for n in names if n for k in (model_key(n), n.strip().lower())}


def test_hunyuan_names_collide_with_no_other_catalog_model():
    mine = _keys(HUNYUAN)
    clashes = {mid: sorted(mine & _keys(mid)) for mid in CATALOG if mid != HUNYUAN and mine & _keys(mid)}
    assert not clashes


@pytest.mark.parametrize(
    ("names", "params_b", "arch", "expected"),
    [
        # mappings that held before the new entry and must still hold
        (("qwen2 7B Q4_0",), 7.62, "qwen2", "qwen2.5-7b"),
        (("",), 14.77, "qwen2", "qwen2.5-14b"),
        (("llama 8B Q4_K - Medium (ggml-model-Q4_K_M.gguf)",), 8.03, "llama", "llama-3.1-8b"),
    ],
)
def test_existing_size_mappings_are_unchanged(names, params_b, arch, expected):
    assert RESOLVER.model(names, params_b * 1e9, arch).model_id == expected


def test_hunyuan_config_parses_to_the_catalog_shape():
    spec = spec_from_hf_config(_hunyuan_config(), model_id=HUNYUAN)
    cat = CATALOG[HUNYUAN]
    assert (spec.n_experts, spec.n_active_experts, spec.n_shared_experts) == (64, 8, 1)
    assert spec.moe_intermediate_size == cat.moe_intermediate_size == 3072
    assert param_count(spec) == pytest.approx(param_count(cat), rel=1e-3)
    assert active_param_count(spec) == pytest.approx(active_param_count(cat), rel=1e-3)


def test_a_per_layer_list_that_differs_is_refused_by_name():
    cfg = _hunyuan_config()
    cfg["moe_topk"] = [8] * 31 + [4]
    with pytest.raises(ModelConfigError, match=r"moe_topk is a per-layer list whose values differ"):
        spec_from_hf_config(cfg)
