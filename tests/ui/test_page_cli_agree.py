"""The Advise page and ``python -m advisor recommend`` compute the same numbers for the same inputs: both call
``advisor.recommend.recommend``; the page shows them through ``reports.display`` (one rounding rule)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from advisor.__main__ import main as cli
from reports.display import fmt_num
from tests.conftest import REPO

CASES = [
    {"hw": "h100_sxm5_80gb", "model": "llama-3.1-70b", "gpus": "2", "batch": "64"},
    {"hw": "a100_sxm4_80gb", "model": "llama-3.1-8b", "profile": "interactive"},
    {"hw": "rtx_4090", "model": "qwen2.5-7b", "batch": "4", "in": "512", "out": "256", "tol": "relaxed"},
]
FLAGS = {"hw": "--hardware", "model": "--model", "gpus": "--gpus", "batch": "--batch", "in": "--input-len",
         "out": "--output-len", "profile": "--profile", "tol": "--tolerance"}  # fmt: skip
COLUMNS = {
    "Output throughput (tok/s)": "output_tok_s",
    "Decode, all sequences (tok/s)": "decode_tok_s",
    "Decode per sequence (tok/s)": "decode_tok_s_per_seq",
    "Prefill (tok/s)": "prefill_tok_s",
    "Memory per GPU (GB)": "memory_per_gpu_gb",
}


@pytest.mark.parametrize("params", CASES)
def test_page_shows_the_cli_numbers(params, monkeypatch, sqlite_url, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.session_state["advise_ranking_open"] = True  # the full grid (every column) in its expander
    at.run()
    assert not at.exception
    page = at.dataframe[0].value
    argv = ["recommend", *[x for k, v in params.items() for x in (FLAGS[k], v)], "--json"]
    assert cli(argv) == 0
    ranked = json.loads(capsys.readouterr().out)["ranked"]
    assert page["Format"].tolist() == [r["name"] for r in ranked]
    checked = 0
    for column, key in COLUMNS.items():
        if column not in page:
            continue
        for shown, row in zip(page[column], ranked, strict=True):
            value = row[key]
            # the snapshot rounds to 0.1 before display; the page's 3 significant digits hide that
            assert shown == fmt_num(None if value is None else round(value, 1)), (column, row["format"])
            checked += 1
    assert checked >= 3 * len(ranked)
