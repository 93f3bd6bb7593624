"""Map what benchmark tools print to catalog ids: hardware -> SKU, model -> model id and size, quantization label
-> format id, engine name -> engine id, test name -> metric and lengths.

The names come from the data files (``aliases`` and ``name_patterns`` in ``advisor/data/formats.toml``, model
``aliases`` / releases / repos in ``advisor/data/models``, engine ``aliases``, SKU ``aliases``); a ``Resolver`` is
built from one ``advisor.context.Context`` and memoizes its answers for its own lifetime (one upload), so there is
no module-level cache to reset. Every lookup returns ``None`` when it can't decide; the caller keeps the text and
adds a flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from advisor.measurement import Metric
from advisor.models import attention_layer_count

if TYPE_CHECKING:
    from advisor.context import Context
    from advisor.models import ModelSpec

#: A llama-bench parameter count matches a catalog model of the same family within this fraction (Llama 2 70B,
#: 68.98B, and Llama 3.1 70B, 70.6B, are 2.3 % apart; llama.cpp counts every tensor, within ~0.5 % of the card).
PARAMS_MATCH_TOLERANCE = 0.015

# Labels that name a method but not the format: decided from the model name, else left unmapped.
NEEDS_CONTEXT = frozenset({"compressed-tensors", "compressed_tensors", "bitsandbytes", "gguf", "auto", "quark"})


def _label_key(label: str) -> str:
    """``"(guessed) mostly Q4_0"`` -> ``"q4_0"``: llama.cpp prefixes a file type it had to guess (llama_ftype_name)."""
    key = re.sub(r"\s+", " ", label.strip().lower()).removeprefix("(guessed) ")
    return key.removeprefix("mostly ").removeprefix("all ")


#: A GGUF label whose nominal bits per weight differ from the file's own (size x 8 / parameters) by more than this
#: fraction names another format. Real files differ from the nominal figure by less: token embeddings and output
#: kept at higher precision and per-model tensor mixes (Qwen3.5-122B-A10B Q5_K_M is 6.02 vs 5.70 nominal, GLM-4.6
#: Q4_K_M 4.57 vs 4.89, Llama-2-7B Q4_0 4.54 vs 4.50 in the fixtures), while a wrong label is off by a factor
#: (gpt-oss-120b "F16" is 4.48 bits per weight: its experts are MXFP4).
BPW_TOLERANCE = 0.35


def real_bits_per_weight(size_bytes: float | None, n_params: float | None) -> float | None:
    """Bits per weight of a weights file: its size in bytes x 8 / its parameter count (None when either is unknown)."""
    if not size_bytes or not n_params or size_bytes <= 0 or n_params <= 0:
        return None
    return size_bytes * 8.0 / n_params


def bits_per_weight_mismatch(nominal: float, real: float, tolerance: float = BPW_TOLERANCE) -> bool:
    """True when ``real`` is more than ``tolerance`` (relative) away from ``nominal``."""
    return abs(real - nominal) > tolerance * nominal


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
    def metric(self) -> Metric:
        """What llama-bench's tokens/s means for this test: pp = prefill, tg = decode, pp+tg = total tokens over the
        whole run (prompt + generated tokens / total time)."""
        if self.input_len and self.output_len:
            return Metric.TOTAL_TOK_S
        return Metric.PREFILL_TOK_S if self.input_len else Metric.DECODE_TOK_S


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
    if max(n, int(n2 or 0), d) > 2**53:  # not a token count (and over a database INTEGER): not a test name
        return None
    if m.group("kind").lower() == "tg":
        return TestShape(f"tg{n}", 0, n, d)
    if n2 is not None:
        return TestShape(f"pp{n}+tg{n2}", n, int(n2), d)
    return TestShape(f"pp{n}", n, 0, d)


# ---------------------------------------------------------------- models

_QUANT_TOKENS = re.compile(
    r"(?:[-_.](?:i?q\d(?:_[a-z0-9]+)*|f16|f32|bf16|fp16|fp8(?:[-_]dynamic|[-_]block)?|fp4|nvfp4(?:a16)?|mxfp4|awq|gptq"
    r"|int[48]|w\d+a\d+|quantized|gguf|mlx|\d+bit|bnb|nf4|marlin|dynamic|ptpc|static|kv|qat|ud|i1|imatrix))+$",
    re.I,
)
# release-date suffixes (yymm: Mistral's "-2503", Qwen's "-2507") name a re-release of the same shape
_SUFFIX_TOKENS = re.compile(r"(?:[-_.](?:instruct|chat|it|hf|base|v\d+(?:\.\d+)*|2[3-9][01]\d))+$", re.I)


def model_key(text: str) -> str:
    """A comparable key for a model name: ``Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf``,
    ``meta-llama/Llama-3.1-8B-Instruct`` and ``Llama 3.1 8B FP8`` all give ``llama-3.1-8b``."""
    name = text.strip().replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    name = re.sub(r"\s+", "-", name)  # "Llama 3.3 70B FP8": format words after a space are decorations too
    name = re.sub(r"\.(gguf|bin|safetensors|ggml)$", "", name, flags=re.I)
    name = re.sub(r"-\d{5}-of-\d{5}$", "", name)  # split GGUF shards
    for _ in range(3):
        name = _QUANT_TOKENS.sub("", name)
        name = _SUFFIX_TOKENS.sub("", name)
    name = name.lower().replace("_", "-").replace(" ", "-")
    name = re.sub(r"^meta-(?=llama)", "", name)
    name = re.sub(r"(?<=[a-z])-v(?=\d+(?:\.\d+)?-\d+(?:\.\d+)?[bm](?:-|$))", "-", name)  # "LLaMA v3.1 70B"
    name = re.sub(r"-+", "-", name).strip("-")
    return name


@dataclass(frozen=True, slots=True)
class ModelMatch:
    model_id: str | None
    params_b: float | None
    reason: str = ""  # why unmapped or ambiguous


def _name_tables(ctx: Context) -> tuple:
    """The catalog's names as lookup tables (read only: ``Resolver`` shares them between uploads)."""
    labels: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for fid, f in ctx.formats.items():
        labels[fid] = fid
        for alias in f.aliases:
            labels.setdefault(_label_key(alias), fid)
        patterns += [(re.compile(p, re.I), fid) for p in f.name_patterns]
    engines: dict[str, str] = {}
    for eid, e in ctx.engines.items():
        for name in (eid, e.name, *e.aliases):
            engines.setdefault(_engine_key(name), eid)
    model_keys: dict[str, tuple[str, float]] = {}
    families: list[tuple[str, str, float]] = []
    shapes: dict[str, tuple] = {}
    model_words: dict[str, frozenset[str]] = {}
    for spec in ctx.models.values():
        shapes[spec.id] = _shape(spec)
        value = (spec.id, float(spec.params_b))
        names = [spec.id, spec.name, spec.hf_repo, *spec.aliases, *(r.repo for r in spec.releases)]
        m = re.search(r"huggingface\.co/([^/\s]+/[^/\s#?]+)", spec.source)
        if m:
            names.append(m.group(1))
        for n in names:
            if n:
                model_keys.setdefault(model_key(n), value)
                model_keys.setdefault(n.strip().lower(), value)
        model_words[spec.id] = frozenset(w for n in names if n for w in _words(model_key(n)))
        families.append((_family_key(spec.family or spec.id), spec.id, float(spec.params_b)))
    return labels, patterns, engines, model_keys, families, shapes, model_words


