"""Advise page with a model from a Hugging Face repo or config.json (ui.model_input), and a shared report for it."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from reports.service import get_report
from store.custom_models import REF_KEY, model_from_report, save_custom_model
from store.db import create_db_engine
from store.migrate import prepare_database
from tests.advisor.test_hub import FIXTURES, fake_hub  # noqa: F401 - the fixture
from tests.conftest import REPO
from tests.ui.tables import ranking_table

APP = str(REPO / "app.py")


def test_fetch_a_repo_then_share_and_reopen_without_the_hub(monkeypatch, sqlite_url, fake_hub):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(hw="h100_sxm5_80gb", model="hf_config")
    at.run()
    assert not at.exception
    at.text_input(key="a_mi_repo").input("Qwen/Qwen3-8B")
    at.button(key="a_mi_fetch").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    cmodel = at.query_params["cmodel"]
    cmodel = cmodel[0] if isinstance(cmodel, list) else cmodel
    assert cmodel.startswith("cm-") and len(ranking_table(at)) > 3
    at.button(key="share_button").click().run()
    rid = at.session_state["last_shared"]
    snap = get_report(rid, create_db_engine(sqlite_url))["snapshot"]
    assert snap["inputs"][REF_KEY]["hf_repo"] == "Qwen/Qwen3-8B"
    spec, _ = model_from_report(snap, create_db_engine(sqlite_url))
    assert spec.id == cmodel
    # a stakeholder opens the same Advise URL with the Hub unreachable: the stored model is used
    seen = len(fake_hub.requests)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    again = AppTest.from_file(APP, default_timeout=90)
    again.query_params.update(hw="h100_sxm5_80gb", model="hf_config", cmodel=cmodel)
    again.run()
    assert not again.exception and not again.error
    assert len(ranking_table(again)) > 3 and len(fake_hub.requests) == seen


def test_stored_model_from_the_url(monkeypatch, sqlite_url):
    engine = create_db_engine(sqlite_url)
    prepare_database(engine)
    entry = save_custom_model(
        json.loads((FIXTURES / "mixtral-8x7b" / "config.json").read_text()),
        name="my mixtral",
        source="upload",
        engine=engine,
    )
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(hw="h100_sxm5_80gb", model="hf_config", cmodel=entry.model_id, gpus="2")
    at.run()
    assert not at.exception and not at.error
    assert any("my mixtral" in s.value for s in at.success)
