from __future__ import annotations

from streamlit.testing.v1 import AppTest

from hardware_db.catalog import default_catalog


def test_hardware_page_lists_catalog_and_filters(monkeypatch, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    at = AppTest.from_function(_page_script, default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == len(default_catalog().skus)
    at.multiselect(key="hw_native").set_value(["nvfp4"]).run()
    names = set(at.dataframe[0].value["name"])
    assert "NVIDIA H100 SXM5 80GB" not in names
    assert any("B200" in n for n in names)
    at.multiselect(key="hw_compare").set_value(["NVIDIA H100 SXM5 80GB"]).run()
    assert not at.exception
    compare = at.dataframe[1].value
    assert "native" in compare.loc["fp8"].iloc[0] and "unsupported" in compare.loc["nvfp4"].iloc[0]


def _page_script():
    from ui import hardware_page

    hardware_page.render()
