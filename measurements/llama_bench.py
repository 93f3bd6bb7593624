"""llama.cpp ``llama-bench`` output in every ``-o`` format: csv, json, jsonl, md, sql.

Schemas seen in the wild (all handled):
- builds from 2023 (e.g. b1275): ``cuda``/``metal``/``gpu_blas``/``blas`` flags, ``f16_kv``, no ``backends``,
  no ``n_depth``; Markdown with a ``t/s`` column and tests written ``pp 512`` / ``tg 128``;
  model types like ``llama 7B mostly Q4_0``.
- 2025 builds (e.g. b5163): ``backends``, ``n_ubatch``, ``type_k``/``type_v``, ``n_depth``; later ``devices``,
  ``n_cpu_moe``, ``tensor_buft_overrides`` ...; Markdown tests ``pp512``, ``tg128``, ``pp512 @ d512``.
- forks add fields: everything not mapped to a column is kept in ``extra`` as given.
"""

from __future__ import annotations

import re
from typing import Any

from advisor.measurement import Load, Measurement
from measurements.fields import FieldError, get_datetime, get_float, get_int, get_str, is_blank
from measurements.normalize import TestShape, parse_test_name, split_model_type, test_from_counts
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import Fields, ImportContext, set_format, set_hardware, set_model
from measurements.tabular import (
    load_json,
    read_csv,
    read_json_objects,
    read_jsonl,
    read_markdown_table,
    read_sql_inserts,
)

FORMATS = ("llama_bench_csv", "llama_bench_json", "llama_bench_jsonl", "llama_bench_md", "llama_bench_sql")

# Fields that become columns; every other field goes to ``extra``.
_CONSUMED = frozenset(
    [
        "gpu_info",
        "model_filename",
        "model_type",
        "model_n_params",
        "n_prompt",
        "n_gen",
        "n_depth",
        "avg_ts",
        "stddev_ts",
        "model_size",
        "test_time",
        "build_commit",
        "build_number",
    ]
)
_MD_CONSUMED = frozenset(
    ["model", "params", "size", "backend", "test", "t/s", "build_commit", "build_number", "device_text"]
)

_BUILD_LINE = re.compile(r"^build:\s*([0-9a-f]+)\s*\((\d+)\)\s*$", re.M)
SIGNATURE_FIELDS = frozenset({"avg_ts", "n_prompt", "n_gen", "model_type"})


def looks_like_llama_bench(columns: list[str] | set[str]) -> bool:
    cols = set(columns)
    return "avg_ts" in cols and ("n_prompt" in cols or "n_gen" in cols)


def looks_like_llama_bench_md(columns: list[str]) -> bool:
    cols = {c.strip().lower() for c in columns}
    return "test" in cols and "t/s" in cols and "model" in cols


def parse(text: str, source_format: str) -> ParsedFile:
    if source_format == "llama_bench_csv":
        return read_csv(text, source_format)
    if source_format == "llama_bench_md":
        parsed = read_markdown_table(text, source_format)
        build = _BUILD_LINE.search(text)  # llama-bench prints "build: 8cf427ff (5163)" under the table
        if build:
            for rec in parsed.records:
                rec.fields.setdefault("build_commit", build.group(1))
                rec.fields.setdefault("build_number", build.group(2))
        return parsed
    if source_format == "llama_bench_sql":
        return read_sql_inserts(text, source_format)
    if source_format == "llama_bench_jsonl":
        return read_jsonl(text, source_format)
    if source_format == "llama_bench_json":
        data = load_json(text)
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list):
            raise UnreadableFile("expected a JSON array of llama-bench results")
        return read_json_objects(data, source_format)
    raise ValueError(source_format)


