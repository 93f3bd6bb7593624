from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.export import neutralize_cell, to_csv, to_html, to_markdown
from reports.service import ReportError, ReportNotFound, create_report, get_report, list_reports, validate_report_id

SNAPSHOT = {
    "inputs": {"hardware": "h100_sxm5_80gb", "model": "llama-3.1-70b", "batch": 64},
    "ranking": [
        {"rank": 1, "format_id": "fp8_w8a8", "support": "native", "decode_tok_s": 1234.5},
        {"rank": 2, "format_id": "bf16", "support": "native", "decode_tok_s": 800.0},
    ],
    "rejected": [{"format_id": "nvfp4_w4a4", "why_not": "no FP4 tensor cores on Hopper"}],
    "evidence": [],
    "notes": ["<script>alert(1)</script>"],
}


def test_create_then_read_back_identical(db_engine):
    rid = create_report(SNAPSHOT, title="70B on H100", catalog_version="s1-abc", engine=db_engine)
    assert len(rid) == 32
    got = get_report(rid, engine=db_engine)
    assert got["snapshot"] == SNAPSHOT and got["catalog_version"] == "s1-abc" and got["title"] == "70B on H100"


def test_ids_are_unique_and_long(db_engine):
    ids = {create_report(SNAPSHOT, title="t", catalog_version="v", engine=db_engine) for _ in range(20)}
    assert len(ids) == 20
    assert [r["id"] for r in list_reports(engine=db_engine)][0] in ids


@pytest.mark.parametrize(
    "bad", ["", "abc", "../../etc/passwd", "x" * 33, "a' OR '1'='1' --xxxxxxxxxxxxxxxxx", "é" * 32]
)
def test_malformed_ids_are_rejected_with_a_message(bad):
    with pytest.raises(ReportError, match="not a report id"):
        validate_report_id(bad)


def test_unknown_id_is_not_found(db_engine):
    with pytest.raises(ReportNotFound, match="no report with id"):
        get_report("A" * 32, engine=db_engine)


def test_tampered_snapshot_fails_integrity(db_engine):
    from store.db import transaction
    from store.models import SharedReport

    rid = create_report(SNAPSHOT, title="t", catalog_version="v", engine=db_engine)
    with transaction(db_engine) as s:
        row = s.get(SharedReport, rid)
        row.payload = {**row.payload, "snapshot": {**SNAPSHOT, "ranking": []}}
    with pytest.raises(ReportError, match="integrity"):
        get_report(rid, engine=db_engine)


def test_non_json_snapshot_is_refused(db_engine):
    with pytest.raises(ReportError, match="not plain JSON"):
        create_report({"x": float("nan")}, title="t", catalog_version="v", engine=db_engine)


def _report():
    return {
        "id": "B" * 32,
        "title": "<b>t</b>",
        "created_at": "2026-11-27T00:00:00",
        "catalog_version": "v",
        "snapshot": SNAPSHOT,
    }


def test_html_escapes_user_text():
    out = to_html(_report())
    assert "<script>alert(1)</script>" not in out and "&lt;script&gt;" in out
    assert "<b>t</b>" not in out


def test_markdown_has_tables():
    md = to_markdown(_report())
    assert (
        "## Verdict: Use fp8\\_w8a8" in md and "catalog v," in md
    )  # a schema-1 snapshot: the verdict is rebuilt from row 1
    assert "| Rank | Format | Runs natively? | Fits in memory | Decode, all sequences (tok/s) |" in md
    assert "| 1 | fp8\\_w8a8 | native | unknown | 1,234 |" in md  # human headers, the page's rounding


@given(st.text())
@settings(max_examples=200)
def test_csv_never_emits_a_live_formula(text):
    rep = _report()
    rep["snapshot"] = {**SNAPSHOT, "ranking": [{"format_id": text, "note": "=cmd|' /C calc'!A0"}]}
    rows = list(csv.DictReader(io.StringIO(to_csv(rep))))
    assert len(rows) == 1  # the row is there (not dropped), and every cell is inert
    for cell in rows[0].values():
        assert not cell.startswith(("=", "+", "-", "@")), cell
    assert rows[0]["note"] == "'=cmd|' /C calc'!A0"  # shown as text, not lost
    assert rows[0]["format_id"] in (text, "'" + text)


def test_neutralize_keeps_numbers():
    assert neutralize_cell(-3.5) == -3.5 and neutralize_cell("-3") == "'-3" and neutralize_cell("ok") == "ok"


def test_json_export_round_trips():
    from reports.export import to_json

    assert json.loads(to_json(_report()))["snapshot"] == SNAPSHOT
