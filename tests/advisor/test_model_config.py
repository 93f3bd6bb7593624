"""advisor.model_config on the 25 real config.json fixtures: parameter counts against published figures,
KV-cache bytes per token against hand arithmetic, quantized checkpoints recognised, clear errors.

The published figures, each with its quote, URL and check date, are in
``tests/fixtures/hf_configs/published.toml``; the configs' own sources are in SOURCES.md next to it.
A published figure is matched within max(2 %, half a unit of its last written digit): "32.8B" gets
2 %, "8B" 0.5B, "1T" 0.5T. Active counts follow each publisher's stated or reproducible convention on
the input embedding (``active_counts_input_embedding``).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from advisor.model_config import (
    ModelConfigError,
    detect_quantization,
    gguf_format_from_name,
    spec_from_hf_config,
)
from advisor.models import (
    active_param_count,
    attention_layer_count,
    kv_bytes_per_token,
    load_models,
    mtp_param_count,
    param_count,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs"
PUBLISHED = tomllib.loads((FIXTURES / "published.toml").read_text())
FIXTURE_NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "config.json").is_file())


def _config(name: str) -> dict:
    return json.loads((FIXTURES / name / "config.json").read_text())


def _spec(name: str):
    quant = FIXTURES / name / "hf_quant_config.json"
    extra = json.loads(quant.read_text()) if quant.is_file() else None
    return spec_from_hf_config(_config(name), hf_repo=name, quant_config=extra)


_FIGURE = re.compile(r"^(\d+(?:\.(\d+))?)([BT])$")


def _published(figure: str) -> tuple[float, float]:
    """("32.8B") -> (32.8, relative tolerance): max(2 %, half a unit of the last written digit)."""
    m = _FIGURE.match(figure)
    assert m, f"published figure {figure!r} must look like '32.8B' or '1T'"
    scale = 1000.0 if m.group(3) == "T" else 1.0
    value = float(m.group(1))
    half_unit = 0.5 * 10 ** -len(m.group(2) or "")
    return value * scale, max(0.02, half_unit / value)


# --------------------------------------------------------------------------------------------- the data file


def test_every_fixture_has_a_published_entry_with_a_source():
    assert sorted(PUBLISHED) == FIXTURE_NAMES
    for name, entry in PUBLISHED.items():
        assert entry.get("total") or entry.get("checkpoint_total"), name
        assert entry["source"].startswith("https://"), name
        assert entry["quote"] and entry["checked"] == "2026-12-06", name
        if "active" in entry:
            assert ("active_counts_input_embedding" in entry) != ("active_excluded" in entry), name


def test_published_figures_parse_with_their_rounding():
    assert _published("32.8B") == (32.8, 0.02)
    assert _published("8B") == (8.0, 0.0625)
    assert _published("1T") == (1000.0, 0.5)
    with pytest.raises(AssertionError):
        _published("about 30B")


# --------------------------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("name", sorted(n for n in PUBLISHED if "total" in PUBLISHED[n]))
def test_total_params_match_the_published_total(name):
    value, tol = _published(PUBLISHED[name]["total"])
    spec = _spec(name)
    assert param_count(spec) == pytest.approx(value, rel=tol)
    assert spec.params_b == pytest.approx(param_count(spec), abs=1e-3)


@pytest.mark.parametrize("name", sorted(n for n in PUBLISHED if "checkpoint_total" in PUBLISHED[n]))
def test_checkpoint_total_with_mtp_modules_matches_the_hub(name):
    # DeepSeek's Hub checkpoints carry one MTP module: a full MoE layer plus its own embedding and head.
    value, tol = _published(PUBLISHED[name]["checkpoint_total"])
    spec = _spec(name)
    assert spec.mtp_layers == 1 and spec.mtp_dedicated_embeddings
    assert param_count(spec) + mtp_param_count(spec) == pytest.approx(value, rel=tol)


@pytest.mark.parametrize(
    "name", sorted(n for n in PUBLISHED if "active" in PUBLISHED[n] and "active_excluded" not in PUBLISHED[n])
)
def test_active_params_match_the_published_active(name):
    entry = PUBLISHED[name]
    value, tol = _published(entry["active"])
    spec = _spec(name)
    assert spec.is_moe
    active = active_param_count(spec, count_input_embedding=entry["active_counts_input_embedding"])
    assert active == pytest.approx(value, rel=tol)
    assert spec.active_params_b == pytest.approx(active_param_count(spec), abs=1e-3)


def test_gpt_oss_active_count_leaves_out_the_embedding_as_openai_states():
    # Table 1 of the gpt-oss card: 5.13B active = MLP share + attention + unembedding, no embedding.
    spec = _spec("gpt-oss-120b")
    assert active_param_count(spec) == pytest.approx(5.13, abs=0.01)
    assert active_param_count(spec, count_input_embedding=True) == pytest.approx(5.13 + 201088 * 2880 / 1e9, abs=0.01)


def test_qwen3_next_active_from_the_shape_is_above_its_a3b_name():
    # published.toml explains why "3B activated" is not checked; the shape is, so a change is noticed.
    spec = _spec("qwen3-next-80b-a3b")
    assert active_param_count(spec) == pytest.approx(3.56, abs=0.01)


def test_deepseek_v3_mtp_module_is_the_published_14b():
    # 685B on the Hub = 671B main model + 14B MTP module (the card's split, both rounded).
    spec = _spec("deepseek-v3")
    assert mtp_param_count(spec) == pytest.approx(685 - 671, abs=0.6)


def test_a_wrong_shape_moves_the_count_out_of_tolerance():
    cfg = _config("nemotron-h-56b")
    cfg["hybrid_override_pattern"] = cfg["hybrid_override_pattern"].replace("M", "*")  # Mamba -> attention
    value, tol = _published(PUBLISHED["nemotron-h-56b"]["total"])
    assert param_count(spec_from_hf_config(cfg)) != pytest.approx(value, rel=tol)


# --------------------------------------------------------------------------------------------- shapes


def test_nemotron_h_counts_blocks_by_kind():
    spec = _spec("nemotron-h-56b")
    pattern = _config("nemotron-h-56b")["hybrid_override_pattern"]
    assert (
        (spec.n_layers, spec.mamba_layers, spec.attention_layers, spec.mlp_layers)
        == (
            len(pattern),
            pattern.count("M"),
            pattern.count("*"),
            pattern.count("-"),
        )
        == (118, 54, 10, 54)
    )
    assert not spec.gated_mlp  # relu2: up + down only
    assert (spec.ssm_heads, spec.ssm_head_dim, spec.ssm_state_size, spec.ssm_groups) == (256, 64, 256, 8)


def test_gated_deltanet_layers_have_their_own_shape():
    spec = _spec("qwen3.5-27b")
    assert (spec.linear_attention_layers, attention_layer_count(spec)) == (48, 16)
    assert (spec.linear_key_heads, spec.linear_value_heads, spec.linear_key_head_dim) == (16, 48, 128)
    assert spec.attention_output_gate and not spec.is_moe
    # Hand count of one Gated DeltaNet layer: q,k (16 x 128 each), v,z (48 x 128 each) and b,a (48 each) in,
    # a 4-wide convolution over q,k,v, out_proj 6144 -> 5120; dt_bias, A_log and the norm.
    h, kd, vd = 5120, 16 * 128, 48 * 128
    per_layer = h * (2 * kd + 2 * vd) + h * 2 * 48 + (2 * kd + vd) * 4 + 2 * 48 + 128 + vd * h
    # the same 48 layers counted as gated GQA attention instead (the fallback without a linear shape)
    q = 24 * 256
    gqa = h * 2 * q + 2 * h * 4 * 256 + q * h
    as_attention = param_count(replace(spec, linear_key_heads=None))
    assert param_count(spec) - as_attention == pytest.approx(48 * (per_layer - gqa) / 1e9, rel=1e-9)


def test_gemma4_global_layers_and_dense_mlp_beside_the_experts():
    spec = _spec("gemma-4-26b-a4b")
    assert (spec.sliding_window, spec.sliding_window_layers, attention_layer_count(spec)) == (1024, 25, 30)
    assert (spec.global_head_dim, spec.global_kv_heads, spec.global_k_eq_v) == (512, 2, True)
    assert (spec.n_experts, spec.n_active_experts, spec.moe_intermediate_size) == (128, 8, 704)
    assert (spec.n_shared_experts, spec.shared_expert_intermediate_size) == (1, 2112)
    assert spec.tied_embeddings


def test_llama4_chunked_layers_and_interleaved_moe():
    scout, maverick = _spec("llama-4-scout-17b-16e"), _spec("llama-4-maverick-17b-128e")
    # RoPE layers attend within 8192-token chunks; every 4th (NoPE) layer is global.
    assert (scout.sliding_window, scout.sliding_window_layers) == (8192, 36)
    assert (scout.n_dense_layers, maverick.n_dense_layers) == (None, 24)  # Maverick: MoE every 2nd layer
    assert (maverick.moe_intermediate_size, maverick.intermediate_size) == (8192, 16384)


def test_deepseek_v32_indexer_is_counted():
    v3, v32 = _spec("deepseek-v3"), _spec("deepseek-v3.2")
    assert (v32.index_n_heads, v32.index_head_dim) == (64, 128)
    # per layer: wq_b 1536 -> 64 x 128, wk 7168 -> 128, weights_proj 7168 -> 64; 61 layers
    indexer = 61 * (1536 * 64 * 128 + 7168 * 128 + 7168 * 64)
    assert param_count(v32) - param_count(v3) == pytest.approx(indexer / 1e9, rel=1e-9)


def test_text_config_of_multimodal_configs_is_read():
    spec = _spec("qwen3.5-35b-a3b")  # Qwen3_5MoeForConditionalGeneration: shape under text_config
    assert (spec.n_layers, spec.hidden_size, spec.n_experts, spec.n_active_experts) == (40, 2048, 256, 8)


# --------------------------------------------------------------------------------------------- KV cache

# bf16 (2 bytes per value) KV-cache bytes per token, derived by hand from each config.json:
#   GQA  layers x kv_heads x head_dim x 2 (K and V) x 2 bytes
#   MLA  layers x (kv_lora_rank + qk_rope_head_dim) x 2 bytes (+ the V3.2 indexer key, index_head_dim)
#   linear-attention / Mamba layers: none (fixed-size state)
#   sliding-window layers: capped at the window, so at LONG tokens they hold window/LONG of a full layer
LONG = 131072
KV_BF16 = {
    "deepseek-v3": 61 * (512 + 64) * 2,
    "deepseek-v3.2": 61 * (512 + 64 + 128) * 2,  # indexer caches a 128-wide key per token per layer
    "gemma-4-26b-a4b": 25 * 8 * 256 * 2 * 2 + 5 * 2 * 512 * 2 * 2,  # 25 sliding (8 x 256), 5 global (2 x 512)
    "gpt-oss-120b": 36 * 8 * 64 * 2 * 2,
    "gpt-oss-20b": 24 * 8 * 64 * 2 * 2,
    "kimi-k2": 61 * (512 + 64) * 2,
    "llama-3.1-405b": 126 * 8 * 128 * 2 * 2,
    "llama-3.1-70b": 80 * 8 * 128 * 2 * 2,
    "llama-3.1-8b": 32 * 8 * 128 * 2 * 2,
    "llama-4-maverick-17b-128e": 48 * 8 * 128 * 2 * 2,
    "llama-4-scout-17b-16e": 48 * 8 * 128 * 2 * 2,
    "mixtral-8x22b": 56 * 8 * 128 * 2 * 2,
    "mixtral-8x7b": 32 * 8 * 128 * 2 * 2,  # sliding_window null in this config
    "nemotron-h-56b": 10 * 8 * 128 * 2 * 2,  # only the 10 '*' attention blocks of 118
    "nvidia-llama-3.1-70b-fp8": 80 * 8 * 128 * 2 * 2,  # at bf16; the checkpoint suggests an FP8 cache
    "nvidia-qwen3-235b-a22b-nvfp4": 94 * 4 * 128 * 2 * 2,
    "qwen3-0.6b": 28 * 8 * 128 * 2 * 2,
    "qwen3-235b-a22b": 94 * 4 * 128 * 2 * 2,
    "qwen3-30b-a3b": 48 * 4 * 128 * 2 * 2,
    "qwen3-32b": 64 * 8 * 128 * 2 * 2,
    "qwen3-32b-fp8": 64 * 8 * 128 * 2 * 2,
    "qwen3-8b": 36 * 8 * 128 * 2 * 2,
    "qwen3-next-80b-a3b": 12 * 2 * 256 * 2 * 2,  # 12 of 48 layers are full attention (interval 4)
    "qwen3.5-27b": 16 * 4 * 256 * 2 * 2,  # 16 of 64
    "qwen3.5-35b-a3b": 10 * 2 * 256 * 2 * 2,  # 10 of 40
}
KV_BF16_LONG = {  # only the fixtures with windowed layers differ at LONG tokens
    "gemma-4-26b-a4b": 25 * 8 * 256 * 2 * 2 * 1024 / LONG + 5 * 2 * 512 * 2 * 2,
    "gpt-oss-120b": 18 * 8 * 64 * 2 * 2 * 128 / LONG + 18 * 8 * 64 * 2 * 2,
    "gpt-oss-20b": 12 * 8 * 64 * 2 * 2 * 128 / LONG + 12 * 8 * 64 * 2 * 2,
    # Llama 4: 36 RoPE layers attend within 8192-token chunks, 12 NoPE layers globally
    "llama-4-maverick-17b-128e": 36 * 8 * 128 * 2 * 2 * 8192 / LONG + 12 * 8 * 128 * 2 * 2,
    "llama-4-scout-17b-16e": 36 * 8 * 128 * 2 * 2 * 8192 / LONG + 12 * 8 * 128 * 2 * 2,
}


def test_kv_table_covers_every_fixture():
    assert sorted(KV_BF16) == FIXTURE_NAMES


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_kv_bytes_per_token_at_bf16(name):
    spec = _spec(name)
    assert kv_bytes_per_token(spec, 2.0) == KV_BF16[name]
    assert kv_bytes_per_token(spec, 2.0, context_tokens=LONG) == pytest.approx(KV_BF16_LONG.get(name, KV_BF16[name]))


# --------------------------------------------------------------------------------------------- quantization


@pytest.mark.parametrize(
    ("name", "format_id", "method"),
    [
        ("nvidia-llama-3.1-70b-fp8", "fp8_w8a8", "modelopt"),  # hf_quant_config.json quant_algo FP8
        ("nvidia-qwen3-235b-a22b-nvfp4", "nvfp4_w4a4", "modelopt"),  # quant_algo NVFP4, group_size 16
        ("qwen3-32b-fp8", "fp8_w8a8_block", "fp8"),  # weight_block_size [128, 128]
        ("deepseek-v3", "fp8_w8a8_block", "fp8"),
        ("kimi-k2", "fp8_w8a8_block", "fp8"),
        ("gpt-oss-120b", "mxfp4_w4a16", "mxfp4"),  # experts MXFP4; attention, router, embeddings kept 16-bit
        ("gpt-oss-20b", "mxfp4_w4a16", "mxfp4"),
    ],
)
def test_quantized_checkpoints_are_recognised(name, format_id, method):
    quant_file = FIXTURES / name / "hf_quant_config.json"
    raw = json.loads(quant_file.read_text()) if quant_file.is_file() else _config(name)["quantization_config"]
    info = detect_quantization(raw)
    assert (info.format_id, info.method) == (format_id, method)
    assert _spec(name).native_dtype == format_id


@pytest.mark.parametrize("name", ["llama-3.1-8b", "qwen3-32b", "nemotron-h-56b", "qwen3.5-27b", "mixtral-8x7b"])
def test_unquantized_checkpoints_stay_bf16(name):
    assert _spec(name).native_dtype == "bf16"


def test_modelopt_checkpoint_without_its_quant_file_reads_as_bf16():
    # config.json of the ModelOpt FP8 release has no quantization_config: the format is only in
    # hf_quant_config.json, which the caller must pass.
    assert spec_from_hf_config(_config("nvidia-llama-3.1-70b-fp8")).native_dtype == "bf16"


def test_gguf_names():
    assert gguf_format_from_name("Llama-3.3-70B-Instruct-Q4_K_M.gguf") == "gguf_q4_k_m"
    assert gguf_format_from_name("gpt-oss-120b-MXFP4-00001-of-00002.gguf") == "gguf_mxfp4"
    assert gguf_format_from_name("Qwen3-8B-BF16.gguf") == "bf16"
    assert gguf_format_from_name("model.safetensors") is None


# --------------------------------------------------------------------------------------------- errors


def test_unknown_architecture_names_the_missing_fields():
    cfg = {"architectures": ["FooBarForCausalLM"], "model_type": "foobar", "d_embed": 1024, "blocks": 12}
    with pytest.raises(ModelConfigError) as err:
        spec_from_hf_config(cfg)
    msg = str(err.value)
    assert "FooBarForCausalLM" in msg
    for field in ("num_hidden_layers", "num_attention_heads", "vocab_size"):
        assert field in msg
    assert "n_embd" in msg  # the accepted alternatives are named too
    assert "by hand" in msg


def test_partly_known_config_names_only_what_is_missing():
    cfg = {k: v for k, v in _config("llama-3.1-8b").items() if k != "vocab_size"}
    with pytest.raises(ModelConfigError, match=r"missing vocab_size") as err:
        spec_from_hf_config(cfg)
    assert "hidden_size" not in str(err.value)


def test_unknown_hybrid_block_type_is_named():
    cfg = _config("nemotron-h-56b")
    cfg["hybrid_override_pattern"] = cfg["hybrid_override_pattern"][:-1] + "X"
    with pytest.raises(ModelConfigError, match=r"\['X'\]"):
        spec_from_hf_config(cfg)


def test_moe_blocks_without_an_expert_count_are_named():
    cfg = _config("nemotron-h-56b")  # a dense hybrid: no n_routed_experts in its config
    cfg["hybrid_override_pattern"] = cfg["hybrid_override_pattern"][:-1] + "E"
    with pytest.raises(ModelConfigError, match="'E'"):
        spec_from_hf_config(cfg)


def test_block_pattern_must_match_the_layer_count():
    cfg = _config("nemotron-h-56b")
    cfg["hybrid_override_pattern"] = cfg["hybrid_override_pattern"][:-2]
    with pytest.raises(ModelConfigError, match="116 blocks but num_hidden_layers is 118"):
        spec_from_hf_config(cfg)


def test_per_layer_embeddings_are_refused_rather_than_miscounted():
    cfg = _config("gemma-4-26b-a4b")
    cfg["text_config"]["hidden_size_per_layer_input"] = 256  # as in the E2B/E4B variants
    with pytest.raises(ModelConfigError, match="hidden_size_per_layer_input"):
        spec_from_hf_config(cfg)


def test_moe_without_experts_per_token_is_an_error():
    cfg = _config("mixtral-8x7b")
    del cfg["num_experts_per_tok"]
    with pytest.raises(ModelConfigError, match="experts-per-token"):
        spec_from_hf_config(cfg)


def test_not_an_object():
    with pytest.raises(ModelConfigError, match="JSON object"):
        spec_from_hf_config(["not", "a", "config"])  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------- callers


def test_catalog_files_still_load_and_count():
    # The new optional ModelSpec fields default to "not applicable": catalog TOMLs keep their counts.
    models = load_models()
    assert param_count(models["llama-3.1-8b"]) == pytest.approx(8.03, abs=0.01)
    assert kv_bytes_per_token(models["deepseek-v3"], 1.0) == 61 * 576
