"""An import that flags rows says which and why, and offers the closest catalog entries for unknown names."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from measurements.service import import_file
from store.db import create_db_engine
from store.migrate import prepare_database
from tests.conftest import SHARED_FIXTURES
from ui.benchmarks_page import closest, unknown_names


def _page():
    from ui import benchmarks_page

    benchmarks_page.render()


def test_unknown_device_is_flagged_explained_and_mappable(monkeypatch, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    engine = create_db_engine(sqlite_url)
    prepare_database(engine)
    data = (SHARED_FIXTURES / "llama-bench" / "rtx4080_b5163.csv").read_bytes()
    data = data.replace(b"NVIDIA GeForce RTX 4080", b"Acme GeForce RTX 4O8O prototype")
    result = import_file(data, "odd.csv", engine=engine)
    assert result.imported == 2 and len(result.flagged) == 2
    rows = result.to_dict()["measurements"]
    assert unknown_names(rows)["hardware"] == ["Acme GeForce RTX 4O8O prototype"]

    at = AppTest.from_function(_page, default_timeout=60)
    at.session_state["bench_last_import"] = {"result": result.to_dict(with_rows=True), "rejected_csv": ""}
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "2 flagged measurement(s)" in text
    assert "Acme GeForce RTX 4O8O prototype" in text and "closest catalog devices" in text
    flagged = next(d.value for d in at.dataframe if "Why flagged" in d.value.columns)
    assert flagged["Row"].tolist() == [
        2,
        3,
    ]  # file lines (line 1 is the header) and all(flagged["Why flagged"].str.len() > 0)
    hint = " ".join(c.value for c in at.caption)
    assert "aliases" in hint and "skus/nvidia/rtx_40" in hint  # how to map it: the closest SKU's file


def test_closest_suggestions():
    names = {"rtx_4080": "NVIDIA GeForce RTX 4080", "h100_sxm5_80gb": "NVIDIA H100 SXM5 80GB"}
    assert closest("GeForce RTX 4080 (laptop)", names)[0] == "rtx_4080"
