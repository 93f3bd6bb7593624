"""Hostile config.json files through the model loader (issue 18): every case ends in a ModelSpec or in one of the
project's own refusals (ModelConfigError, ConfigFileError, HubError, CustomModelError: ValueErrors with a
message), never another exception, and a refused upload stores nothing.

Inputs are mutations of the real configs in tests/fixtures/hf_configs. The bugs bench/fuzz.py found here (zero
heads or sparse steps, integers beyond any shape or beyond int()'s 4,300 digits, non-list architectures, non-object
quantization groups) are each a case below that must end in a spec or a refusal."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from advisor.hub import ConfigFileError, model_from_config, read_config_bytes
from advisor.model_config import ModelConfigError, spec_from_hf_config
from bench import fuzz

CONFIGS = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs"


def config(name: str, **changes: object) -> dict:
    cfg = json.loads((CONFIGS / name / "config.json").read_text())
    cfg.update(changes)
    return cfg


def spec_or_refusal(cfg: object) -> str:
    """ "spec" or the refusal's message; any other exception propagates (the bug these tests look for)."""
    try:
        spec = spec_from_hf_config(cfg)  # type: ignore[arg-type]
        model_from_config(cfg)  # type: ignore[arg-type]
    except ModelConfigError as exc:
        assert str(exc).strip()
        return str(exc)
    assert spec.params_b > 0
    return "spec"


@pytest.mark.parametrize(
    ("cfg", "words"),
    [
        (config("llama-3.1-8b", num_key_value_heads=0), "n_kv_heads must be a positive integer, got 0"),
        (config("llama-3.1-8b", num_hidden_layers=-1), "n_layers must be a positive integer, got -1"),
        (config("llama-3.1-8b", vocab_size=0), "vocab_size must be a positive integer"),
        (config("llama-3.1-8b", hidden_size="4096"), "missing hidden_size"),
        (config("llama-3.1-8b", num_hidden_layers=float("nan")), "missing num_hidden_layers"),
        (config("llama-3.1-8b", num_attention_heads=float("inf")), "missing num_attention_heads"),
        (config("llama-3.1-8b", num_hidden_layers=True), "missing num_hidden_layers"),
        (config("qwen3-30b-a3b", num_experts=-2), "n_experts must be a positive integer"),
        (config("deepseek-v3", kv_lora_rank=-1), "kv_lora_rank must be a positive integer"),
        (config("deepseek-v3", qk_rope_head_dim=0), "qk_rope_head_dim must be a positive integer"),
        (config("llama-3.1-8b", sliding_window=4096, sliding_window_pattern=-6), "exceeds n_layers"),
        ({"text_config": {}}, "cannot read the model shape"),
        ({"text_config": "llama"}, "cannot read the model shape"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_hostile_fields_are_refused_naming_the_field(cfg, words):
    assert words in spec_or_refusal(cfg)


def test_a_text_config_loop_reads_like_the_config_itself():
    loop = config("llama-3.1-8b")
    loop["text_config"] = loop  # JSON cannot hold one; a Python caller can
    assert spec_or_refusal(loop) == "spec"
    assert spec_from_hf_config(loop).params_b == spec_from_hf_config(config("llama-3.1-8b")).params_b


def test_text_config_nested_60_levels_is_read_one_level_only():
    cfg: dict = config("llama-3.1-8b")
    for _ in range(60):
        cfg = {"text_config": cfg, "model_type": "wrapper"}
    assert "cannot read the model shape" in spec_or_refusal(cfg)  # only the first text_config is merged


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "is empty"),
        (b"[]", "holds a JSON list, expected an object"),
        (b"null", "holds a JSON NoneType"),
        (b'{"a": 1', "is not valid JSON"),
        ("{}".encode("utf-16"), "is not UTF-8 text"),
        (b'{"pad": "' + b"x" * (10 * 1024 * 1024) + b'"}', "over the 1,048,576-byte size limit"),
        (b'{"text_config":' * 1000 + b"{}" + b"}" * 1000, "max_json_depth"),
        (b'{"a": "\x00"}', "is not valid JSON"),
        (b'{"a": "\\u0000"}', "(NUL) character"),
    ],
    ids=["empty", "list", "null", "truncated", "utf16", "10mb", "deep_text_config", "raw_nul", "nul_escape"],
)
def test_bad_files_are_refused_with_a_message(data, words):
    with pytest.raises(ConfigFileError) as err:
        read_config_bytes(data, what="config.json")
    assert words in str(err.value)


# ---------------------------------------------------------------- found by bench/fuzz.py, each now refused

