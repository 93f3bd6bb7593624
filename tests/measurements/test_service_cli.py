"""Reading back, measured vs estimated, and the CLI."""

from __future__ import annotations

import json

import pytest

from advisor.comparison import compare
from advisor.measurement import Load, Metric
from advisor.quality import measured_quality
from measurements import cli
from measurements.service import import_file, list_measurements, list_uploads
from tests.measurements.conftest import one


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
    everything = list_measurements(loaded)
    assert len(everything) == 2 + 11  # llama-bench pp + tg; the vLLM run's 11 figures
    tg = list_measurements(loaded, hardware_sku="rtx_4080", metric="decode_tok_s")
    assert len(tg) == 1 and tg[0].value == pytest.approx(119.915244)
    assert tg[0].label == "desk" and tg[0].source == "upload 1" and tg[0].row == 3
    assert {m.model_id for m in list_measurements(loaded, inference_engine="vllm")} == {"llama-3.1-8b"}
    uploads = list_uploads(loaded)
    assert list(uploads["file_name"]) == ["4080.csv", "v.json"]
    assert list(uploads["n_imported"]) == [2, 11]


def test_comparisons_are_like_for_like(loaded):
    """Each stored measurement is compared with the estimate of exactly what it measured."""
    pp = one(list_measurements(loaded), metric=Metric.PREFILL_TOK_S)
    c = compare(pp)
    assert c.workload.input_len == 512 and c.workload.output_len == 0 and c.workload.batch == 1
    assert c.predicted > 0 and c.phase == "prefill"
    assert c.error_pct == pytest.approx((c.predicted - pp.value) / pp.value * 100)
    tpot = one(list_measurements(loaded), metric=Metric.TPOT_MS, statistic="mean")
    c = compare(tpot)
    assert c.phase == "decode" and c.speed_ratio == pytest.approx(c.predicted / tpot.value)  # a time: inverted
    quality_free = [compare(m) for m in list_measurements(loaded)]
    assert all(c.predicted is not None or c.note for c in quality_free)


def _run(capsys, *argv) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().out


def test_cli_json_and_exit_codes(tmp_path, monkeypatch, capsys, shared_llama, fixtures):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    code, out = _run(capsys, "import", str(shared_llama / "rtx4080_b5163.csv"), "--json", "--label", "x")
    data = json.loads(out)
    assert code == 0
    assert (data["detected_format"], data["imported"], data["duplicates"], data["rejected"]) == (
        "llama_bench_csv",
        2,
        0,
        [],
    )
    first = data["measurements"][0]
    assert (first["metric"], first["value"]) == ("prefill_tok_s", pytest.approx(7285.676949))
    assert first["hardware_sku"] == "rtx_4080"
    assert first["estimated"] > 0 and first["error_pct"] == pytest.approx(
        (first["estimated"] - first["value"]) / first["value"] * 100
    )
    code, out = _run(capsys, "import", str(shared_llama / "rtx4080_b5163.csv"), "--json")
    assert code == 0 and json.loads(out)["duplicates"] == 2
    code, out = _run(capsys, "import", str(fixtures / "llama_bench_b1275_readme.csv"))
    assert code == 1
    assert "row 2, column (whole row): expected 26 columns (as in the header), found 27" in out
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, out = _run(capsys, "import", str(empty), "--json")
    assert code == 1 and json.loads(out)["message"].startswith("the file is empty")


def test_cli_text_shows_measured_next_to_estimated(tmp_path, monkeypatch, capsys, shared_llama):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    code, out = _run(capsys, "import", str(shared_llama / "rtx4080_b5163.csv"), "--hardware", "rtx_4080")
    assert code == 0
    stored = list_measurements(metric="prefill_tok_s")
    c = compare(stored[0])
    line = next(ln for ln in out.splitlines() if "row 2:" in ln)
    assert "rtx_4080 · qwen2.5-7b · gguf_q4_k_m · llama_cpp/cuda · batch 1, 512 in / 0 out" in line
    assert f"Prefill tok/s 7,285.7 (estimated {c.predicted:,.1f}, {c.error_pct:+.0f}%)" in line
    assert "row 3:" in out and "Decode tok/s 119.9" in out


def test_cli_template(capsys):
    code, out = _run(capsys, "template")
    assert code == 0 and out.startswith("hardware,model,format,engine,")


def test_open_ended_load_has_no_estimate_and_says_why(db_engine, fixtures):
    data = json.loads((fixtures / "vllm_serve_result_pr18566.json").read_text())
    data["request_rate"] = 4.0  # open-loop arrivals, no concurrency cap
    result = import_file(json.dumps(data).encode(), "rate.json", hardware_hint="h100_sxm5_80gb", engine=db_engine)
    out = one(result.measurements, metric=Metric.OUTPUT_TOK_S)
    assert out.load is Load.RATE and out.request_rate == 4.0
    c = compare(out)
    assert c.predicted is None and "open-loop request rate" in c.note


def test_quantized_quality_next_to_its_reference(db_engine, fixtures):
    base = json.loads((fixtures / "lm_eval_ghost8b_gsm8k.json").read_text())
    for repo in ("meta-llama/Llama-3.1-8B-Instruct", "RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8"):
        data = dict(base, config={"model": "vllm", "model_args": f"pretrained={repo}"})
        if "FP8" in repo:  # a different score file for the quantized run (values shifted for the test)
            task = data["results"]["gsm8k_cot_zeroshot"] = dict(base["results"]["gsm8k_cot_zeroshot"])
            task["exact_match,strict-match"] = 0.5
        import_file(json.dumps(data).encode(), f"{repo}.json", engine=db_engine)
    paired = measured_quality(list_measurements(db_engine))
    fp8 = next(q for q in paired if q.format_id == "fp8_w8a8" and "strict" in q.task)
    assert fp8.reference == pytest.approx(0.576194086429113)
    assert fp8.delta == pytest.approx(0.5 - 0.576194086429113)
    assert fp8.reference_source == "stored 16-bit runs"
    assert all(q.reference is None for q in paired if q.format_id == "bf16")
