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


def test_default_predictor_compares_like_for_like(db_engine, shared_llama, fixtures, monkeypatch):
    import advisor.estimate

    real = advisor.estimate.estimate
    seen, speeds = [], {}

    def spy(model, fmt, hardware, workload=None, engine=None, **kw):
        assert "measurements" not in kw  # the estimate must not see the measured rows
        seen.append((model.id, fmt, hardware.sku_id, workload, engine))
        result = real(model, fmt, hardware, workload, engine, **kw)
        speeds[workload.batch] = result.speed
        return result

    monkeypatch.setattr(advisor.estimate, "estimate", spy)
    import_file((shared_llama / "rtx4080_b5163.csv").read_bytes(), "a.csv", engine=db_engine)
    data = json.loads((fixtures / "vllm_serve_result_pr18566.json").read_text())
    data["max_concurrency"] = 64
    import_file(json.dumps(data).encode(), "v.json", hardware_hint="h100_sxm5_80gb", engine=db_engine)
    unlimited = (fixtures / "vllm_serve_result_pr18566.json").read_bytes()
    import_file(unlimited, "v2.json", hardware_hint="h100_sxm5_80gb", engine=db_engine)

    out = compare_with_predictions(list_results(db_engine), compare.default_predictor())
    pp, tg, serve, open_ended = out.to_dict("records")
    workloads = {(w.batch, w.input_len, w.output_len, w.gpus) for _, _, _, w, _ in seen}
    assert workloads == {(1, 512, 0, 1), (1, 1, 128, 1), (64, 230, 203, 1)}
    assert {(m, f, h, e) for m, f, h, _, e in seen} == {
        ("qwen2.5-7b", "gguf_q4_k_m", "rtx_4080", "llama_cpp"),
        ("llama-3.1-8b", "bf16", "h100_sxm5_80gb", "vllm"),
    }
    assert pp["predicted_prefill_tok_s"] > 0 and pp["predicted_decode_tok_s"] != pp["predicted_decode_tok_s"]
    assert pp["error_prefill_tok_s_pct"] == pytest.approx(error_pct(pp["predicted_prefill_tok_s"], pp["prefill_tok_s"]))
    assert tg["predicted_decode_tok_s"] > 0 and tg["error_decode_tok_s_pct"] == tg["error_decode_tok_s_pct"]
    # serve rows: measured output throughput against the estimated serving throughput, not the decode rate
    assert serve["predicted_decode_tok_s"] == pytest.approx(speeds[64].output_tok_s)
    assert serve["predicted_ttft_ms"] == pytest.approx(speeds[64].ttft_ms) and serve["prediction_note"] == ""
    assert open_ended["prediction_note"].startswith("no prediction: max_concurrency not given")


def test_default_predictor_keeps_serve_and_tg_rows_of_one_workload_apart():
    # same hardware, model, format, engine and workload: a serve row's decode_tok_s is the serving
    # throughput, a tg row's the decode rate; whichever comes first must not answer for the other
    from advisor.estimate import estimate
    from advisor.hardware import HardwareTarget
    from advisor.models import default_models
    from advisor.workload import Workload
    from hardware_db.catalog import default_catalog

    row = {"hardware_sku": "h100_sxm5_80gb", "format_id": "bf16", "model_id": "llama-3.1-8b", "engine": "vllm"}
    row |= {"batch": 1, "input_len": 1, "output_len": 128, "gpus": 1}
    speed = estimate(
        default_models()["llama-3.1-8b"],
        "bf16",
        HardwareTarget.from_catalog(default_catalog(), "h100_sxm5_80gb"),
        Workload(batch=1, input_len=1, output_len=128, gpus=1),
        "vllm",
    ).speed
    assert speed.output_tok_s != pytest.approx(speed.decode_tok_s)  # else this test proves nothing
    predict = compare.default_predictor()
    assert predict({**row, "test": "serve"})["decode_tok_s"] == pytest.approx(speed.output_tok_s)
    assert predict({**row, "test": "tg"})["decode_tok_s"] == pytest.approx(speed.decode_tok_s)


def test_python_m_advisor_import_hands_over(tmp_path, monkeypatch, capsys, fixtures):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setattr(cli, "default_predictor", lambda: None)
    code, out = _run(capsys, str(fixtures / "llama_bench_depth.md"), "--hardware", "rtx_4080", "--json")
    data = json.loads(out)
    assert code == 0 and data["imported"] == 4
    assert [(r["test"], r["context_depth"], r["hardware_sku"]) for r in data["rows"]][2] == ("pp512", 512, "rtx_4080")


def test_quantized_quality_next_to_its_reference(db_engine, fixtures):
    from measurements.compare import attach_quality_reference

    base = json.loads((fixtures / "lm_eval_ghost8b_gsm8k.json").read_text())
    for repo in ("meta-llama/Llama-3.1-8B-Instruct", "RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8"):
        data = dict(base, config={"model": "vllm", "model_args": f"pretrained={repo}"})
        if "FP8" in repo:  # a different score file for the quantized run (values shifted for the test)
            task = data["results"]["gsm8k_cot_zeroshot"] = dict(base["results"]["gsm8k_cot_zeroshot"])
            task["exact_match,strict-match"] = 0.5
        import_file(json.dumps(data).encode(), f"{repo}.json", engine=db_engine)
    out = attach_quality_reference(list_results(db_engine))
    fp8 = out[(out["format_id"] == "fp8_w8a8") & (out["quality_metric"].str.contains("strict"))].iloc[0]
    assert fp8["reference_value"] == pytest.approx(0.576194086429113)
    assert fp8["quality_delta"] == pytest.approx(0.5 - 0.576194086429113)
    assert fp8["reference_source"] == "stored bf16/fp16 rows"
    bf16 = out[out["format_id"] == "bf16"]
    assert bf16["reference_value"].isna().all()
