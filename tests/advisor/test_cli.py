import json

from advisor.__main__ import main


def test_estimate_json_has_the_contract_keys(capsys):
    rc = main(["estimate", "--hardware", "h100_sxm5_80gb", "--model", "llama-3.1-8b", "--format", "fp8_w8a8", "--json"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    for key in ("decode_tok_s", "prefill_tok_s", "ttft_ms", "tpot_ms", "memory_gb", "fits", "support", "reason"):
        assert key in d
    assert d["support"] == "native" and d["fits"] is True
    assert d["decode_tok_s"] > 0 and d["prefill_tok_s"] > d["decode_tok_s"]


def test_estimate_from_params(capsys):
    rc = main(["estimate", "--hardware", "a100_sxm4_80gb", "--params-b", "13", "--format", "int4_awq_w4a16", "--json"])
    assert rc == 0
    assert json.loads(capsys.readouterr().out)["support"] == "weight_only"


def test_recommend_json(capsys):
    rc = main(
        [
            "recommend",
            "--hardware",
            "h100_sxm5_80gb",
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "8",
            "--batch",
            "64",
            "--json",
        ]
    )
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["best"] == d["ranked"][0]["format"] and d["rejected"]
    assert {r["format"] for r in d["ranked"]}.isdisjoint(r["format"] for r in d["rejected"])
    # the serving profile's lengths, with the batch and GPU count given on the command line
    assert d["workload"] == {"batch": 64, "input_len": 1024, "output_len": 256, "gpus": 8, "kv_format": None}


def test_unknown_ids_exit_2_with_closest(capsys):
    assert main(["estimate", "--hardware", "h100_sxm", "--model", "llama-3.1-8b", "--format", "bf16"]) == 2
    assert "h100_sxm5_80gb" in capsys.readouterr().err
    assert main(["estimate", "--hardware", "h100_sxm5_80gb", "--model", "llama-3.1-8b", "--format", "fp8_w8a9"]) == 2
    assert "fp8_w8a8" in capsys.readouterr().err
    assert main(["recommend", "--hardware", "h100_sxm5_80gb", "--model", "lama-3.1-8b"]) == 2
    assert "llama-3.1-8b" in capsys.readouterr().err


def test_list_formats_json(capsys):
    assert main(["list", "formats", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) >= 30


def test_import_points_to_the_measurements_cli(capsys):
    """The engine's CLI never touches the database: importing results is the measurements package's command."""
    assert main(["import", "results.csv", "--hardware", "h100_sxm5_80gb"]) == 2
    assert "python -m measurements import" in capsys.readouterr().err


def test_recommend_text_output(capsys):
    assert (
        main(["recommend", "--hardware", "a100_sxm4_80gb", "--model", "llama-3.1-8b", "--profile", "interactive"]) == 0
    )
    out = capsys.readouterr().out
    assert "Best:" in out and "Rejected:" in out and "fp8_w8a8" in out


def test_engine_names_as_users_type_them(capsys):
    base = ["estimate", "--hardware", "h100_sxm5_80gb", "--model", "llama-3.1-8b", "--format", "fp8_w8a8", "--json"]
    for typed, engine in (
        ("llama.cpp", "llama_cpp"),
        ("llama_cpp", "llama_cpp"),
        ("vllm", "vllm"),
        ("trt-llm", "tensorrt_llm"),
        ("TensorRT-LLM", "tensorrt_llm"),
    ):
        assert main([*base, "--engine", typed]) == 0
        assert json.loads(capsys.readouterr().out)["engine"] == engine
    assert main([*base, "--engine", "not-an-engine"]) == 2
    assert "unknown engine 'not-an-engine'" in capsys.readouterr().err
