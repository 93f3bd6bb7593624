"""Report links: ids of at least 128 random bits, never listed to another visitor, snapshots immutable."""

from __future__ import annotations

import collections
import inspect
import math

import pandas as pd
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

import reports.service as service
from reports.service import ID_PATTERN, create_report, get_report, new_report_id
from store.db import session_factory
from store.models import SharedReport
from tests.conftest import REPO
from tests.hardening.helpers import counts


def _all_text(at: AppTest) -> str:
    """Every string and table cell the page holds, as one text (what a visitor could read or copy)."""
    parts: list[str] = []

    def walk(node) -> None:
        for attr in ("value", "label", "body", "options", "placeholder", "help"):
            try:
                value = getattr(node, attr)
            except Exception:  # noqa: BLE001 - widgets raise for attributes they don't have
                continue
            if isinstance(value, pd.DataFrame):
                parts.append(value.to_csv())
            elif isinstance(value, str | list | tuple | dict):
                parts.append(str(value))
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return "\n".join(parts)


def test_ids_carry_at_least_128_random_bits():
    ids = [new_report_id() for _ in range(4000)]
    assert all(ID_PATTERN.fullmatch(i) for i in ids)
    assert len(set(ids)) == len(ids)
    # 32 characters of the 64-letter URL-safe alphabet: 192 bits when each character is uniform
    assert service.ID_BYTES * 8 >= 128 and len(ids[0]) * math.log2(64) >= 128
    freq = collections.Counter("".join(ids))
    assert len(freq) == 64
    expected = len(ids) * 32 / 64
    chi2 = sum((n - expected) ** 2 / expected for n in freq.values())
    assert chi2 < 140  # df = 63: p < 1e-7 beyond this for a uniform source
    assert max(collections.Counter(i[:2] for i in ids).values()) < 12  # no shared prefix (4000 / 4096 expected ~1)


def test_stored_ids_are_the_random_ones(db_engine):
    ids = [create_report({"i": i}, title="t", catalog_version="v", engine=db_engine) for i in range(20)]
    assert len(set(ids)) == 20 and all(ID_PATTERN.fullmatch(i) for i in ids)
    assert len({i[:4] for i in ids}) == 20  # not sequential, not time-ordered


def test_no_page_lists_another_visitors_report_ids(db_engine, monkeypatch):
    others = [create_report({"n": i}, title=f"plan {i}", catalog_version="v", engine=db_engine) for i in range(3)]
    mine = create_report({"n": 99}, title="my plan", catalog_version="v", engine=db_engine)
    monkeypatch.setenv("DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    pages = ["reports_page", "advise_page", "benchmarks_page", "probe_page", "hardware_page", "overview_page"]
    for module in pages:
        at = AppTest.from_string(f"from ui.{module} import render\nrender()\n", default_timeout=90)
        at.session_state["shared_reports"] = [{"id": mine, "title": "my plan", "created_at": "2026-11-27T08:00:00"}]
        at.run()
        assert not at.exception
        text = _all_text(at)
        leaked = [rid for rid in others if rid in text]
        assert not leaked, f"{module} shows other visitors' report ids"
        if module == "reports_page":
            assert f"?report={mine}" in text  # this session's own link is listed
            assert "plan 0" in text  # the table of all reports shows titles and times only
    # a fresh session has no links at all
    at = AppTest.from_string("from ui.reports_page import render\nrender()\n", default_timeout=60).run()
    assert not any(rid in _all_text(at) for rid in [*others, mine])


def test_there_is_no_update_or_delete_path():
    public = {n for n, f in inspect.getmembers(service, inspect.isfunction) if f.__module__ == service.__name__}
    writers = {n for n in public if n.startswith(("update", "delete", "edit", "set", "replace", "save", "put"))}
    assert writers == set(), writers
    assert {"create_report", "get_report", "list_reports"} <= public


def test_a_second_create_never_changes_the_first(db_engine):
    snap = {"inputs": {"hardware": "h100_sxm5_80gb"}, "ranking": [{"format": "fp8_w8a8", "rank": 1}]}
    first = create_report(snap, title="plan", catalog_version="v1", engine=db_engine)
    before = get_report(first, engine=db_engine)
    with session_factory(db_engine)() as s:
        raw_before = s.execute(select(SharedReport).where(SharedReport.id == first)).scalar_one().payload

    snap["ranking"][0]["format"] = "int4_awq_w4a16"  # the caller's dict changes after sharing
    same = create_report({**before["snapshot"]}, title="plan", catalog_version="v1", engine=db_engine)
    other = create_report(snap, title="plan", catalog_version="v2", engine=db_engine)

    assert len({first, same, other}) == 3  # a new id every time, even for the same snapshot
    assert get_report(first, engine=db_engine) == before
    assert before["snapshot"]["ranking"][0]["format"] == "fp8_w8a8"
    with session_factory(db_engine)() as s:
        assert s.execute(select(SharedReport).where(SharedReport.id == first)).scalar_one().payload == raw_before
    assert get_report(other, engine=db_engine)["snapshot"]["ranking"][0]["format"] == "int4_awq_w4a16"
    assert counts(db_engine)[3] == 3


def test_shared_report_page_has_no_inputs_that_could_change_it(db_engine, monkeypatch):
    rid = create_report({"ranking": [{"format": "bf16"}]}, title="plan", catalog_version="v", engine=db_engine)
    before = get_report(rid, engine=db_engine)
    monkeypatch.setenv("DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["report"] = rid
    at.run()
    assert not at.exception and at.title[0].value == "plan"
    widgets = [w for w in (*at.text_input, *at.selectbox, *at.number_input, *at.button, *at.text_area)]
    assert widgets == []  # only download buttons: nothing on the page writes
    for button in at.get("download_button"):
        assert button.proto.label in {"Markdown", "HTML (with charts)", "CSV (ranking)", "JSON", "Print-friendly page"}
    assert get_report(rid, engine=db_engine) == before
