"""Name mapping: quantization labels, model names, test names, llama-bench model types."""

from __future__ import annotations

import pytest

from advisor.context import default_context
from measurements.normalize import Resolver, model_key, parse_test_name, split_model_type

RESOLVER = Resolver(default_context())
match_format, match_model, match_hardware = RESOLVER.format, RESOLVER.model, RESOLVER.hardware


@pytest.mark.parametrize(
    ("label", "context", "expected"),
    [
        ("Q4_K - Medium", "", "gguf_q4_k_m"),
        ("Q8_0", "", "gguf_q8_0"),
        ("F16", "", "fp16"),
        ("BF16", "", "bf16"),
        ("fp8", "", "fp8_w8a8"),
        ("awq", "", "int4_awq_w4a16"),
        ("awq_marlin", "", "int4_awq_w4a16"),
        ("gptq", "", "int4_gptq_w4a16"),
        ("mxfp4", "", "mxfp4_w4a4"),
        ("nvfp4", "", "nvfp4_w4a4"),
        ("modelopt_fp4", "", "nvfp4_w4a4"),
        ("IQ4_XS - 4.25 bpw", "", "gguf_iq4_xs"),
        ("mostly Q6_K", "", "gguf_q6_k"),
        ("Q4_K_M unknown-suffix-xyz", "", None),  # not a label any format lists: stays unmapped
        ("compressed-tensors", "", None),  # names a method, not a format
        ("compressed-tensors", "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8", "int8_w8a8"),
        ("compressed-tensors", "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16", "int4_gptq_w4a16"),
        ("compressed-tensors", "RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8-dynamic", "fp8_w8a8"),
        ("compressed-tensors", "RedHatAI/Llama-3.1-8B-Instruct-NVFP4", "nvfp4_w4a4"),
        ("", "Qwen/Qwen2.5-7B-Instruct-AWQ", "int4_awq_w4a16"),
        ("", "meta-llama/Llama-3.1-8B-Instruct", None),
    ],
)
def test_format_labels(label, context, expected):
    assert match_format(label, context) == expected


def test_labels_come_from_the_data_files():
    """A format's aliases and name patterns in formats.toml are what the resolver knows: a new alias needs no code."""
    formats = dict(default_context().formats)
    fp8 = formats["fp8_w8a8"]
    formats["fp8_w8a8"] = type(fp8)(**{**fp8.__dict__, "aliases": (*fp8.aliases, "my-tool-fp8")})
    resolver = Resolver(default_context().replace(formats=formats))
    assert resolver.format("My-Tool-FP8") == "fp8_w8a8"
    assert RESOLVER.format("my-tool-fp8") is None


def test_the_longest_name_pattern_wins():
    assert RESOLVER.format_in_name("Qwen3-8B-FP8-block") == "fp8_w8a8_block"
    assert RESOLVER.format_in_name("Llama-3.1-8B-Instruct-FP8") == "fp8_w8a8"
    assert RESOLVER.format_in_name("Llama-3.1-8B-Instruct-NVFP4A16") == "nvfp4_w4a16"


@pytest.mark.parametrize(
    ("name", "engine"),
    [
        ("llama.cpp", "llama_cpp"),
        ("llama_cpp", "llama_cpp"),
        ("vLLM", "vllm"),
        ("trt-llm", "tensorrt_llm"),
        ("TensorRT-LLM", "tensorrt_llm"),
        ("mlx-lm", "mlx"),
        ("nonsense", None),
    ],
)
def test_engine_names_users_type(name, engine):
    assert RESOLVER.engine(name) == engine


@pytest.mark.parametrize(
    "name",
    [
        "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
        "meta-llama/Llama-3.1-8B-Instruct",
        "models/Llama-3.1-8B-Instruct-f16.gguf",
    ],
)
def test_model_names_to_llama_31_8b(name):
    assert model_key(name) == "llama-3.1-8b"
    match = match_model((name,))
    assert match.model_id == "llama-3.1-8b"
    assert match.params_b == pytest.approx(8.03, abs=0.01)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("LLaMA v3.1 70B", "llama-3.1-70b"),  # MLPerf / TensorRT-LLM tables write a "v" before the version
        ("amd/Llama-3.1-70B-Instruct-FP8-KV", "llama-3.1-70b"),  # AMD Quark: FP8 weights and KV cache
        ("ggml-org/gemma-3-4b-it-qat-GGUF", "gemma-3-4b"),  # Google's QAT release
        ("gemma-3-12b-it-UD-Q8_K_XL", "gemma-3-12b"),  # unsloth dynamic quant
        ("shisa-v2-llama3.3-70b.i1-Q4_K_M.gguf", "shisa-v2-llama3.3-70b"),  # imatrix quant; a fine-tune keeps its name
        ("Mistral-Small-3.1-24B-Instruct-2503-UD-Q4_K_XL.gguf", "mistral-small-3.1-24b"),  # yymm release suffix
        ("Llama-4-Scout-17B-16E-Instruct-UD-Q4_K_XL-00001-of-00002.gguf", "llama-4-scout-17b-16e"),
        ("Qwen2.5-72B", "qwen2.5-72b"),  # a size is not a release date
    ],
)
def test_model_key_strips_release_and_quant_decorations(name, key):
    assert model_key(name) == key


