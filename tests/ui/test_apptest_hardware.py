from __future__ import annotations

from streamlit.testing.v1 import AppTest

from hardware_db.catalog import default_catalog
from tests.ui.tables import markdown_tables
from ui.hardware_page import PLAIN_ROWS

FOUR = ["h100_sxm5_80gb", "b200", "mi300x", "rtx_4090"]


def test_hardware_page_lists_catalog_and_filters(monkeypatch, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    at = AppTest.from_function(_page_script, default_timeout=60).run()
    assert not at.exception
    assert not at.dataframe  # nothing compared yet: no grid, the catalog is a plain table
    table = markdown_tables(at)[0]
    assert len(table) == PLAIN_ROWS < len(default_catalog().skus)  # the newest first; all one toggle away
    at.toggle(key="hw_show_all").set_value(True).run()
    table = markdown_tables(at)[0]
    assert len(table) == len(default_catalog().skus)
    assert "Memory (GB)" in table.columns and "memory_gb" not in table.columns
    assert not (table == "None").any().any()
    h100 = table.set_index("Device").loc["NVIDIA H100 SXM5 80GB"]
    assert h100["Source"] == f"[datasheet]({default_catalog().skus['h100_sxm5_80gb'].source})"  # a link
    at.multiselect(key="hw_native").set_value(["nvfp4"]).run()
    names = set(markdown_tables(at)[0]["Device"])
    assert "NVIDIA H100 SXM5 80GB" not in names
    assert any("B200" in n for n in names)


def test_catalog_sorts_by_the_chosen_column(monkeypatch, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    at = AppTest.from_function(_page_script, default_timeout=60).run()
    years = [int(y) for y in markdown_tables(at)[0]["Released"] if y != "-"]
    assert years == sorted(years, reverse=True) and years[0] == max(
        s.release_year or 0 for s in default_catalog().skus.values()
    )
    at.toggle(key="hw_show_all").set_value(True).run()
    at.selectbox(key="hw_catalog_sort").set_value("Device").run()
    assert markdown_tables(at)[0]["Device"].tolist() == sorted(s.name for s in default_catalog().skus.values())
    at.selectbox(key="hw_catalog_sort").set_value("Memory (GB)").run()
    memory = [float(v.replace(",", "")) for v in markdown_tables(at)[0]["Memory (GB)"] if v != "-"]
    largest = max(s.memory_gb for s in default_catalog().skus.values() if s.memory_gb)
    assert memory == sorted(memory, reverse=True) and memory[0] == largest


def test_compare_four_devices_in_one_step(monkeypatch, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    at = AppTest.from_function(_page_script, default_timeout=60).run()
    at.multiselect(key="hw_compare").set_value(FOUR)  # inside the form: no rerun until Compare
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    compare = at.dataframe[0].value
    assert len(compare) == 4
    by_name = compare.set_index("Device")
    h100 = by_name.loc["NVIDIA H100 SXM5 80GB"]
    assert h100["FP8 support"] == "native" and h100["NVFP4 support"] == "unsupported"
    assert compare["Memory (GB)"].tolist() == sorted(compare["Memory (GB)"], reverse=True)  # sorted by memory
    assert h100["List price (USD per hour)"] == "$4.29"  # hardware_db/data/prices.toml
    assert at.query_params["compare"] in (",".join(FOUR), [",".join(FOUR)])
    heat = [c for c in at.get("plotly_chart") if "Native support" in c.proto.spec]
    assert heat and all(default_catalog().skus[s].name in heat[0].proto.spec for s in FOUR)
    assert "NVIDIA A100 SXM4 80GB" not in heat[0].proto.spec  # the heatmap follows the comparison


def test_compare_from_the_url_and_a_bad_id(monkeypatch, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    at = AppTest.from_function(_page_script, default_timeout=60)
    at.query_params["compare"] = "b200,h100_sxm"
    at.run()
    assert not at.exception
    assert "h100_sxm" in at.warning[0].value and "unknown device id" in at.warning[0].value
    assert at.dataframe[0].value["Device"].tolist() == [default_catalog().skus["b200"].name]


def _page_script():
    from ui import hardware_page

    hardware_page.render()
