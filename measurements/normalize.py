"""Map what benchmark tools print to catalog ids: hardware -> SKU, model -> model id and size,
quantization label -> format id, test name -> metric and lengths.

Every mapper returns ``None`` when it can't decide; the caller keeps the text in a ``*_raw`` column
and adds a flag. Lookups are cached: a 100,000-row file has a handful of distinct names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from advisor.formats import FormatId

#: Format ids of advisor/data/formats.toml (the fixed list every engineer uses).
FORMAT_IDS: frozenset[str] = frozenset(f.value for f in FormatId)

ENGINE_IDS: frozenset[str] = frozenset(
    ["vllm", "tensorrt_llm", "sglang", "llama_cpp", "mlx", "transformers", "onnxruntime", "openvino"]
)

# Quantization labels as tools print them (lower-cased, spaces collapsed) -> format id.
# llama.cpp names come from llama_model_ftype_name() ("Q4_K - Medium"); vLLM names from
# its --quantization choices. Labels that need more context (compressed-tensors, bitsandbytes,
# gguf, modelopt variants) are resolved from the model name in ``match_format``.
_FORMAT_LABELS: dict[str, str] = {
    "f16": "fp16",
    "fp16": "fp16",
    "float16": "fp16",
    "half": "fp16",
    "bf16": "bf16",
    "bfloat16": "bf16",
    "q8_0": "gguf_q8_0",
    "q6_k": "gguf_q6_k",
    "q5_k - medium": "gguf_q5_k_m",
    "q5_k_m": "gguf_q5_k_m",
    "q4_k - medium": "gguf_q4_k_m",
    "q4_k_m": "gguf_q4_k_m",
    "q3_k - medium": "gguf_q3_k_m",
    "q3_k_m": "gguf_q3_k_m",
    "q2_k - medium": "gguf_q2_k",
    "q2_k": "gguf_q2_k",
    "iq2_xxs - 2.0625 bpw": "gguf_iq2_xxs",
    "iq2_xxs": "gguf_iq2_xxs",
    "iq4_xs - 4.25 bpw": "gguf_iq4_xs",
    "iq4_xs": "gguf_iq4_xs",
    "fp8": "fp8_w8a8",
    "fp8_w8a8": "fp8_w8a8",
    "fbgemm_fp8": "fp8_w8a8",
    "ptpc_fp8": "fp8_w8a8",
    "modelopt": "fp8_w8a8",  # vLLM: ModelOpt FP8 checkpoints
    "awq": "int4_awq_w4a16",
    "awq_marlin": "int4_awq_w4a16",
    "gptq": "int4_gptq_w4a16",
    "gptq_marlin": "int4_gptq_w4a16",
    "mxfp4": "mxfp4_w4a4",
    "nvfp4": "nvfp4_w4a4",
    "modelopt_fp4": "nvfp4_w4a4",
    "aqlm": "aqlm_2bit",
    "quip": "quip_sharp_2bit",
    "mlx_4bit": "mlx_4bit",
}
_FORMAT_LABELS.update({f: f for f in FORMAT_IDS})

# Labels that name a method but not the format: decided from the model name, else left unmapped.
NEEDS_CONTEXT = frozenset({"compressed-tensors", "compressed_tensors", "bitsandbytes", "gguf", "auto", "quark"})

# Checkpoint-name hints (RedHatAI / neuralmagic / Qwen naming), most specific first.
_NAME_HINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), f)
    for p, f in (
        (r"nvfp4a16|nvfp4[-_]?w4a16", "nvfp4_w4a16"),
        (r"nvfp4|fp4[-_]?w4a4", "nvfp4_w4a4"),
        (r"mxfp4", "mxfp4_w4a4"),
        (r"w4a8[-_.]?fp8|w4afp8", "int4_w4a8_fp8"),
        (r"fp8[-_.]?block", "fp8_w8a8_block"),
        (r"fp8[-_.]?w8a16|w8a16[-_.]?fp8", "fp8_w8a16"),
        (r"\bfp8\b|[-_.]fp8(?:[-_.]dynamic)?$|[-_.]fp8[-_.]", "fp8_w8a8"),
        (r"w8a8", "int8_w8a8"),
        (r"w8a16", "int8_w8a16"),
        (r"\bawq\b|[-_.]awq", "int4_awq_w4a16"),
        (r"gptq|w4a16|int4", "int4_gptq_w4a16"),
        (r"bnb[-_.]?4bit|nf4", "bnb_nf4"),
        (r"bnb[-_.]?8bit", "bnb_int8"),
        (r"q4_k_m", "gguf_q4_k_m"),
        (r"q5_k_m", "gguf_q5_k_m"),
        (r"q3_k_m", "gguf_q3_k_m"),
        (r"q6_k", "gguf_q6_k"),
        (r"q8_0", "gguf_q8_0"),
        (r"iq2_xxs", "gguf_iq2_xxs"),
        (r"iq4_xs", "gguf_iq4_xs"),
        (r"\bbf16\b|[-_.]bf16", "bf16"),
        (r"\bfp16\b|[-_.](?:fp|f)16\b", "fp16"),
    )
)


def _label_key(label: str) -> str:
    key = re.sub(r"\s+", " ", label.strip().lower())
    return key.removeprefix("mostly ").removeprefix("all ")


@lru_cache(maxsize=4096)
def match_format(label: str, context: str = "") -> str | None:
    """Format id for a quantization label; ``context`` (a model name or file name) decides labels
    such as ``compressed-tensors`` that name a method rather than a format, and is used alone
    when the label is empty."""
    key = _label_key(label)
    if key in _FORMAT_LABELS:
        return _FORMAT_LABELS[key]
    if key and key not in NEEDS_CONTEXT:
        return None
    if not context:
        return None
    name = context.rsplit("/", 1)[-1]
    for pattern, format_id in _NAME_HINTS:
        if pattern.search(name):
            return format_id
    return None


# ---------------------------------------------------------------- llama-bench model_type and tests

_MODEL_TYPE_RE = re.compile(r"^(?P<arch>\S+)\s+(?P<size>\?B|[\d.x]+[KMBT]|\S+[KMBT])\s+(?P<ftype>.+)$")


def split_model_type(model_type: str) -> tuple[str, str, str]:
    """``"qwen2 7B Q4_K - Medium"`` -> ``("qwen2", "7B", "Q4_K - Medium")``; old builds say
    ``"llama 7B mostly Q4_0"``. Unrecognized text -> ``("", "", model_type)``."""
    m = _MODEL_TYPE_RE.match(model_type.strip())
    if not m:
        return "", "", model_type.strip()
    ftype = m.group("ftype").strip()
    ftype = ftype.removeprefix("mostly ").removeprefix("all ")
    return m.group("arch"), m.group("size"), ftype


_TEST_RE = re.compile(r"^(?P<kind>pp|tg)\s*(?P<n>\d+)(?:\s*\+\s*tg\s*(?P<n2>\d+))?(?:\s*@\s*d\s*(?P<d>\d+))?$", re.I)


@dataclass(frozen=True, slots=True)
class TestShape:
    name: str  # pp512, tg128, pp512+tg128
    input_len: int
    output_len: int
    depth: int

    @property
    def metric(self) -> str:
        """Which column the throughput belongs in; ``combined`` for pp+tg (neither a prefill nor a decode rate)."""
        if self.input_len and self.output_len:
            return "combined"
        return "prefill_tok_s" if self.input_len else "decode_tok_s"


def test_from_counts(n_prompt: int, n_gen: int, n_depth: int = 0) -> TestShape | None:
    if n_prompt < 0 or n_gen < 0 or (n_prompt == 0 and n_gen == 0):
        return None
    if n_prompt and n_gen:
        name = f"pp{n_prompt}+tg{n_gen}"
    elif n_prompt:
        name = f"pp{n_prompt}"
    else:
        name = f"tg{n_gen}"
    return TestShape(name, n_prompt, n_gen, n_depth)


@lru_cache(maxsize=1024)
def parse_test_name(text: str) -> TestShape | None:
    """``pp512``, ``pp 512``, ``tg128``, ``pp512+tg128``, ``pp512 @ d4096`` -> shape; else None."""
    m = _TEST_RE.match(text.strip())
    if not m:
        return None
    n, n2, d = int(m.group("n")), m.group("n2"), int(m.group("d") or 0)
    if m.group("kind").lower() == "tg":
        return TestShape(f"tg{n}", 0, n, d)
    if n2 is not None:
        return TestShape(f"pp{n}+tg{n2}", n, int(n2), d)
    return TestShape(f"pp{n}", n, 0, d)


# ---------------------------------------------------------------- hardware


@lru_cache(maxsize=4096)
def match_hardware(text: str) -> str | None:
    """SKU id for a device name such as ``NVIDIA GeForce RTX 4080``; None if not in the catalog."""
    from hardware_db.match import match_name

    text = text.strip()
    return match_name(text) if text else None


def known_sku(sku_id: str) -> bool:
    from hardware_db.catalog import default_catalog

    return sku_id in default_catalog().skus


# ---------------------------------------------------------------- models

_QUANT_TOKENS = re.compile(
    r"(?:[-_.](?:i?q\d(?:_[a-z0-9]+)*|f16|f32|bf16|fp16|fp8(?:[-_]dynamic|[-_]block)?|fp4|nvfp4(?:a16)?|mxfp4|awq|gptq"
    r"|int[48]|w\d+a\d+|quantized|gguf|mlx|\d+bit|bnb|nf4|marlin|dynamic|ptpc|static))+$",
    re.I,
)
_SUFFIX_TOKENS = re.compile(r"(?:[-_.](?:instruct|chat|it|hf|base|v\d+(?:\.\d+)*))+$", re.I)


def model_key(text: str) -> str:
    """A comparable key for a model name: ``Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf`` and
    ``meta-llama/Llama-3.1-8B-Instruct`` both give ``llama-3.1-8b``."""
    name = text.strip().replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    name = re.sub(r"\.(gguf|bin|safetensors|ggml)$", "", name, flags=re.I)
    name = re.sub(r"-\d{5}-of-\d{5}$", "", name)  # split GGUF shards
    for _ in range(3):
        name = _QUANT_TOKENS.sub("", name)
        name = _SUFFIX_TOKENS.sub("", name)
    name = name.lower().replace("_", "-").replace(" ", "-")
    name = re.sub(r"^meta-(?=llama)", "", name)
    name = re.sub(r"-+", "-", name).strip("-")
    return name


@dataclass(frozen=True, slots=True)
class ModelMatch:
    model_id: str | None
    params_b: float | None
    reason: str = ""  # why unmapped or ambiguous


@lru_cache(maxsize=1)
def _model_index() -> tuple[dict[str, tuple[str, float]], list[tuple[str, str, float]]]:
    """(key -> (id, params_b), [(family key, id, params_b)]) from the model catalog."""
    from advisor.models import default_models

    specs = default_models().values()
    keys: dict[str, tuple[str, float]] = {}
    families: list[tuple[str, str, float]] = []
    for spec in specs:
        value = (spec.id, float(spec.params_b))
        names = [spec.id, spec.name]
        names += [r.repo for r in spec.releases]
        source = spec.source
        m = re.search(r"huggingface\.co/([^/\s]+/[^/\s#?]+)", source)
        if m:
            names.append(m.group(1))
        for n in names:
            if n:
                keys.setdefault(model_key(n), value)
                keys.setdefault(n.strip().lower(), value)
        families.append((re.sub(r"[^a-z]", "", (spec.family or spec.id).lower()), spec.id, float(spec.params_b)))
    return keys, families


@lru_cache(maxsize=256)
def native_dtype(model_id: str) -> str | None:
    """The format a catalog model's weights are published in (``bf16`` for most), if it is a format id."""
    from advisor.models import default_models

    spec = default_models().get(model_id)
    value = spec.native_dtype if spec is not None else None
    return value if value in FORMAT_IDS else None