def test_llama_bench_model_type_and_size_pick_the_model():
    arch, size, ftype = split_model_type("llama 8B Q4_K - Medium")
    assert (arch, size, ftype) == ("llama", "8B", "Q4_K - Medium")
    match = match_model(("llama 8B Q4_K - Medium",), 8_030_261_248, arch)
    # Llama 3 8B and 3.1 8B have one shape: the estimate is the same either way, the longer context wins.
    assert (match.model_id, match.params_b) == ("llama-3.1-8b", pytest.approx(8.030261248))
    # 3.1 70B and 3.3 70B: same shape and context, so the later release id is taken (deterministic).
    assert match_model(("llama 8B Q4_K - Medium",), 70.6e9, "llama").model_id == "llama-3.3-70b"
    # Same family and size but different shapes stay ambiguous rather than guessed.
    gemma = match_model(("gemma 27B",), 27.3e9, "gemma")
    assert gemma.model_id is None and gemma.reason == "model ambiguous: gemma-2-27b, gemma-3-27b"
    unknown = match_model(("mystery 3B Q4_0",), 3.1e9, "mystery")
    assert unknown.model_id is None and unknown.reason == "model not in catalog: 'mystery 3B Q4_0'"


def test_llama_bench_arch_version_digits_pick_the_family():
    # llama.cpp prints "qwen2" for Qwen2.5 and "qwen3" for Qwen3: both have a ~14.8B model
    assert RESOLVER.model(("",), 14.77e9, "qwen2").model_id == "qwen2.5-14b"
    assert RESOLVER.model(("",), 14.77e9, "qwen3").model_id == "qwen3-14b"
    # no family with the digits: letters alone ("deepseek2" is llama.cpp's DeepSeek-V3 architecture)
    ds = RESOLVER.model(("",), 671e9, "deepseek2")
    # V3/R1 and V3.2 differ by V3.2's sparse-attention indexer: a different estimate, so not guessed
    assert ds.model_id is None and "deepseek-v3.2" in ds.reason and "deepseek-v3" in ds.reason


def test_split_old_model_type():
    assert split_model_type("llama 7B mostly Q4_0") == ("llama", "7B", "Q4_0")
    assert split_model_type("qwen3moe 30B.A3B Q4_K - Medium")[2] == "Q4_K - Medium"


@pytest.mark.parametrize(
    ("text", "name", "input_len", "output_len", "depth", "metric"),
    [
        ("pp512", "pp512", 512, 0, 0, "prefill_tok_s"),
        ("pp 1024", "pp1024", 1024, 0, 0, "prefill_tok_s"),
        ("tg128", "tg128", 0, 128, 0, "decode_tok_s"),
        ("tg 16", "tg16", 0, 16, 0, "decode_tok_s"),
        ("pp512+tg128", "pp512+tg128", 512, 128, 0, "total_tok_s"),
        ("pp512 @ d4096", "pp512", 512, 0, 4096, "prefill_tok_s"),
        ("tg128 @ d512", "tg128", 0, 128, 512, "decode_tok_s"),
    ],
)
def test_test_names(text, name, input_len, output_len, depth, metric):
    shape = parse_test_name(text)
    assert (shape.name, shape.input_len, shape.output_len, shape.depth, shape.metric) == (
        name,
        input_len,
        output_len,
        depth,
        metric,
    )


def test_unknown_test_name():
    assert parse_test_name("warmup") is None


def test_hardware_names():
    assert match_hardware("NVIDIA GeForce RTX 4080") == "rtx_4080"
    assert match_hardware("NVIDIA H100 80GB HBM3") == "h100_sxm5_80gb"
    assert match_hardware("Commodore 64") is None
    assert match_hardware("") is None
