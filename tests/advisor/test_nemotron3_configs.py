"""Nemotron 3 Nano and Super (issues 13/14): their real config.json files, with MoE 'E' blocks and LatentMoE.

Configs: tests/fixtures/hf_configs/catalog_sources/nemotron-3-*/config.json (sources in SOURCES.md there).
Published counts (NVIDIA, https://research.nvidia.com/labs/nemotron/Nemotron-3/ and .../Nemotron-3-Super/):
"Nemotron 3 Nano is a 3.2B active (3.6B with embeddings), 31.6B total parameter model"; "Nemotron 3 Super, a
12B active 120B total parameter Mixture-of-Experts hybrid Mamba-Transformer model".
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from advisor.context import default_context
from advisor.model_config import ModelConfigError, spec_from_hf_config
from advisor.models import active_param_count, kv_bytes_per_token, load_models, mtp_param_count, param_count
from bench.validation.corpus import _ARCH_SIZE, model_names
from measurements.normalize import Resolver

SOURCES = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs" / "catalog_sources"
NANO, SUPER = "nemotron-3-nano-30b-a3b", "nemotron-3-super-120b-a12b"


def _config(model_id: str) -> dict:
    return json.loads((SOURCES / model_id / "config.json").read_text())


def _spec(model_id: str, cfg: dict | None = None):
    return spec_from_hf_config(cfg if cfg is not None else _config(model_id), model_id=model_id)


@pytest.mark.parametrize(
    ("model_id", "mamba", "moe", "attention"),
    [(NANO, 23, 23, 6), (SUPER, 40, 40, 8)],
)
def test_e_blocks_are_counted_as_moe_layers(model_id, mamba, moe, attention):
    spec = _spec(model_id)
    assert (spec.mamba_layers, spec.mlp_layers, spec.attention_layers) == (mamba, moe, attention)
    assert spec.n_dense_layers is None  # no '-' block: every MLP-bearing block is MoE
    assert spec.gated_mlp is False  # relu2: experts and shared expert are up + down only
    assert f"{moe} MoE" in spec.notes


def test_nano_moe_fields():
    spec = _spec(NANO)
    assert (spec.n_experts, spec.n_active_experts, spec.moe_intermediate_size) == (128, 6, 1856)
    assert (spec.n_shared_experts, spec.shared_expert_intermediate_size) == (1, 3712)
    assert spec.moe_latent_size is None and spec.mtp_layers is None


def test_super_latent_moe_and_mtp_fields():
    spec = _spec(SUPER)
    assert (spec.n_experts, spec.n_active_experts, spec.moe_intermediate_size) == (512, 22, 2688)
    assert (spec.n_shared_experts, spec.shared_expert_intermediate_size, spec.moe_latent_size) == (1, 5376, 1024)
    assert spec.mtp_layers == 1 and spec.mtp_dedicated_embeddings is False


@pytest.mark.parametrize(
    ("model_id", "total_b", "active_b", "active_with_embedding_b", "rel"),
    [(NANO, 31.6, 3.2, 3.6, 0.02), (SUPER, 120.0, 12.0, None, 0.025)],
)
def test_counts_agree_with_nvidia(model_id, total_b, active_b, active_with_embedding_b, rel):
    spec = _spec(model_id)
    assert param_count(spec) == pytest.approx(total_b, rel=0.01)
    assert active_param_count(spec) == pytest.approx(active_b, rel=rel)
    if active_with_embedding_b:
        assert active_param_count(spec, count_input_embedding=True) == pytest.approx(active_with_embedding_b, rel=rel)


def test_a_dash_block_is_a_plain_mlp_and_an_e_block_a_moe():
    cfg = _config(NANO)
    pattern = cfg["hybrid_override_pattern"]
    i = pattern.rindex("E")
    cfg["hybrid_override_pattern"] = pattern[:i] + "-" + pattern[i + 1 :]
    base, swapped = _spec(NANO), _spec(NANO, cfg)
    assert (swapped.mlp_layers, swapped.n_dense_layers) == (23, 1)
    h = base.hidden_size
    moe_block = 128 * 2 * h * 1856 + 2 * h * 3712 + h * 128  # experts, shared expert, router
    dense_block = 2 * h * 1856  # intermediate_size, up + down
    assert (param_count(base) - param_count(swapped)) * 1e9 == pytest.approx(moe_block - dense_block, abs=1)
    active_moe = 6 * 2 * h * 1856 + 2 * h * 3712 + h * 128
    assert (active_param_count(base) - active_param_count(swapped)) * 1e9 == pytest.approx(
        active_moe - dense_block, abs=1
    )


def test_latent_moe_experts_work_at_the_latent_width():
    spec = _spec(SUPER)
    full_width = replace(spec, moe_latent_size=None)
    h, latent, width, layers = 4096, 1024, 2688, 40
    per_expert_saving = 2 * width * (h - latent)
    projections = 2 * h * latent
    diff = (param_count(full_width) - param_count(spec)) * 1e9
    assert diff == pytest.approx(layers * (512 * per_expert_saving - projections), abs=1)
    diff_active = (active_param_count(full_width) - active_param_count(spec)) * 1e9
    assert diff_active == pytest.approx(layers * (22 * per_expert_saving - projections), abs=1)


def test_super_mtp_module_is_one_attention_and_one_moe_block_sharing_the_embedding():
    spec = _spec(SUPER)
    h = spec.hidden_size
    attention = h * 32 * 128 + 2 * h * 2 * 128 + 32 * 128 * h
    moe = 512 * 2 * 1024 * 2688 + 2 * h * 1024 + 2 * h * 5376 + h * 512
    assert mtp_param_count(spec) * 1e9 == pytest.approx(2 * h * h + attention + moe, abs=1)


def test_an_mtp_pattern_this_parser_does_not_count_is_named_not_guessed():
    cfg = {**_config(SUPER), "mtp_hybrid_override_pattern": "*M"}
    spec = _spec(SUPER, cfg)
    assert spec.mtp_layers is None and "'*M' not counted" in spec.notes


def test_layers_block_type_moe_reads_like_the_pattern():
    cfg = _config(NANO)
    kinds = {"M": "mamba", "*": "attention", "-": "mlp", "E": "moe"}
    cfg["layers_block_type"] = [kinds[c] for c in cfg.pop("hybrid_override_pattern")]
    assert _spec(NANO, cfg) == _spec(NANO)


def test_e_blocks_without_an_expert_count_are_refused():
    cfg = {k: v for k, v in _config(NANO).items() if k != "n_routed_experts"}
    with pytest.raises(ModelConfigError, match=r"23 block\(s\) of type \['E'\].*n_routed_experts"):
        spec_from_hf_config(cfg)


def test_only_the_attention_blocks_keep_a_kv_cache():
    assert kv_bytes_per_token(_spec(NANO), 2.0) == 6 * 2 * 2 * 128 * 2.0
    assert kv_bytes_per_token(_spec(SUPER), 2.0) == 8 * 2 * 2 * 128 * 2.0


def test_catalog_files_carry_the_published_counts():
    models = load_models()
    assert (models[NANO].params_b, models[NANO].active_params_b) == (31.6, 3.2)
    assert (models[SUPER].params_b, models[SUPER].active_params_b) == (120.0, 12.0)
    assert models[SUPER].moe_latent_size == 1024


@pytest.mark.parametrize(
    ("raw", "params_b", "expected"),
    [
        ("nemotron_h_moe 31B.A3.5B Q4_K - Medium (Nemotron-3-Nano-30B-A3B-UD-Q4_K_XL)", 31.58, NANO),
        ("NVIDIA-Nemotron-3-Super-120B-A12B-UD-Q4_K_XL", None, SUPER),
        ("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-NVFP4", None, NANO),
        ("nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8", None, SUPER),
    ],
)
def test_benchmark_names_map(raw, params_b, expected):
    resolver = Resolver(default_context())
    arch = _ARCH_SIZE.match(raw)
    match = resolver.model(model_names(raw), params_b * 1e9 if params_b else None, arch.group(1) if arch else "")
    assert match.model_id == expected