def reset_caches() -> None:
    """Forget cached catalog lookups (tests that swap the catalog call this)."""
    for fn in (_model_index, match_hardware, match_model, match_format, native_dtype):
        fn.cache_clear()


@lru_cache(maxsize=4096)
def match_model(names: tuple[str, ...], n_params: float | None = None, arch: str = "") -> ModelMatch:
    """Model id for the first of ``names`` that maps (file name, repo id, display name); failing
    that, a unique catalog model of the same family (``arch``, e.g. llama-bench's ``qwen2``) whose
    size is within 3 % of ``n_params`` (a parameter count, not billions)."""
    params_b = n_params / 1e9 if n_params else None
    keys, families = _model_index()
    if not keys:
        return ModelMatch(None, params_b, "model catalog not available")
    for name in names:
        if not name:
            continue
        for key in (name.strip().lower(), model_key(name)):
            if key in keys:
                model_id, catalog_params = keys[key]
                return ModelMatch(model_id, params_b or catalog_params)
    if params_b and arch:
        fam = re.sub(r"[^a-z]", "", arch.lower())
        hits = sorted(
            {
                mid
                for f, mid, p in families
                if fam and (f.startswith(fam) or fam.startswith(f)) and abs(p - params_b) <= 0.03 * p
            }
        )
        if len(hits) == 1:
            return ModelMatch(hits[0], params_b)
        if len(hits) > 1:
            return ModelMatch(None, params_b, f"model ambiguous: {', '.join(hits)}")
    shown = next((n for n in names if n), "")
    return ModelMatch(None, params_b, f"model not in catalog: {shown!r}" if shown else "model not given")