class Resolver:
    """Names in benchmark files -> catalog ids, for one ``Context`` (see the module docstring)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        (
            self._labels,
            self._patterns,
            self._engines,
            self._model_keys,
            self._families,
            self._shapes,
            self._model_words,
        ) = ctx.derived("measurements.normalize name tables", lambda: _name_tables(ctx))  # built once per context
        self._memo: dict[tuple, object] = {}

    def _cached(self, key: tuple, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # -- formats -----------------------------------------------------------------------------------------------
    def format(self, label: str, context: str = "") -> str | None:
        """Format id for a quantization label; ``context`` (a model or file name) decides labels such as
        ``compressed-tensors`` that name a method rather than a format, and is used alone when the label is empty."""
        return self._cached(("format", label, context), lambda: self._format(label, context))

    def _format(self, label: str, context: str) -> str | None:
        key = _label_key(label)
        if key in self._labels:
            return self._labels[key]
        if key and key not in NEEDS_CONTEXT:
            return None
        return self.format_in_name(context) if context else None

    def format_bits(self, format_id: str | None) -> tuple[float, bool] | None:
        """(nominal bits per weight, variable bitrate?) of a catalog format; None when unknown."""
        f = self.ctx.formats.get(format_id) if format_id else None
        if f is None:
            return None
        return f.bits_per_weight, getattr(f, "bits_per_weight_range", None) is not None

    def format_in_name(self, name: str) -> str | None:
        """The format a checkpoint or file name carries (longest ``name_patterns`` match wins)."""
        name = name.replace("\\", "/").rsplit("/", 1)[-1]
        best: tuple[int, str] | None = None
        for pattern, fid in self._patterns:
            for m in pattern.finditer(name):
                if best is None or len(m.group(0)) > best[0]:
                    best = (len(m.group(0)), fid)
        return best[1] if best else None

    # -- engines -----------------------------------------------------------------------------------------------
    def engine(self, text: str) -> str | None:
        """Engine id for a name users type (``llama.cpp``, ``trt-llm``, ``vLLM``); None when unknown."""
        return self._engines.get(_engine_key(text)) if text else None

    # -- hardware ----------------------------------------------------------------------------------------------
    def hardware(self, text: str) -> str | None:
        """SKU id for a device name such as ``NVIDIA GeForce RTX 4080``; None if not in the catalog."""
        from hardware_db.match import match_name

        text = text.strip()
        if not text or self.ctx.catalog is None:
            return None
        return self._cached(("hw", text), lambda: match_name(text, self.ctx.catalog))

    def known_sku(self, sku_id: str) -> bool:
        return self.ctx.catalog is not None and sku_id in self.ctx.catalog.skus

    # -- models ------------------------------------------------------------------------------------------------
    def native_format(self, model_id: str) -> str | None:
        """The format a catalog model's weights are published in (``bf16`` for most), if it is a format id."""
        spec = self.ctx.models.get(model_id)
        value = spec.native_dtype if spec is not None else None
        return value if value in self.ctx.formats else None

    def model(self, names: tuple[str, ...], n_params: float | None = None, arch: str = "") -> ModelMatch:
        """Model id for the first of ``names`` that maps (file name, repo id, display name, or a model name inside
        one of them); failing that, a unique catalog model of the same family (``arch``, e.g. llama-bench's
        ``qwen2``) whose size is within PARAMS_MATCH_TOLERANCE (1.5 %) of ``n_params`` (a parameter count, not
        billions), unless a file or repo name among ``names`` names another model (``_names_another_model``)."""
        return self._cached(("model", names, n_params, arch), lambda: self._model(names, n_params, arch))

    def _name_variants(self, name: str) -> list[str]:
        """Other spellings of one name to look up: a device name after `` - `` dropped ("LLaMA v3.3 70B - RTX 6000
        Pro Blackwell Server Edition", only when the tail is a catalog device), an ollama tag without the word
        ``ollama`` and without its variant ("ollama llama2:13b-chat-q4_0" -> "llama2:13b"); the tags themselves are
        model ``aliases`` (``deepseek-r1:14b`` is a Qwen distill, not DeepSeek-R1)."""
        out = []
        head, sep, tail = name.rpartition(" - ")
        if sep and head.strip() and self.hardware(tail):
            out.append(head.strip())
        m = _OLLAMA_TAG.match(name)
        if m:
            out += [f"{m.group('name')}:{m.group('tag')}", f"{m.group('name')}:{m.group('size')}"]
        return out

    def _names_another_model(self, names: tuple[str, ...], model_id: str, arch: str) -> bool:
        """True when a name carries a word that none of ``model_id``'s names has ("shisa-v2-llama3.3-70b",
        "Qwen2.5-Coder-7B" next to qwen2.5-7b): the file names a model the catalog lacks, and a size alone must
        not map it to a sibling of the same size."""
        allowed = self._model_words.get(model_id, frozenset()) | _GENERIC_WORDS | set(_words(arch.lower()))
        for name in names:
            for word in re.split(r"[\s()\[\],]+", name or ""):
                # only names spelled as file or repo names: llama-bench's "MXFP4 MoE" or "Q4_K - Medium" is a type
                if re.search(r"[-_./]", word) and not set(_words(model_key(word))) <= allowed:
                    return True
        return False

    def _family_hits(self, arch: str, params_b: float) -> list[str]:
        """Catalog models of ``arch``'s family near ``params_b``: compared with the version digits first ("qwen2"
        is Qwen2.5, not Qwen3), then by letters alone ("deepseek2" is llama.cpp's name for the DeepSeek-V3 family)."""
        for keep_digits in (True, False):
            fam = _family_key(arch, keep_digits)
            hits = set()
            for family, mid, p in self._families:
                key = _family_key(family, keep_digits)
                if (
                    fam
                    and (key.startswith(fam) or fam.startswith(key))
                    and abs(p - params_b) <= PARAMS_MATCH_TOLERANCE * p
                ):
                    hits.add(mid)
            if hits:
                return sorted(hits)
        return []

    def _model(self, names: tuple[str, ...], n_params: float | None, arch: str) -> ModelMatch:
        params_b = n_params / 1e9 if n_params else None
        keys = self._model_keys
        if not keys:
            return ModelMatch(None, params_b, "model catalog not available")
        for name in names:
            if not name:
                continue
            for candidate in (name, *self._name_variants(name)):
                for key in (candidate.strip().lower(), model_key(candidate)):
                    if key in keys:
                        model_id, catalog_params = keys[key]
                        return ModelMatch(model_id, params_b or catalog_params)
        for name in names:  # a model name inside a longer text: "Meta-Llama-3-70B ggml-model-Q4_K_M.gguf"
            for word in _model_like_words(name or ""):
                if model_key(word) in keys:
                    model_id, catalog_params = keys[model_key(word)]
                    return ModelMatch(model_id, params_b or catalog_params)
        if params_b and arch:
            hits = [h for h in self._family_hits(arch, params_b) if not self._names_another_model(names, h, arch)]
            if len(hits) == 1:
                return ModelMatch(hits[0], params_b)
            if len({self._shapes[h][:-1] for h in hits}) == 1:
                # Releases of one shape (Llama 3 8B and 3.1 8B): every estimate is the same for either, so take
                # the one with the longest context (it covers any depth the file ran at).
                best = max(hits, key=lambda h: (self._shapes[h][-1], h))
                return ModelMatch(best, params_b)
            if len(hits) > 1:
                return ModelMatch(None, params_b, f"model ambiguous: {', '.join(hits)}")
        shown = next((n for n in names if n), "")
        return ModelMatch(None, params_b, f"model not in catalog: {shown!r}" if shown else "model not given")


