"""Helpers shared by the importers of serving and throughput benchmarks (SGLang, GenAI-Perf/AIPerf, GuideLLM,
trtllm-bench, MLPerf, LLMPerf, optimum-benchmark, vLLM latency/throughput): the record's identity (hardware,
model, format, engine), the load it was run under, and the measurements of the figures that hold a number.

Every module that uses these stays a pure parser: text in, ``RawRecord`` values out, then ``Measurement``
values through ``measurements.rowbuild``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from advisor.measurement import Load, Measurement, Metric, Statistic
from measurements.fields import FieldError
from measurements.rowbuild import (
    Fields,
    ImportContext,
    assume_native_format,
    measurements_from,
    set_engine,
    set_format,
    set_hardware,
    set_model,
)

#: Record key that carries the uploaded file's name (set by ``measurements.detect.parse_text``): the last place a
#: model name is looked for, since several tools (SGLang ``bench_serving``, MLPerf loadgen) do not record it.
FILE_NAME_KEY = "_file_name"

Value = tuple[Metric, Any, Statistic]
_SIXTEEN_BIT_KV = frozenset({"", "auto", "none", "bf16", "fp16", "bfloat16", "float16", "half"})


#: The summary block vLLM's ``benchmark_serving`` / ``vllm bench serve`` and SGLang's ``bench_serving`` (derived from
#: it) print: a banner, ``label: value`` lines, a closing ``====`` rule.
RESULT_BANNER = re.compile(r"=+\s*Serving Benchmark Result\s*=+")
RESULT_LINE = re.compile(r"^\s*([^:]+?)\s*:\s*(\S.*?)\s*$")
RESULT_RULE = re.compile(r"\s*=+\s*")


class ResultBlocks:
    """Reads the summary blocks of a serving-benchmark console log line by line: ``feed`` returns True when the
    line belonged to a block (a banner opens a record seeded with the arguments seen so far, ``label: value``
    lines mapped by ``keys`` fill it, a rule closes it), so the caller handles only its own command lines."""

    def __init__(self, out, keys: dict[str, str]) -> None:
        self.out, self.keys = out, keys
        self.current: dict[str, Any] | None = None

    def feed(self, lineno: int, line: str, args: dict[str, str]) -> bool:
        from measurements.records import RawRecord

        if RESULT_BANNER.search(line):
            self.current = {f"args.{k}": v for k, v in args.items()}
            self.out.records.append(RawRecord(lineno, self.current))
            return True
        if self.current is None:
            return False
        if RESULT_RULE.fullmatch(line):
            self.current = None
            return True
        m = RESULT_LINE.match(line)
        if m and (key := self.keys.get(m.group(1).strip().lower())):
            self.current[key] = m.group(2)
        return True


_DEVICE_COUNT = re.compile(r"^\s*(\d+)\s*[x\u00d7]\s*(?=\S)", re.I)


def split_device_count(text: str) -> tuple[str, int | None]:
    """(device name, count) from a device text that leads with a count, as benchmark metadata writes it:
    ``4xNVIDIA_L40S`` -> ("NVIDIA_L40S", 4), ``8x H200`` -> ("H200", 8); text without one -> (text, None)."""
    text = (text or "").strip()
    m = _DEVICE_COUNT.match(text)
    if not m or int(m.group(1)) < 1:
        return text, None
    return text[m.end() :].strip(), int(m.group(1))


def per_request(total: float | None, requests: float | None) -> int | None:
    """Mean tokens per request from a run's token total (``total_input_tokens / completed``); None when unknown."""
    return round(total / requests) if requests and total is not None else None


