"""The importers of the benchmark tools added after llama-bench, vLLM serve, lm-eval and the generic CSV: one
module per tool, each a pure parser with the same small interface, registered here in the order detection
tries them (``measurements.detect`` asks this registry after its own checks).

A tool module defines ``FORMATS`` (its source-format tokens), ``DESCRIPTION`` (what a user would upload, for
the "accepted formats" message), ``parse(text, source_format) -> ParsedFile``, ``normalize(record, ctx) ->
list[Measurement]``, and any of these sniffers, each returning one of its ``FORMATS`` or ``None``:

- ``sniff_json(data)``: a whole JSON document (an object or a list);
- ``sniff_jsonl(first_object)``: the first object of a JSON-lines file;
- ``sniff_csv(header, text)``: a CSV by its first row (and the text, for multi-section CSVs);
- ``sniff_text(text)``: any other text (console logs, summaries).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from measurements import (
    genai_perf,
    guidellm,
    llmperf,
    mlperf,
    optimum_benchmark,
    sglang_bench,
    trtllm_bench,
    vllm_nightly,
    vllm_offline,
)

TOOLS: tuple[ModuleType, ...] = (
    sglang_bench,
    genai_perf,
    guidellm,
    trtllm_bench,
    mlperf,
    llmperf,
    optimum_benchmark,
    vllm_offline,
    vllm_nightly,
)

FORMATS: tuple[str, ...] = tuple(fmt for tool in TOOLS for fmt in tool.FORMATS)
_BY_FORMAT: dict[str, ModuleType] = {fmt: tool for tool in TOOLS for fmt in tool.FORMATS}

#: One phrase per tool, for the message that lists what is accepted.
DESCRIPTIONS: tuple[str, ...] = tuple(tool.DESCRIPTION for tool in TOOLS)


def module_for(source_format: str) -> ModuleType | None:
    return _BY_FORMAT.get(source_format)


def _sniff(kind: str, *args: Any) -> str | None:
    for tool in TOOLS:
        sniffer = getattr(tool, kind, None)
        if sniffer is not None:
            found = sniffer(*args)
            if found:
                return found
    return None


def detect_json(data: Any) -> str | None:
    return _sniff("sniff_json", data)


def detect_jsonl(first: dict[str, Any]) -> str | None:
    return _sniff("sniff_jsonl", first)


def detect_csv(header: list[str], text: str) -> str | None:
    return _sniff("sniff_csv", header, text)


def detect_text(text: str) -> str | None:
    return _sniff("sniff_text", text)