#: ``ollama <name>:<size>[-variant]`` as ollama's own tags are written (``deepseek-r1:14b``, ``llama2:13b-chat-q4_0``)
_OLLAMA_TAG = re.compile(r"^\s*(?:ollama\s+)?(?P<name>[a-z][\w.-]*):(?P<tag>(?P<size>[\d.]+[bm])[\w.-]*)\s*$", re.I)

#: words in file names that name no model (llama.cpp's "ggml-model-Q4_K_M.gguf", ftype names such as "Q4_K - Medium")
_GENERIC_WORDS = frozenset({"ggml", "gguf", "model", "models", "mostly", "guessed", "medium", "small", "large"})


def _words(key: str) -> list[str]:
    """The words of three letters or more in a model key (``shisa-v2-llama3.3-70b`` -> shisa, llama)."""
    return re.findall(r"[a-z]{3,}", key)


def _model_like_words(text: str) -> list[str]:
    """Whitespace-separated parts of a longer text that look like a model name with a size in it
    (``Meta-Llama-3-70B`` in ``"Meta-Llama-3-70B ggml-model-Q4_K_M.gguf"``); a text of one word gives none."""
    parts = [p for p in re.split(r"[\s()\[\],]+", text) if p]
    if len(parts) < 2:
        return []
    return [
        p
        for p in parts
        if re.search(r"[a-z]{3,}", p, re.I) and re.search(r"[-_.]\d+(?:\.\d+)?[bm](?:$|[-_.])", p, re.I)
    ]


def _family_key(name: str, keep_digits: bool = True) -> str:
    return re.sub(r"[^a-z0-9]" if keep_digits else r"[^a-z]", "", name.lower())


def _shape(spec: ModelSpec) -> tuple:
    """What speed and memory estimates read from a model, with ``max_context`` last."""
    return (
        spec.n_layers,
        spec.hidden_size,
        spec.n_heads,
        spec.n_kv_heads,
        spec.head_dim,
        spec.intermediate_size,
        spec.vocab_size,
        spec.n_experts,
        spec.n_active_experts,
        spec.index_n_heads,  # DeepSeek-V3.2's sparse-attention indexer: not the V3 shape
        attention_layer_count(spec),  # hybrids (linear attention, Mamba) are not their dense siblings
        spec.max_context,
    )


def _engine_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.strip().lower())