def number(value: Any) -> float | None:
    """A finite float from a JSON number or numeric text (``"1,146.31"`` as GenAI-Perf writes it); else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        out = float(value)
    else:
        text = str(value).strip().replace(",", "")
        try:
            out = float(text)
        except ValueError:
            return None
    return out if math.isfinite(out) else None


def split_values(values: list[Value]) -> tuple[list[Value], dict[str, float]]:
    """Keep the figures that can be stored (a positive number); return the others by name so the record says what
    was left out (a prefill-only run prints ``Mean ITL (ms): 0.00``, a clock glitch ``-0.00``)."""
    kept: list[Value] = []
    skipped: dict[str, float] = {}
    for metric, value, stat in values:
        if value is None:
            continue
        if value <= 0:
            skipped[f"{stat.value or 'value'} {metric.value}"] = value
            continue
        kept.append((metric, value, stat))
    return kept, skipped


def load_of(
    concurrency: Any, rate: Any, flags: list[str], *, default: Load | None = None
) -> tuple[Load, int | None, float | None]:
    """(load, batch, request_rate) from a concurrency cap and a request rate as a tool records them: a cap ->
    CONCURRENT; rate ``inf`` -> MAX_LOAD; a finite rate -> RATE. ``default`` is used when neither is given."""
    conc = number(concurrency)
    if conc is not None and conc >= 1:
        if conc != int(conc):
            raise FieldError("concurrency", f"expected a whole number of requests in flight, got {concurrency!r}")
        return Load.CONCURRENT, int(conc), None
    text = "" if rate is None else str(rate).strip().lower()
    if text in ("inf", "infinity"):
        return Load.MAX_LOAD, None, None
    value = number(rate)
    if value is None and isinstance(rate, float) and math.isinf(rate):
        return Load.MAX_LOAD, None, None
    if value is not None and value > 0:
        return Load.RATE, None, value
    if default is not None:
        return default, None, None
    flags.append("load not recorded (no concurrency and no request rate): every request at once assumed")
    return Load.MAX_LOAD, None, None


def model_from_file_name(rec: dict[str, Any], ctx: ImportContext) -> str:
    """The uploaded file's name without its extension, when it names a catalog model (else "")."""
    name = str(rec.get(FILE_NAME_KEY) or "")
    stem = re.sub(r"\.(jsonl?|csv|txt|log|md|ya?ml)$", "", name.rsplit("/", 1)[-1], flags=re.I)
    if not stem:
        return ""
    # Try every run of the name's tokens: "datacrunch_h200_llama_3_3_70b_online_output" -> "llama-3.3-70b" ...
    tokens = [t for t in re.split(r"[-_\s]+", stem) if t]
    for size in range(min(len(tokens), 6), 0, -1):
        for start in range(len(tokens) - size + 1):
            chunk = "-".join(tokens[start : start + size])
            if not re.search(r"\d", chunk):
                continue  # "deepseek" alone names a family, not a model: a size or version must be there
            # a version's minor digit, not the size after it: llama-3-3-70b -> llama-3.3-70b, qwen2-5-7b -> qwen2.5-7b
            dotted = re.sub(r"(?<=\d)-(?=\d+(?:-|$))", ".", chunk)
            spaced = re.sub(r"(?<=[a-z])(?=\d)", "-", chunk, flags=re.I)  # llama2-70b -> llama-2-70b
            for candidate in (chunk, dotted, spaced):
                if ctx.resolver.model((candidate,)).model_id is not None:
                    return candidate
    return ""


def identity(
    rec: dict[str, Any],
    ctx: ImportContext,
    *,
    engine: str,
    engine_version: str = "",
    models: tuple[str, ...] = (),
    device: str = "",
    format_label: str = "",
    kv_label: str = "",
) -> tuple[Fields, list[str]]:
    """The record's identity fields and flags. ``models`` are the names the file gives (first that maps wins);
    when it gives none the file name is tried, and when that fails too the model is "not given" (flagged)."""
    fields: Fields = {}
    flags: list[str] = []
    set_engine(fields, flags, engine, ctx)
    fields["engine_version"] = engine_version
    set_hardware(fields, flags, device, ctx)
    names = tuple(n for n in models if n)
    if not names:
        from_name = model_from_file_name(rec, ctx)
        if from_name:
            names = (from_name,)
            flags.append(f"model taken from the file name {rec.get(FILE_NAME_KEY)!r}: the file itself names none")
    set_model(fields, flags, names, ctx)
    context = names[0] if names else ""
    set_format(fields, flags, format_label, ctx, context)
    if not format_label and fields["format_id"] is not None:
        flags.append(f"format {fields['format_id']} inferred from the model name")
    elif not format_label:
        assume_native_format(fields, flags, ctx)
    if kv_label:
        key = kv_label.strip().lower()
        kv = ctx.resolver.format(f"kv_{key}")
        fields["kv_format"] = kv if kv and kv.startswith("kv_") else None
        if fields["kv_format"] is None and key not in _SIXTEEN_BIT_KV:
            flags.append(f"KV-cache format not in catalog: {kv_label!r}")
    return fields, flags


def build(
    fields: Fields,
    flags: list[str],
    values: list[Value],
    ctx: ImportContext,
    *,
    extra: dict[str, Any] | None = None,
    **common: Any,
) -> list[Measurement]:
    """One measurement per positive figure; figures that are zero or negative are listed in
    ``extra["not_stored"]`` rather than failing the record."""
    kept, skipped = split_values(values)
    extra = dict(extra or {})
    if skipped:
        extra["not_stored"] = skipped
    if not kept:
        raise FieldError(
            "",
            "no positive throughput or latency figure in the record"
            + (f" (zero or negative: {', '.join(skipped)})" if skipped else ""),
        )
    return measurements_from(fields, flags, kept, ctx, extra=extra, **common)