def _hardware_text(rec: dict[str, Any]) -> tuple[str, int | None, str | None]:
    """(device text, number of GPUs, flag). Multi-GPU builds list devices separated by ", "."""
    gpu_info = get_str(rec, "gpu_info")
    backends = get_str(rec, "backends")
    ngl = rec.get("n_gpu_layers")
    try:
        ngl_value = int(ngl) if not is_blank(ngl) and not isinstance(ngl, bool) else None
    except (TypeError, ValueError):
        ngl_value = None
    if gpu_info and ngl_value != 0 and backend_id(backends) != "cpu":
        names = [n.strip() for n in gpu_info.split(",") if n.strip()]
        distinct = sorted(set(names))
        text = distinct[0] if len(distinct) == 1 else gpu_info
        return text, len(names), None if len(distinct) == 1 else "mixed GPUs in gpu_info"
    cpu = get_str(rec, "cpu_info")
    flag = "n_gpu_layers = 0: measured on the CPU" if gpu_info and ngl_value == 0 else None
    return cpu, None, flag


#: llama.cpp backend names (``backends`` column, markdown ``backend``) -> backend id.
_BACKENDS = {
    "cuda": "cuda",
    "metal": "metal",
    "mtl": "metal",
    "vulkan": "vulkan",
    "rocm": "rocm",
    "hip": "rocm",
    "sycl": "sycl",
    "opencl": "opencl",
    "cpu": "cpu",
    "blas": "cpu",
    "cann": "cann",
    "musa": "musa",
    "rpc": "rpc",
}


def backend_id(text: str) -> str:
    """``"CUDA"`` -> ``cuda``, ``"Metal,BLAS"`` -> ``metal``, ``"CPU"`` / ``"BLAS"`` -> ``cpu``; the first
    accelerator backend named wins over CPU/BLAS."""
    names = [n.strip().lower() for n in (text or "").replace("+", ",").split(",") if n.strip()]
    ids = [_BACKENDS.get(n, n) for n in names]
    for bid in ids:
        if bid != "cpu":
            return bid
    return "cpu" if ids else ""


_IDENTITY_KEYS = (
    "gpu_info",
    "backends",
    "n_gpu_layers",
    "cpu_info",
    "model_filename",
    "model_type",
    "model_n_params",
    "model_size",
    "build_number",
    "build_commit",
)


def _identity(rec: dict[str, Any], ctx: ImportContext) -> tuple[Fields, list[str]]:
    """The fields that depend only on device, model and build (the same for every row of a sweep)."""
    n_params = get_float(rec, "model_n_params")
    model_type = get_str(rec, "model_type")
    model_file = get_str(rec, "model_filename")
    if not model_type and not model_file:
        raise FieldError("model_filename", "required value is missing (neither model_filename nor model_type given)")
    fields: Fields = {"engine": "llama_cpp", "backend": backend_id(get_str(rec, "backends"))}
    flags: list[str] = []
    build = get_str(rec, "build_number")
    commit = get_str(rec, "build_commit")
    fields["engine_version"] = " ".join(p for p in (f"b{build}" if build else "", f"({commit})" if commit else "") if p)
    hw_text, gpus, hw_flag = _hardware_text(rec)
    set_hardware(fields, flags, hw_text, ctx)
    if hw_flag:
        flags.append(hw_flag)
    fields["gpus"] = gpus or 1
    size = get_float(rec, "model_size")
    fields["model_size_gib"] = size / 2**30 if size else None
    arch, _size, ftype = split_model_type(model_type)
    set_model(fields, flags, (model_file, model_type), ctx, n_params, arch)
    set_format(fields, flags, ftype, ctx, model_file)
    return fields, flags


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    """One JSON/CSV/SQL record (the full schema) -> one measurement; raises FieldError for a bad value."""
    rec = record.fields
    avg_ts = get_float(rec, "avg_ts", required=True)
    if avg_ts == 0:
        raise FieldError("avg_ts", "throughput is 0 (the test did not run)")
    n_prompt = get_int(rec, "n_prompt", required=True)
    n_gen = get_int(rec, "n_gen", required=True)
    n_depth = get_int(rec, "n_depth") or 0
    shape = test_from_counts(n_prompt or 0, n_gen or 0, n_depth)
    if shape is None:
        raise FieldError("n_prompt", "n_prompt and n_gen are both 0: neither a prompt (pp) nor a generation (tg) test")
    stddev = get_float(rec, "stddev_ts")
    key = ("llama_bench", *(rec.get(k) for k in _IDENTITY_KEYS))
    try:
        ident = ctx.cache.get(key)
    except TypeError:  # a JSON list/object in an identity field: not memoizable, _identity names the field
        ident = _identity(rec, ctx)
    if ident is None:
        ident = ctx.cache[key] = _identity(rec, ctx)
    fields, flags = ident
    extra = {k: v for k, v in rec.items() if k not in _CONSUMED}
    return [_measurement(record.row, fields, flags, shape, avg_ts, stddev, ctx, get_datetime(rec, "test_time"), extra)]