_CT = {"quant_method": "compressed-tensors"}
#: id -> (fixture config, the fields the fuzz run changed to make the parser raise)
BUGS = {
    "heads_0": ("llama-3.1-8b", {"num_attention_heads": 0}),
    "decoder_sparse_step_0": ("qwen3-30b-a3b", {"decoder_sparse_step": 0}),
    "hidden_size_400_digits": ("llama-3.1-8b", {"hidden_size": 10**400}),
    "hidden_size_1e300": ("llama-3.1-8b", {"hidden_size": 1e300}),
    "experts_per_token_400_digits": ("qwen3-30b-a3b", {"num_experts_per_tok": 10**400}),
    "architectures_int": ("llama-3.1-8b", {"architectures": 5}),
    "compressed_tensors_group_int": ("llama-3.1-8b", {"quantization_config": {**_CT, "config_groups": {"g": 5}}}),
    "compressed_tensors_weights_str": (
        "llama-3.1-8b",
        {"quantization_config": {**_CT, "config_groups": {"g": {"weights": "x"}}}},
    ),
}


@pytest.mark.parametrize(("name", "changes"), BUGS.values(), ids=list(BUGS))
def test_hostile_config_ends_in_a_spec_or_a_refusal(name, changes):
    spec_or_refusal(config(name, **changes))


def test_a_5000_digit_number_is_a_config_file_error():
    text = (CONFIGS / "llama-3.1-8b" / "config.json").read_text()
    with pytest.raises(ConfigFileError):
        read_config_bytes(text[: text.rindex("}")] + ', "hidden_size": ' + "9" * 5000 + "}")


@pytest.mark.parametrize(
    "sample",
    [CONFIGS.parent / "benchmarks" / "vllm_serve_result_pr18566.json", fuzz.SHARED_LLAMA / "rtx4080_b5163.jsonl"],
    ids=["vllm_json", "llama_bench_jsonl"],
)
def test_a_5000_digit_number_in_a_benchmark_upload_is_refused(sample, tmp_path):
    """The same limit on the upload path (found with the config case): import_file raises instead of refusing."""
    from measurements.service import import_file
    from store.db import create_db_engine
    from store.migrate import prepare_database

    engine = create_db_engine(f"sqlite:///{tmp_path / 'u.db'}")
    prepare_database(engine)
    data = sample.read_bytes().rstrip()
    result = import_file(data[:-1] + b', "zz": ' + b"9" * 5000 + b"}", sample.name, engine=engine)
    assert not result.imported and "digits" in result.message


# ---------------------------------------------------------------- a fixed-seed config fuzz run


@pytest.fixture(scope="module")
def config_run(tmp_path_factory) -> fuzz.FuzzReport:
    """400 mutated configs through the parser, 150 through the page's and the CLI's upload path, the targeted set."""
    rng = random.Random(18)
    report = fuzz.FuzzReport(seed=18)
    store = fuzz.Store(tmp_path_factory.mktemp("cfg"))
    fz, check = fuzz.Fuzzer(store, report), fuzz.ConfigCheck(store)
    for name, obj, data in fuzz.targeted_configs(rng):
        if obj is not None:
            fz.config("model_config", name, lambda obj=obj: check.parse(obj), 0)
        if data is not None:
            fz.config("config_upload", name, lambda d=data: check.upload(d, "t"), len(data))
    for name, obj in fuzz.mutated_configs(400, rng):
        fz.config("model_config", name, lambda obj=obj: check.parse(obj), 0)
    for name, obj in fuzz.mutated_configs(150, rng):
        data = fuzz.config_bytes(obj, rng)
        fz.config("config_upload", name, lambda d=data: check.upload(d, "t"), len(data))
    store.engine.dispose()
    return report


def test_config_run_covers_accepted_and_refused_configs(config_run):
    kinds = config_run.by_kind()
    for kind in ("model_config", "config_upload"):
        assert kinds[kind]["accepted"] > 20 and kinds[kind]["refused"] > 20, kinds


def test_config_run_leaves_the_store_unchanged_after_every_refusal(config_run):
    assert config_run.store_changes == []


def test_config_run_cases_stay_under_the_time_and_memory_targets(config_run):
    assert [c.name for c in config_run.cases if c.seconds > fuzz.SLOW_S] == []
    assert [c.name for c in config_run.cases if (c.peak_mb or 0) > fuzz.MEMORY_LIMIT_MB] == []


def test_config_run_has_no_unhandled_exception(config_run):
    assert [(c.name, c.detail) for c in config_run.unhandled] == []


def test_a_5000_digit_number_in_a_probe_report_is_refused_by_name():
    from probes.report import ProbeReportError, load_report

    with pytest.raises(ProbeReportError, match="5,000 digits.*max_int_digits"):
        load_report('{"schema_version": ' + "9" * 5000 + "}")
