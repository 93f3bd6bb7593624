"""Stored custom models (issue 15 item 4): save/dedupe/load/list round trips on SQLite and PostgreSQL, and a
shared report made for a custom model reopening without the Hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from advisor.model_config import ModelConfigError
from reports.service import create_report, get_report
from store.custom_models import (
    REF_KEY,
    CustomModelError,
    CustomModelNotFound,
    config_sha256,
    list_custom_models,
    load_custom_model,
    model_from_report,
    model_of,
    report_model_ref,
    save_custom_model,
)
from store.db import session_factory
from store.migrate import head_revision
from store.models import CustomModel

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hf_configs"


def _cfg(name: str, file: str = "config.json") -> dict:
    return json.loads((FIXTURES / name / file).read_text())


def _count(engine) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(CustomModel))


def test_head_revision_has_the_custom_models_table(db_engine):
    assert int(head_revision()) >= 3  # 0003 created it
    with db_engine.connect() as conn:
        assert db_engine.dialect.has_table(conn, "custom_models")


def test_save_load_round_trip_keeps_config_and_provenance(db_engine):
    cfg = _cfg("qwen3-8b")
    saved = save_custom_model(
        cfg, name="Qwen/Qwen3-8B", source="hf", hf_repo="Qwen/Qwen3-8B", revision="main", commit_hash="b" * 40,
        engine=db_engine,
    )  # fmt: skip
    assert saved.created and saved.model_id == "cm-" + saved.id
    got = load_custom_model(saved.id, db_engine)
    assert got.config == cfg and got.sha256 == config_sha256(cfg) == saved.sha256
    assert (got.source, got.hf_repo, got.revision, got.commit_hash) == ("hf", "Qwen/Qwen3-8B", "main", "b" * 40)
    assert load_custom_model(saved.model_id, db_engine).id == saved.id  # the cm- form works too
    spec, quant = model_of(got)
    assert spec.id == saved.model_id and spec.hf_repo == "Qwen/Qwen3-8B" and quant.format_id is None
    assert spec.params_b == pytest.approx(8.19, rel=0.01)
    assert spec.source == f"https://huggingface.co/Qwen/Qwen3-8B/blob/{'b' * 40}/config.json"


def test_same_config_is_stored_once_per_repo(db_engine):
    cfg = _cfg("llama-3.1-8b")
    first = save_custom_model(cfg, name="my llama", source="upload", engine=db_engine)
    reordered = dict(reversed(list(cfg.items())))  # other key order, same JSON value
    second = save_custom_model(reordered, name="another name", source="upload", engine=db_engine)
    assert second.id == first.id and not second.created and second.name == "my llama"
    hub = save_custom_model(
        cfg, name="meta-llama/Llama-3.1-8B", source="hf", hf_repo="meta-llama/Llama-3.1-8B", engine=db_engine
    )
    assert hub.id != first.id and hub.created
    assert _count(db_engine) == 2
    assert [e.id for e in list_custom_models(engine=db_engine)] == [hub.id, first.id]


def test_modelopt_quant_config_is_stored_and_used(db_engine):
    cfg = _cfg("nvidia-llama-3.1-70b-fp8")
    quant = _cfg("nvidia-llama-3.1-70b-fp8", "hf_quant_config.json")
    saved = save_custom_model(
        cfg, name="nvidia/Llama-3.1-70B-Instruct-FP8", source="hf", hf_repo="nvidia/Llama-3.1-70B-Instruct-FP8",
        quant_config=quant, engine=db_engine,
    )  # fmt: skip
    entry = load_custom_model(saved.id, db_engine)
    assert entry.quant_config == quant and entry.sha256 == config_sha256(cfg, quant) != config_sha256(cfg)
    _, q = model_of(entry)
    assert q.format_id == "fp8_w8a8"


@pytest.mark.parametrize(
    ("config", "kwargs", "error", "words"),
    [
        ([1, 2], {"name": "x", "source": "upload"}, CustomModelError, "must be a JSON object"),
        ({"model_type": "llama"}, {"name": "x", "source": "upload"}, ModelConfigError, "missing"),
        ({"model_type": "llama"}, {"name": "x", "source": "disk"}, CustomModelError, "source must be one of"),
        ({"model_type": "llama"}, {"name": " ", "source": "upload"}, CustomModelError, "needs a name"),
        ({"model_type": "llama"}, {"name": "x", "source": "hf", "hf_repo": "norepo"}, CustomModelError, "owner/name"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(db_engine, config, kwargs, error, words):
    with pytest.raises(error, match=words):
        save_custom_model(config, engine=db_engine, **kwargs)
    assert _count(db_engine) == 0


def test_unknown_and_malformed_ids(db_engine):
    with pytest.raises(CustomModelNotFound, match="fetch or upload its config.json again"):
        load_custom_model("A" * 16, db_engine)
    with pytest.raises(CustomModelError, match="is not a custom model id"):
        load_custom_model("../../etc/passwd", db_engine)


def test_shared_report_for_a_custom_model_reopens_without_the_hub(db_engine, monkeypatch):
    # Any Hub request would fail: offline, and an endpoint nothing listens on.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    cfg = _cfg("mixtral-8x7b")
    entry = save_custom_model(
        cfg, name="mistralai/Mixtral-8x7B-v0.1", source="hf", hf_repo="mistralai/Mixtral-8x7B-v0.1", engine=db_engine
    )
    spec, _ = model_of(entry)
    snapshot = {
        "kind": "recommendation",
        "inputs": {
            "model": spec.id,
            "model_name": spec.name,
            "params_b": spec.params_b,
            REF_KEY: report_model_ref(entry),
        },
        "ranking": [],
    }
    rid = create_report(snapshot, title="Mixtral on H100", catalog_version="test", engine=db_engine)
    opened = get_report(rid, db_engine)["snapshot"]
    again, _ = model_from_report(opened, db_engine)
    assert again == spec
    # the row gone (another database, a cleanup): the report alone still rebuilds the model
    with session_factory(db_engine)() as s, s.begin():
        s.delete(s.get(CustomModel, entry.id))
    alone, _ = model_from_report(opened, db_engine)
    assert (alone.params_b, alone.n_experts, alone.hf_repo) == (spec.params_b, 8, "mistralai/Mixtral-8x7B-v0.1")


def test_report_with_a_tampered_config_is_refused(db_engine):
    entry = save_custom_model(_cfg("qwen3-0.6b"), name="tiny", source="upload", engine=db_engine)
    ref = report_model_ref(entry)
    ref["config"] = {**ref["config"], "num_hidden_layers": 99}
    ref["id"] = "B" * 16  # not stored: the embedded copy must be checked
    with pytest.raises(CustomModelError, match="does not match its sha256"):
        model_from_report({"inputs": {REF_KEY: ref}}, db_engine)


def test_catalog_model_report_has_no_custom_model(db_engine):
    assert model_from_report({"inputs": {"model": "llama-3.1-8b"}}, db_engine) is None
