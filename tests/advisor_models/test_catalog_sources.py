"""Catalog files against the real config.json they were copied from.

Every catalog model whose id names a stored config (``tests/fixtures/hf_configs/<id>/config.json`` or
``tests/fixtures/hf_configs/catalog_sources/<id>/config.json``; sources in SOURCES.md there) must carry the
shape ``advisor.model_config.spec_from_hf_config`` reads from that config, and its parameter count must
agree with the config's within 2 %. A hand-typed number that drifts from its source fails here.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from advisor.model_config import ModelConfigError, spec_from_hf_config
from advisor.models import ModelSpec, active_param_count, load_models, param_count

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs"
CATALOG = load_models()


def _config_path(model_id: str) -> Path | None:
    for folder in (FIXTURES / model_id, FIXTURES / "catalog_sources" / model_id):
        if (folder / "config.json").is_file():
            return folder / "config.json"
    return None


PAIRS = {mid: path for mid in sorted(CATALOG) if (path := _config_path(mid)) is not None}
STORED = sorted(p.parent.name for p in (FIXTURES / "catalog_sources").glob("*/config.json"))

# Qwen3-MoE configs write ``shared_expert_intermediate_size: 0`` for "no shared expert".
ZERO_SHARED_EXPERT = {"qwen3-coder-30b-a3b", "qwen3-coder-480b-a35b"}

#: the shape fields the parser fills from a config (params_b / active_params_b are checked separately,
#: naming and sourcing fields are the catalog's own)
_NOT_SHAPE = {
    "id",
    "name",
    "family",
    "params_b",
    "active_params_b",
    "releases",
    "source",
    "checked",
    "custom",
    "hf_repo",
    "aliases",
    "notes",
    "native_dtype",
}
SHAPE_FIELDS = [f.name for f in fields(ModelSpec) if f.name not in _NOT_SHAPE]


def _parsed(model_id: str) -> ModelSpec:
    return spec_from_hf_config(json.loads(PAIRS[model_id].read_text()))


def test_every_stored_catalog_config_has_a_catalog_file():
    assert STORED, "no configs under catalog_sources"
    assert set(STORED) <= set(CATALOG), sorted(set(STORED) - set(CATALOG))


def test_the_new_models_are_covered():
    assert len(CATALOG) >= 62
    assert len(PAIRS) >= 30


@pytest.mark.parametrize("model_id", sorted(PAIRS))
def test_catalog_shape_is_the_config_shape(model_id):
    spec, parsed = CATALOG[model_id], _parsed(model_id)
    differ = {
        name: (getattr(spec, name), getattr(parsed, name))
        for name in SHAPE_FIELDS
        if getattr(spec, name) != getattr(parsed, name)
    }
    assert not differ, f"{model_id}: catalog vs config.json (catalog, config): {differ}"


@pytest.mark.parametrize("model_id", sorted(PAIRS))
def test_catalog_param_count_agrees_with_the_config_within_2_percent(model_id):
    spec, parsed = CATALOG[model_id], _parsed(model_id)
    assert param_count(spec) == pytest.approx(param_count(parsed), rel=0.02)
    assert spec.params_b == pytest.approx(param_count(parsed), rel=0.03), "params_b vs the config's shape"
    if parsed.is_moe:
        assert active_param_count(spec) == pytest.approx(active_param_count(parsed), rel=0.02)


@pytest.mark.parametrize("model_id", sorted(ZERO_SHARED_EXPERT))
def test_parser_reads_a_zero_shared_expert_width_as_none(model_id):
    cfg = json.loads(PAIRS[model_id].read_text())
    assert cfg["shared_expert_intermediate_size"] == 0
    try:
        spec = spec_from_hf_config(cfg)
    except ModelConfigError as exc:
        pytest.fail(str(exc))
    assert spec.shared_expert_intermediate_size is None and spec.n_shared_experts is None
