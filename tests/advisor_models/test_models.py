"""Model catalog: loader validation, shape lint rules, parameter counts, custom models."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.formats import FormatId
from advisor.models import (
    MODELS_DIR,
    ModelCatalogError,
    ModelSpec,
    active_param_count,
    custom_model,
    default_models,
    get_model,
    kv_bytes_per_token,
    load_models,
    param_count,
)

# The fixed format ids every engineer uses (ids.md); a release must name one of them.
FORMAT_IDS = {f.value for f in FormatId}

REQUIRED_IDS = [
    "llama-3.1-8b",
    "llama-3.1-70b",
    "llama-3.1-405b",
    "llama-3.2-1b",
    "llama-3.2-3b",
    "qwen2.5-7b",
    "qwen2.5-14b",
    "qwen2.5-32b",
    "qwen2.5-72b",
    "qwen3-8b",
    "qwen3-32b",
    "qwen3-30b-a3b",
    "qwen3-235b-a22b",
    "mistral-7b-v0.3",
    "mixtral-8x7b",
    "deepseek-v3",
    "deepseek-r1",
    "gpt-oss-20b",
    "gpt-oss-120b",
    "gemma-2-9b",
    "gemma-3-27b",
    "phi-4",
]

MODELS = default_models()

VALID_TOML = """schema_version = 1
id = "tiny"
name = "Tiny"
family = "test"
params_b = 0.1
n_layers = 2
hidden_size = 256
n_heads = 4
n_kv_heads = 2
head_dim = 64
vocab_size = 1000
intermediate_size = 512
source = "https://example.org/config.json"
checked = 2026-11-27
"""


def _write(tmp_path: Path, text: str, name: str = "tiny") -> Path:
    (tmp_path / f"{name}.toml").write_text(text)
    return tmp_path


# --------------------------------------------------------------------------------------------- loader


def test_valid_file_loads_with_defaults(tmp_path):
    models = load_models(_write(tmp_path, VALID_TOML))
    spec = models["tiny"]
    assert spec.active_params_b == 0.1  # dense: active defaults to total
    assert spec.checked == "2026-11-27"
    assert spec.releases == ()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("n_kv_heads = 2", "n_kv_heads = 3"), "not a multiple of n_kv_heads"),
        (("n_layers = 2", "n_layers = 0"), "n_layers must be a positive integer"),
        (("n_layers = 2", "n_layers = 2.5"), "n_layers must be a positive integer"),
        (("params_b = 0.1", "params_b = 0.1\nactive_params_b = 0.2\nn_experts = 4\nn_active_experts = 2"), "exceeds"),
        (("params_b = 0.1", "params_b = 0.1\nn_experts = 4\nn_active_experts = 8"), "n_active_experts 8 exceeds"),
        (("params_b = 0.1", "params_b = 0.1\nactive_params_b = 0.05"), "dense model"),
        (('source = "https://example.org/config.json"\n', ""), "missing required field(s) ['source']"),
        (("head_dim = 64", "head_dim = 64\nheads = 4"), "unknown field(s) ['heads']"),
        (("schema_version = 1", "schema_version = 2"), "schema_version 2"),
        (('id = "tiny"', 'id = "other"'), "must equal the file name"),
        (("n_layers = 2", "n_layers = "), "not valid TOML"),
    ],
)
def test_invalid_file_is_rejected_naming_the_file(tmp_path, edit, message):
    text = VALID_TOML.replace(*edit)
    assert text != VALID_TOML
    _write(tmp_path, text)
    with pytest.raises(ModelCatalogError) as exc:
        load_models(tmp_path)
    assert "tiny.toml" in str(exc.value)
    assert message in str(exc.value)


def test_release_needs_all_fields(tmp_path):
    text = VALID_TOML + '\n[[releases]]\nformat_id = "fp8_w8a8"\nrepo = "x/y"\npublisher = "X"\n'
    _write(tmp_path, text)
    with pytest.raises(ModelCatalogError, match=r"releases\[0\].*missing \['checked', 'official', 'source'\]"):
        load_models(tmp_path)


def test_get_model_suggests_close_ids():
    assert get_model("Llama-3.1-70B").id == "llama-3.1-70b"
    with pytest.raises(KeyError) as exc:
        get_model("llama3.1-8b")
    assert "llama-3.1-8b" in str(exc.value)
    with pytest.raises(KeyError, match="qwen3-30b-a3b"):
        get_model("qwen3-30b-a3")


# --------------------------------------------------------------------------------------------- data lint


def test_catalog_has_required_models():
    assert set(REQUIRED_IDS) <= set(MODELS)
    assert len(MODELS) >= 18


def test_ids_are_lowercase_dotted():
    for model_id in MODELS:
        assert re.fullmatch(r"[a-z0-9][a-z0-9.\-]*", model_id), model_id


@pytest.mark.parametrize("model_id", sorted(MODELS))
def test_every_model_is_sourced(model_id):
    spec = MODELS[model_id]
    assert spec.source.startswith("https://huggingface.co/") and spec.source.endswith("config.json")
    today = dt.date.today()
    assert dt.date.fromisoformat(spec.checked) <= today, spec.checked  # a real date, not in the future
    for rel in spec.releases:
        assert rel.source.startswith("https://"), rel
        assert dt.date.fromisoformat(rel.checked) <= today, rel


@pytest.mark.parametrize("model_id", sorted(MODELS))
def test_formats_are_known_ids(model_id):
    spec = MODELS[model_id]
    assert spec.native_dtype in FORMAT_IDS
    for rel in spec.releases:
        assert rel.format_id in FORMAT_IDS, rel


@pytest.mark.parametrize("model_id", sorted(MODELS))
def test_param_count_reproduces_published_total_within_3_percent(model_id):
    spec = MODELS[model_id]
    assert param_count(spec) == pytest.approx(spec.params_b, rel=0.03)


@pytest.mark.parametrize("model_id", sorted(m for m in MODELS if MODELS[m].is_moe))
def test_active_param_count_reproduces_published_active_within_10_percent(model_id):
    spec = MODELS[model_id]
    assert active_param_count(spec) == pytest.approx(spec.active_params_b, rel=0.10)


def test_param_count_fails_on_a_wrong_shape():
    spec = MODELS["llama-3.1-70b"]
    wrong = replace(spec, intermediate_size=14336)  # the 8B's MLP width
    assert param_count(wrong) < 0.8 * spec.params_b


# Exact config.json values for a few models, as a second check on the data files.
@pytest.mark.parametrize(
    ("model_id", "shape"),
    [
        ("llama-3.1-8b", (32, 4096, 32, 8, 128, 128256, 14336)),
        ("llama-3.1-405b", (126, 16384, 128, 8, 128, 128256, 53248)),
        ("qwen3-235b-a22b", (94, 4096, 64, 4, 128, 151936, 12288)),
        ("gpt-oss-120b", (36, 2880, 64, 8, 64, 201088, 2880)),
        ("deepseek-v3", (61, 7168, 128, 128, 128, 129280, 18432)),
    ],
)
def test_known_shapes(model_id, shape):
    s = MODELS[model_id]
    assert (s.n_layers, s.hidden_size, s.n_heads, s.n_kv_heads, s.head_dim, s.vocab_size, s.intermediate_size) == shape


def test_moe_and_special_attention_fields():
    ds = MODELS["deepseek-v3"]
    assert (ds.kv_lora_rank, ds.qk_rope_head_dim, ds.n_experts, ds.n_active_experts) == (512, 64, 256, 8)
    assert (ds.params_b, ds.active_params_b) == (671.0, 37.0)
    assert MODELS["deepseek-r1"].n_layers == ds.n_layers
    oss = MODELS["gpt-oss-120b"]
    assert oss.sliding_window == 128 and oss.sliding_window_layers == oss.n_layers // 2
    assert any(r.format_id == "mxfp4_w4a4" and r.official for r in oss.releases)
    assert MODELS["mixtral-8x7b"].n_active_experts == 2
    assert not MODELS["llama-3.1-8b"].is_moe and MODELS["llama-3.1-8b"].active_params_b == 8.03


def test_official_releases():
    def release(model_id, repo):
        return next(r for r in MODELS[model_id].releases if r.repo == repo)

    assert release("llama-3.1-405b", "meta-llama/Llama-3.1-405B-Instruct-FP8").official
    assert release("llama-3.1-405b", "meta-llama/Llama-3.1-405B-Instruct-FP8").format_id == "fp8_w8a8"
    assert release("deepseek-v3", "deepseek-ai/DeepSeek-V3").format_id == "fp8_w8a8_block"
    assert release("qwen2.5-72b", "Qwen/Qwen2.5-72B-Instruct-AWQ").format_id == "int4_awq_w4a16"
    assert release("qwen3-32b", "Qwen/Qwen3-32B-FP8").format_id == "fp8_w8a8_block"
    assert release("llama-3.1-70b", "nvidia/Llama-3.1-70B-Instruct-FP8").format_id == "fp8_w8a8"
    for spec in MODELS.values():
        for rel in spec.releases:
            if rel.publisher == "RedHatAI":
                assert not rel.official


def test_kv_bytes_per_token():
    llama = MODELS["llama-3.1-8b"]
    assert kv_bytes_per_token(llama) == 2 * 32 * 8 * 128 * 2  # 128 KiB per token in bf16
    assert kv_bytes_per_token(MODELS["deepseek-v3"], 1.0) == 61 * 576
    oss = MODELS["gpt-oss-20b"]
    full = kv_bytes_per_token(oss)
    # beyond the window, the 12 sliding layers hold 128 tokens of 8192: 12 full + 12 * 128/8192
    assert kv_bytes_per_token(oss, context_tokens=8192) == pytest.approx(full * (12 + 12 * 128 / 8192) / 24)


# --------------------------------------------------------------------------------------------- custom


@pytest.mark.parametrize("params_b", [0.5, 1, 3, 8, 14, 32, 70, 405])
def test_custom_model_from_count_reproduces_the_count(params_b):
    spec = custom_model(params_b)
    assert spec.custom and spec.params_b == params_b
    assert param_count(spec) == pytest.approx(params_b, rel=0.03)
    assert spec.n_heads % spec.n_kv_heads == 0
    assert spec.head_dim * spec.n_heads == spec.hidden_size


def test_custom_model_8b_matches_llama_shape():
    spec = custom_model(8.03)
    llama = MODELS["llama-3.1-8b"]
    assert (spec.n_layers, spec.hidden_size, spec.n_kv_heads, spec.intermediate_size) == (
        llama.n_layers,
        llama.hidden_size,
        llama.n_kv_heads,
        llama.intermediate_size,
    )


def test_custom_model_explicit_shape_computes_params():
    spec = custom_model(n_layers=32, hidden_size=4096, n_heads=32, n_kv_heads=8, intermediate_size=14336)
    assert spec.params_b == pytest.approx(8.03, rel=0.001)
    with pytest.raises(ValueError, match="not a multiple"):
        custom_model(n_layers=4, hidden_size=1024, n_heads=8, n_kv_heads=3)
    with pytest.raises(ValueError, match="params_b or both"):
        custom_model(n_layers=4)


def test_custom_moe_by_counts():
    spec = custom_model(30, active_params_b=3)
    assert (spec.params_b, spec.active_params_b) == (30.0, 3.0)
    with pytest.raises(ValueError):
        custom_model(-1)


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=0.3, max_value=800))
def test_custom_param_count_is_close_and_monotone(params_b):
    small, big = custom_model(params_b), custom_model(params_b * 1.5)
    assert param_count(small) == pytest.approx(params_b, rel=0.08)
    assert param_count(big) > param_count(small)


def test_data_dir_has_no_stray_files():
    assert all(p.suffix == ".toml" for p in MODELS_DIR.iterdir())
    assert isinstance(next(iter(MODELS.values())), ModelSpec)


@pytest.mark.parametrize("params_b, shape", [(8, (32, 4096)), (70, (63, 9216)), (405, (135, 15360))])
def test_custom_model_shapes_quoted_in_its_docstring(params_b, shape):
    spec = custom_model(params_b)
    assert (spec.n_layers, spec.hidden_size) == shape
    assert param_count(spec) == pytest.approx(params_b, rel=0.01)