def _measurement(
    row: int,
    fields: Fields,
    flags: list[str],
    shape: TestShape,
    tok_s: float,
    stddev: float | None,
    ctx: ImportContext,
    measured_at,
    extra: dict[str, Any],
) -> Measurement:
    return Measurement(
        metric=shape.metric,
        value=tok_s,
        **fields,
        batch=1,
        load=Load.STATIC,
        input_len=shape.input_len,
        output_len=shape.output_len,
        context_depth=shape.depth,
        stddev=stddev,
        source=ctx.source,
        row=row,
        label=ctx.label,
        measured_at=measured_at,
        notes=f"llama-bench {shape.name}" + (f" @ d{shape.depth}" if shape.depth else ""),
        flags=tuple(flags),
        extra=extra,
    )


_TS_RE = re.compile(r"^\s*([-+]?[\d.]+(?:e[-+]?\d+)?)\s*(?:±\s*([\d.]+(?:e[-+]?\d+)?))?\s*$", re.I)
_PARAMS_RE = re.compile(r"^\s*([\d.]+)\s*([KMBT])\s*$", re.I)
_SIZE_RE = re.compile(r"^\s*([\d.]+)\s*(GiB|MiB|GB|MB)\s*$", re.I)
_SCALE = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
_SIZE_GIB = {"gib": 1.0, "mib": 1 / 1024, "gb": 1e9 / 2**30, "mb": 1e6 / 2**30}


def normalize_md(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    """One Markdown table line: ``model | size | params | backend | ngl | test | t/s`` (+ any extra columns)."""
    rec = {k.strip(): v for k, v in record.fields.items()}
    cols = {k.lower(): k for k in rec}
    test_text = rec.get(cols.get("test", "test"), "")
    shape = parse_test_name(test_text or "")
    if shape is None:
        raise FieldError("test", f"expected a test such as pp512, tg128 or 'pp 512', got {test_text!r}")
    ts_text = rec.get(cols.get("t/s", "t/s"), "")
    m = _TS_RE.match(ts_text or "")
    if not m:
        raise FieldError("t/s", f"expected tokens/s such as '2368.80 ± 93.24', got {ts_text!r}")
    tok_s = float(m.group(1))
    if tok_s < 0:
        raise FieldError("t/s", f"negative value {tok_s:g} (a throughput can't be negative)")
    if tok_s == 0:
        raise FieldError("t/s", "throughput is 0 (the test did not run)")
    stddev = float(m.group(2)) if m.group(2) else None
    model_type = rec.get(cols.get("model", "model"), "").strip()
    if not model_type:
        raise FieldError("model", "required value is missing")
    n_params = None
    pm = _PARAMS_RE.match(rec.get(cols.get("params", "params"), "") or "")
    if pm:
        n_params = float(pm.group(1)) * _SCALE[pm.group(2).upper()]
    fields: Fields = {"engine": "llama_cpp", "backend": backend_id(rec.get(cols.get("backend", "backend"), ""))}
    flags: list[str] = []
    build, commit = rec.get("build_number", ""), rec.get("build_commit", "")
    fields["engine_version"] = f"b{build} ({commit})" if build else ""
    set_hardware(fields, flags, rec.get("device_text", ""), ctx)
    sm = _SIZE_RE.match(rec.get(cols.get("size", "size"), "") or "")
    fields["model_size_gib"] = float(sm.group(1)) * _SIZE_GIB[sm.group(2).lower()] if sm else None
    arch, _size, ftype = split_model_type(model_type)
    set_model(fields, flags, (model_type,), ctx, n_params, arch)
    set_format(fields, flags, ftype, ctx)
    extra = {k: v for k, v in rec.items() if k.lower() not in _MD_CONSUMED}
    return [_measurement(record.row, fields, flags, shape, tok_s, stddev, ctx, None, extra)]
