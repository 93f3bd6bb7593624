"""Stored probe reports on each database backend (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import pytest

from probes.report import load_report
from probes.store import get_report, list_reports, save_report
from tests.probes.test_report import RECORDED


def test_save_list_get(db_engine):
    report = load_report(RECORDED.read_text())
    first = save_report(report, "upload", "from the lab", engine=db_engine)
    second = save_report(report, "server", engine=db_engine)
    assert len(first) == 32 and first != second
    listed = {s.id: s for s in list_reports(db_engine)}
    assert set(listed) == {first, second}
    assert listed[first].label == "from the lab" and listed[first].origin == "upload"
    assert listed[first].hostname == report.host.hostname
    assert listed[first].devices == ("cpu: AMD EPYC [amd_zen4]",)
    assert get_report(first, db_engine) == report
    assert get_report("nope", db_engine) is None


def test_origin_is_checked(db_engine):
    with pytest.raises(ValueError, match="origin must be one of"):
        save_report(load_report(RECORDED.read_text()), "email", engine=db_engine)
