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
from measurements import generic_csv, importers, llama_bench, lm_eval, vllm_bench
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.serving import FILE_NAME_KEY
from measurements.tabular import load_json
from safeio.limits import load_json as bounded_load_json

SOURCE_FORMATS = (
    *llama_bench.FORMATS,
    *vllm_bench.FORMATS,
    *lm_eval.FORMATS,
    *generic_csv.FORMATS,
    *importers.FORMATS,
)

ACCEPTED = (
    "llama-bench output (-o csv, json, jsonl, md or sql), a vLLM benchmark result JSON or its console summary, "
    "an lm-evaluation-harness results JSON, "
    + ", ".join(importers.DESCRIPTIONS)
    + ", or a CSV in the generic schema (download the template)"
)

# Column names that say a CSV holds benchmark figures (a table someone derived from a tool's results).
_METRIC_COLUMN = re.compile(
    r"ttft|tpot|itl|latency|throughput|qps|(tok(en)?s?|req(uest)?s?)(/|[_ ]per[_ ])s(ec(ond)?)?\b", re.I
)

Normalizer = Callable[[RawRecord, ImportContext], list[Measurement]]


def _first_jsonl_object(text: str) -> dict | None:
    for line in text.splitlines():
        if line.strip():
            try:
                obj = bounded_load_json(line)  # a 1,000-level first line is refused, not recursed into
            except json.JSONDecodeError:
                return None
            return obj if isinstance(obj, dict) else None
    return None


def _csv_header(text: str) -> list[str]:
    text = text.lstrip()
    end = text.find("\n")
    first = text if end < 0 else text[:end]  # the first line only: no copy of a 35 MB body
    try:
        return [h.strip() for h in next(csv.reader(io.StringIO(first)))]
    except (StopIteration, csv.Error):
        return []


def _detect_json(data: object) -> str:
    first = data[0] if isinstance(data, list) and data else data
    if isinstance(first, dict):
        if llama_bench.looks_like_llama_bench(first.keys()):
            return "llama_bench_json"
        if lm_eval.looks_like_lm_eval(first):
            return "lm_eval_json"
    found = importers.detect_json(data)  # before vLLM serve: a GenAI-Perf JSON names the same figures
    if found:
        return found
    if isinstance(first, dict) and vllm_bench.looks_like_vllm(first):
        return "vllm_serve_json"
    if isinstance(data, list) and not data:
        raise UnreadableFile("the JSON is an empty list: no results in the file")
    raise UnreadableFile(f"JSON of an unknown shape ({_json_shape(data)}): expected {ACCEPTED}")


def _json_shape(data: object) -> str:
    """``"an object with keys a, b, c, ..."`` / ``"a list of 12 objects with keys ..."``: what the JSON looked like."""
    if isinstance(data, list):
        inner = data[0] if data else None
        kind = type(inner).__name__ if not isinstance(inner, dict) else "object"
        keys = f" with keys {_keys(inner)}" if isinstance(inner, dict) else ""
        return f"a list of {len(data)} {kind}(s){keys}"
    if isinstance(data, dict):
        return f"an object with keys {_keys(data)}"
    return f"a JSON {type(data).__name__}"


def _keys(obj: dict) -> str:
    keys = [str(k) for k in list(obj)[:8]]
    return ", ".join(keys) + (", ..." if len(obj) > 8 else "") if keys else "(none)"


def _first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= 80 else line[:77] + "..."


