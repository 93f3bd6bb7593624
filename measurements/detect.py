"""Which tool wrote this file? Decided from the content (the file name only breaks ties).

``detect_format(text, file_name)`` returns one of ``SOURCE_FORMATS`` or raises ``UnreadableFile``
with a message that lists what is accepted. ``parse_text`` reads the file with the matching parser.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable

from advisor.measurement import Measurement
from measurements import generic_csv, llama_bench, lm_eval, vllm_bench
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.tabular import load_json

SOURCE_FORMATS = (*llama_bench.FORMATS, *vllm_bench.FORMATS, *lm_eval.FORMATS, *generic_csv.FORMATS)

ACCEPTED = (
    "llama-bench output (-o csv, json, jsonl, md or sql), a vLLM benchmark result JSON or its console summary, "
    "an lm-evaluation-harness results JSON, or a CSV in the generic schema (download the template)"
)

Normalizer = Callable[[RawRecord, ImportContext], list[Measurement]]


def _first_jsonl_object(text: str) -> dict | None:
    for line in text.splitlines():
        if line.strip():
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                return None
            return obj if isinstance(obj, dict) else None
    return None


def _csv_header(text: str) -> list[str]:
    first = text.lstrip().split("\n", 1)[0]
    try:
        return [h.strip() for h in next(csv.reader(io.StringIO(first)))]
    except (StopIteration, csv.Error):
        return []


def detect_format(text: str, file_name: str = "") -> str:
    stripped = text.lstrip()
    head = stripped[:4096]
    if stripped.startswith(("{", "[")):
        lines = [ln for ln in stripped.splitlines() if ln.strip()]
        if stripped.startswith("{") and len(lines) > 1 and all(ln.lstrip().startswith("{") for ln in lines[:3]):
            obj = _first_jsonl_object(stripped)
            if obj is not None and lines[0].rstrip().endswith("}"):
                if llama_bench.looks_like_llama_bench(obj.keys()):
                    return "llama_bench_jsonl"
                if vllm_bench.looks_like_vllm(obj):
                    return "vllm_serve_jsonl"
        data = load_json(stripped)  # raises a clear message for truncated or broken JSON
        first = data[0] if isinstance(data, list) and data else data
        if isinstance(first, dict):
            if llama_bench.looks_like_llama_bench(first.keys()):
                return "llama_bench_json"
            if lm_eval.looks_like_lm_eval(first):
                return "lm_eval_json"
            if vllm_bench.looks_like_vllm(first):
                return "vllm_serve_json"
        if isinstance(data, list) and not data:
            raise UnreadableFile("the JSON is an empty list: no results in the file")
        raise UnreadableFile(f"JSON of an unknown shape: expected {ACCEPTED}")
    if re.search(r"\bINSERT\s+INTO\b", head, re.I) or re.match(r"CREATE\s+TABLE", stripped, re.I):
        return "llama_bench_sql"
    if "Serving Benchmark Result" in text:
        return "vllm_serve_console"
    table_lines = [ln.strip() for ln in stripped.splitlines()[:50] if ln.strip().startswith("|")]
    if table_lines:
        header = [c.strip() for c in table_lines[0].strip("|").split("|")]
        if llama_bench.looks_like_llama_bench_md(header):
            return "llama_bench_md"
    header = _csv_header(stripped)
    if len(header) > 1:
        if llama_bench.looks_like_llama_bench(header):
            return "llama_bench_csv"
        if generic_csv.looks_like_generic(header):
            return "generic_csv"
        raise UnreadableFile(
            f"a CSV whose header ({', '.join(header[:8])}{', ...' if len(header) > 8 else ''}) is neither llama-bench "
            f"output nor the generic schema (needs hardware, model and a metric column); expected {ACCEPTED}"
        )
    name = f" {file_name!r}" if file_name else ""
    raise UnreadableFile(f"unrecognized file{name}: expected {ACCEPTED}")


def parse_text(text: str, source_format: str) -> ParsedFile:
    if source_format in llama_bench.FORMATS:
        return llama_bench.parse(text, source_format)
    if source_format in vllm_bench.FORMATS:
        return vllm_bench.parse(text, source_format)
    if source_format in lm_eval.FORMATS:
        return lm_eval.parse(text, source_format)
    if source_format in generic_csv.FORMATS:
        return generic_csv.parse(text, source_format)
    raise ValueError(f"unknown source format {source_format!r}")


def normalizer_for(source_format: str) -> Normalizer:
    if source_format == "llama_bench_md":
        return llama_bench.normalize_md
    if source_format in llama_bench.FORMATS:
        return llama_bench.normalize
    if source_format in vllm_bench.FORMATS:
        return vllm_bench.normalize
    if source_format in lm_eval.FORMATS:
        return lm_eval.normalize
    return generic_csv.normalize
