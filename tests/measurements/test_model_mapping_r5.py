"""Model names from the evidence corpus -> catalog ids (issues 13/14), through the importers' ``Resolver``.

Each case is a ``model_raw`` as a corpus CSV writes it, with the names, llama-bench parameter count and
architecture that ``bench/validation/corpus.py`` passes for it. ``None`` means the name must stay unmapped: the
catalog lacks that model, and a model of the same size or shape is not it (a fine-tune, a coder variant).
"""

from __future__ import annotations

import pytest

from advisor.context import default_context
from bench.validation.corpus import _ARCH_SIZE, model_names
from measurements.normalize import Resolver, model_key

RESOLVER = Resolver(default_context())


def _resolve(raw: str, params_b: float | None = None):
    arch = _ARCH_SIZE.match(raw)
    return RESOLVER.model(model_names(raw), params_b * 1e9 if params_b else None, arch.group(1) if arch else "")


@pytest.mark.parametrize(
    ("raw", "params_b", "expected"),
    [
        # new catalog models
        ("LLaMA v3 70B", None, "llama-3-70b"),
        ("llama 70B Q4_K - Medium (Meta-Llama-3-70B ggml-model-Q4_K_M.gguf)", 70.55, "llama-3-70b"),
        ("llama 70B F16 (Meta-Llama-3-70B ggml-model-F16.gguf)", 70.55, "llama-3-70b"),
        ("ggml-org/GLM-4.7-Flash-GGUF (Q8_0)", None, "glm-4.7-flash"),
        ("deepseek2 30B.A3B Q8_0 (ggml-org/GLM-4.7-Flash-GGUF)", 29.94, "glm-4.7-flash"),
        ("deepseek2 30B.A3B BF16 (GLM-4.7-Flash-BF16-00001-of-00002)", 29.94, "glm-4.7-flash"),
        ("deepseek2 30B.A3B Q8_0 (GLM-4.7-Flash-UD-Q8_K_XL)", 29.94, "glm-4.7-flash"),
        ("cyankiwi/Qwen3.6-27B-AWQ-INT4", None, "qwen3.6-27b"),
        # the file names Llama 3 8B: not the longer-context 3.1 that the size alone picks
        ("llama 8B Q4_K - Medium (Meta-Llama-3-8B ggml-model-Q4_K_M.gguf)", 8.03, "llama-3-8b"),
        # format words after the name
        ("Llama 3.3 70B FP4", None, "llama-3.3-70b"),
        ("Llama 3.3 70B FP8", None, "llama-3.3-70b"),
        ("Llama 4 Maverick FP8", None, "llama-4-maverick-17b-128e"),
        # a device name after " - "
        ("LLaMA v3.3 70B - RTX 6000 Pro Blackwell Server Edition", None, "llama-3.3-70b"),
        # ollama tags
        ("ollama llama2:13b", None, "llama-2-13b"),
        ("ollama llama2:13b-chat-q4_0", None, "llama-2-13b"),
        # a generic llama.cpp file name: the size and architecture decide (unchanged)
        ("llama 8B Q4_K - Medium (ggml-model-Q4_K_M.gguf)", 8.03, "llama-3.1-8b"),
        # must stay unmapped
        ("ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF (Q8_0)", None, None),
        ("qwen2 7B Q8_0 (ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF)", 7.62, None),  # not qwen2.5-7b
        ("llama 70B Q4_K - Medium (shisa-v2-llama3.3-70b.i1-Q4_K_M.gguf)", 70.55, None),  # a fine-tune
        ("qwen3next 80B.A3B Q8_0 (Qwen3-Coder-Next-UD-Q8_K_XL-00001-of-00003)", 79.67, None),  # not Qwen3-Next
        ("llama 13B Q4_K - Medium (Mistral-Small-3.1-24B-Instruct-2503-UD-Q4_K_XL.gguf)", 13.0, None),
        ("llama 1B Q4_K - Medium (tinyllama-1.1b-1t-openorca.Q4_K_M.gguf)", 1.1, None),  # fine-tune, not the chat
        ("ollama deepseek-r1:14b", None, None),  # DeepSeek-R1-Distill-Qwen-14B, not DeepSeek-R1
        ("DeepSeek R1 14b (DeepSeek-R1-Distill-Qwen-14B-Q4_K_M.gguf)", None, None),
        ("LLaMA v3.3 70B - Medium", None, None),  # " - " not followed by a device
        ("llama_13b", None, None),  # LLaMA-1 or Llama 2: the name does not say
        ("Llama-30B", None, None),
    ],
)
def test_corpus_model_names(raw, params_b, expected):
    assert _resolve(raw, params_b).model_id == expected


def test_space_separated_format_words_are_stripped_like_hyphenated_ones():
    assert model_key("Llama 3.3 70B FP8") == model_key("Llama-3.3-70B-FP8") == "llama-3.3-70b"
    assert model_key("LLaMA v3 70B") == "llama-3-70b"


def test_an_unmapped_file_name_says_why():
    match = _resolve("llama 70B Q4_K - Medium (shisa-v2-llama3.3-70b.i1-Q4_K_M.gguf)", 70.55)
    assert match.model_id is None and "shisa-v2-llama3.3-70b" in match.reason