def detect_format(text: str, file_name: str = "") -> str:
    stripped = text.lstrip()
    head = stripped[:4096]
    not_json = ""
    if stripped.startswith(("{", "[")):
        lines = [ln for ln in stripped.splitlines() if ln.strip()]
        if stripped.startswith("{") and len(lines) > 1 and all(ln.lstrip().startswith("{") for ln in lines[:3]):
            obj = _first_jsonl_object(stripped)
            if obj is not None and lines[0].rstrip().endswith("}"):
                if llama_bench.looks_like_llama_bench(obj.keys()):
                    return "llama_bench_jsonl"
                found = importers.detect_jsonl(obj)  # SGLang's lines carry vLLM's key names too: asked first
                if found:
                    return found
                if vllm_bench.looks_like_vllm(obj):
                    return "vllm_serve_jsonl"
        try:
            data = load_json(stripped)  # raises a clear message for truncated or broken JSON
        except UnreadableFile as exc:
            if not stripped.startswith("["):
                raise UnreadableFile(f"{exc}; expected {ACCEPTED}") from exc
            not_json = str(exc)  # "[TRT-LLM] ..." and "[05/28/2025-...]" logs begin with "[": read on as text
        else:
            return _detect_json(data)
    if re.search(r"\bINSERT\s+INTO\b", head, re.I) or re.match(r"CREATE\s+TABLE", stripped, re.I):
        return "llama_bench_sql"
    header = _csv_header(head) if not not_json else []
    if len(header) > 1 and llama_bench.looks_like_llama_bench(header):
        return "llama_bench_csv"  # its header on line 1: no other tool's text patterns run over the whole file
    found = importers.detect_text(text)  # SGLang prints vLLM's banner: asked before the vLLM console check
    if found:
        return found
    if "Serving Benchmark Result" in text:
        return "vllm_serve_console"
    # a llama-bench table anywhere in the text: alone, or in a console log after other output and other tables
    for ln in stripped.splitlines() if re.search(r"^[ \t]*\|", stripped, re.M) else ():
        cells = ln.strip()
        if cells.startswith("|") and llama_bench.looks_like_llama_bench_md(
            [c.strip() for c in cells.strip("|").split("|")]
        ):
            return "llama_bench_md"
    header = _csv_header(stripped) if not not_json else []
    if len(header) > 1:
        if llama_bench.looks_like_llama_bench(header):
            return "llama_bench_csv"
        if generic_csv.looks_like_generic(header):
            return "generic_csv"
        found = importers.detect_csv(header, stripped)
        if found:
            return found
        shown = f"{', '.join(header[:8])}{', ...' if len(header) > 8 else ''}"
        figures = [h for h in header if _METRIC_COLUMN.search(h)]
        if figures:
            raise UnreadableFile(
                f"a CSV of benchmark figures ({', '.join(figures[:5])}{', ...' if len(figures) > 5 else ''}) that no "
                f"tool writes in this layout: it looks like a summary table derived from another tool's results "
                f"(header: {shown}). Import the tool's own output files, or map its columns to the generic schema "
                f"(hardware, model, format, engine and one column per metric: download the template). Accepted: "
                f"{ACCEPTED}"
            )
        raise UnreadableFile(
            f"a CSV whose header ({shown}) is neither llama-bench output nor the generic schema (needs hardware, "
            f"model and a metric column); expected {ACCEPTED}"
        )
    name = f" {file_name!r}" if file_name else ""
    if not_json and re.match(r"\[\s*[{\[]", stripped):  # a JSON array that breaks: say where, not "not JSON"
        raise UnreadableFile(f"{not_json}; expected {ACCEPTED}")
    if not_json:
        raise UnreadableFile(
            f"the file{name} begins with '[' but is not JSON ({not_json}), and its text is no known tool's console "
            f"output (first line: {_first_line(stripped)!r}); expected {ACCEPTED}"
        )
    raise UnreadableFile(f"unrecognized file{name} (text beginning {_first_line(stripped)!r}): expected {ACCEPTED}")


def parse_text(text: str, source_format: str, file_name: str = "") -> ParsedFile:
    """Read ``text`` with the parser of ``source_format``. ``file_name`` is handed to the tools whose files do not
    name the model (``measurements.serving.FILE_NAME_KEY``)."""
    tool = importers.module_for(source_format)
    if tool is not None:
        parsed = tool.parse(text, source_format)
        for record in parsed.records:
            record.fields[FILE_NAME_KEY] = file_name
        return parsed
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
    tool = importers.module_for(source_format)
    if tool is not None:
        return tool.normalize
    if source_format == "llama_bench_md":
        return llama_bench.normalize_md
    if source_format in llama_bench.FORMATS:
        return llama_bench.normalize
    if source_format in vllm_bench.FORMATS:
        return vllm_bench.normalize
    if source_format in lm_eval.FORMATS:
        return lm_eval.normalize
    return generic_csv.normalize
