"""The CLI's --hf-repo and --model-config model inputs (the Hub path runs against test_hub's local stand-in)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from advisor.__main__ import main
from tests.advisor.test_hub import COMMIT, fake_hub  # noqa: F401 - the fixture

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hf_configs"
BASE = ["estimate", "--hardware", "h100_sxm5_80gb", "--format", "fp8_w8a8", "--json"]


def _estimate(capsys, *model_args: str) -> tuple[int, dict | None, str]:
    rc = main([*BASE, *model_args])
    out = capsys.readouterr()
    return rc, (json.loads(out.out) if rc == 0 else None), out.err


def test_hf_repo_gives_the_same_estimate_as_the_same_config_file(capsys, fake_hub):  # noqa: F811
    rc, from_hub, err = _estimate(capsys, "--hf-repo", "Qwen/Qwen3-8B")
    assert rc == 0, err
    rc, from_file, err = _estimate(capsys, "--model-config", str(FIXTURES / "qwen3-8b" / "config.json"))
    assert rc == 0, err
    assert from_hub["decode_tok_s"] == pytest.approx(from_file["decode_tok_s"])
    assert from_hub["memory_gb"] == pytest.approx(from_file["memory_gb"])
    assert from_hub["decode_tok_s"] > 0


def test_hf_revision_pins_a_commit(capsys, fake_hub):  # noqa: F811
    rc, _, err = _estimate(capsys, "--hf-repo", "Qwen/Qwen3-8B", "--hf-revision", COMMIT)
    assert rc == 0, err
    assert any(p == f"/Qwen/Qwen3-8B/resolve/{COMMIT}/config.json" for _, p, _ in fake_hub.requests)


def test_hf_repo_errors_are_clear_exit_2(capsys, fake_hub):  # noqa: F811
    rc, _, err = _estimate(capsys, "--hf-repo", "meta-llama/Llama-3.1-8B")
    assert rc == 2 and "gated" in err and "HF_TOKEN" in err
    rc, _, err = _estimate(capsys, "--hf-repo", "bartowski/Some-Model-GGUF")
    assert rc == 2 and "GGUF repo with no config.json" in err
    rc, _, err = _estimate(capsys, "--hf-repo", "not a repo")
    assert rc == 2 and "is not a Hugging Face repo id" in err


def test_model_config_folder_reads_hf_quant_config_too(capsys, tmp_path):
    folder = tmp_path / "ckpt"
    shutil.copytree(FIXTURES / "nvidia-llama-3.1-70b-fp8", folder)
    rc = main(["recommend", "--hardware", "h100_sxm5_80gb", "--gpus", "2", "--model-config", str(folder), "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert json.loads(out.out)["ranked"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no such file"),
        ("", "is empty"),
        ("{not json", "is not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2)"),
        ("[1, 2]", "holds a JSON list, expected an object"),
        ("[" * 100 + "]" * 100, "nests 100 levels deep"),
        ('{"model_type": "mystery"}', "missing num_hidden_layers"),
    ],
)
def test_model_config_bad_files_are_named(capsys, tmp_path, content, words):
    path = tmp_path / "config.json"
    if content is not None:
        path.write_text(content)
    rc, _, err = _estimate(capsys, "--model-config", str(path))
    assert rc == 2 and err.startswith("error: ") and words in err, err


def test_model_inputs_are_alternatives(capsys):
    with pytest.raises(SystemExit) as exc:
        main([*BASE, "--model", "llama-3.1-8b", "--hf-repo", "Qwen/Qwen3-8B"])
    assert exc.value.code == 2 and "not allowed with argument" in capsys.readouterr().err
    rc, _, err = _estimate(capsys, "--hf-revision", "main", "--model", "llama-3.1-8b")
    assert rc == 2 and "--hf-revision goes with --hf-repo" in err
    rc, _, err = _estimate(capsys)
    assert rc == 2 and "--hf-repo <owner/name>, --model-config <config.json>" in err
