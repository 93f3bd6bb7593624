"""Reading back, measured vs predicted, and the CLI."""

from __future__ import annotations

import json

import pytest

from advisor.evidence import Measurement
from measurements import cli, compare
from measurements.compare import compare_with_predictions, error_pct
from measurements.service import import_file, list_results, list_uploads, results_as_measurements


@pytest.fixture
def loaded(db_engine, shared_llama, fixtures):
    import_file((shared_llama / "rtx4080_b5163.csv").read_bytes(), "4080.csv", label="desk", engine=db_engine)
    import_file(
        (fixtures / "vllm_serve_result_pr18566.json").read_bytes(),
        "v.json",
        hardware_hint="h100_sxm5_80gb",
        engine=db_engine,
    )
    return db_engine


def test_filters_and_uploads(loaded):
    assert len(list_results(loaded)) == 3
    df = list_results(loaded, hardware_sku="rtx_4080", test="tg128")
    assert len(df) == 1 and df.iloc[0]["decode_tok_s"] == pytest.approx(119.915244)
    assert df.iloc[0]["label"] == "desk" and df.iloc[0]["source_format"] == "llama_bench_csv"
    assert list(list_results(loaded, inference_engine="vllm")["model_id"]) == ["llama-3.1-8b"]
    uploads = list_uploads(loaded)
    assert list(uploads["file_name"]) == ["4080.csv", "v.json"]
    assert list(uploads["n_imported"]) == [2, 1]


def test_results_as_measurements(loaded):
    ms = results_as_measurements(loaded, hardware_sku="rtx_4080")
    assert ms[0] == Measurement(
        hardware_sku="rtx_4080",
        model_id="qwen2.5-7b",
        params_b=pytest.approx(7.615616512),
        format_id="gguf_q4_k_m",
        engine="llama_cpp",
        gpus=1,
        batch=1,
        input_len=512,
        output_len=None,
        prefill_tok_s=pytest.approx(7285.676949),
        source="upload 1, row 2",
        label="desk",
    )
    vllm = results_as_measurements(loaded, inference_engine="vllm")[0]
    assert (vllm.decode_tok_s, vllm.ttft_ms, vllm.tpot_ms, vllm.gpus) == (6582.87, 9626.13, 77.86, 1)


def test_compare_with_predictions(loaded):
    def predict(row):
        if row["engine"] == "vllm":
            raise LookupError("no vLLM efficiency for h100_sxm5_80gb")
        return {"prefill_tok_s": 8000.0, "decode_tok_s": 100.0}

    out = compare_with_predictions(list_results(loaded), predict)
    pp, tg, serve = out.to_dict("records")
    assert pp["predicted_prefill_tok_s"] == 8000.0
    assert pp["error_prefill_tok_s_pct"] == pytest.approx((8000.0 - 7285.676949) / 7285.676949 * 100)
    assert tg["error_decode_tok_s_pct"] == pytest.approx((100.0 - 119.915244) / 119.915244 * 100)
    assert pp["error_decode_tok_s_pct"] != pp["error_decode_tok_s_pct"]  # nothing measured -> NaN
    assert serve["prediction_note"] == "no prediction: no vLLM efficiency for h100_sxm5_80gb"
    assert error_pct(None, 1.0) is None and error_pct(1.0, 0.0) is None


def _run(capsys, *argv) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().out


def test_cli_json_and_exit_codes(tmp_path, monkeypatch, capsys, shared_llama, fixtures):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setattr(compare, "default_predictor", lambda: None)
    monkeypatch.setattr(cli, "default_predictor", lambda: None)
    code, out = _run(capsys, "import", str(shared_llama / "rtx4080_b5163.csv"), "--json", "--label", "x")
    data = json.loads(out)
    assert code == 0
    assert (data["detected_format"], data["imported"], data["duplicates"], data["rejected"]) == (
        "llama_bench_csv",
        2,
        0,
        [],
    )
    assert data["rows"][0]["prefill_tok_s"] == pytest.approx(7285.676949)
    assert data["rows"][0]["hardware_sku"] == "rtx_4080"
    code, out = _run(capsys, "import", str(shared_llama / "rtx4080_b5163.csv"), "--json")
    assert code == 0 and json.loads(out)["duplicates"] == 2
    code, out = _run(capsys, "import", str(fixtures / "llama_bench_b1275_readme.csv"))
    assert code == 1
    assert "row 2, column (whole row): expected 26 columns (as in the header), found 27" in out
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, out = _run(capsys, "import", str(empty), "--json")
    assert code == 1 and json.loads(out)["message"].startswith("the file is empty")


def test_cli_text_shows_measured_next_to_predicted(tmp_path, monkeypatch, capsys, shared_llama):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setattr(cli, "default_predictor", lambda: lambda row: {"prefill_tok_s": 7000.0})
    code, out = _run(capsys, "import", str(shared_llama / "rtx4080_b5163.csv"), "--hardware", "rtx_4080")
    assert code == 0
    assert (
        "row 2: rtx_4080 qwen2.5-7b gguf_q4_k_m llama_cpp pp512: prefill_tok_s 7,285.7 (predicted 7,000.0, -4%)" in out
    )
    assert "row 3: rtx_4080 qwen2.5-7b gguf_q4_k_m llama_cpp tg128: decode_tok_s 119.9" in out


def test_cli_template(capsys):
    code, out = _run(capsys, "template")
    assert code == 0 and out.startswith("hardware,model,format,engine,")
