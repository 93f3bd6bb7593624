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

import operator
import re
from typing import Any

from advisor.measurement import Load, Measurement
from measurements.fields import FieldError, get_datetime, get_float, get_int, get_str, is_blank
from measurements.normalize import TestShape, parse_test_name, split_model_type, test_from_counts
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import (
    Fields,
    ImportContext,
    check_bits_per_weight,
    measurement_like,
    measurement_values,
    set_format,
    set_hardware,
    set_model,
)
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
_MD_ADDED = ("build_commit", "build_number", "device_text", "model_file")  # taken from the log around the table
_MD_CONSUMED = frozenset(["model", "params", "size", "backend", "test", "t/s", *_MD_ADDED])

_BUILD_LINE = re.compile(r"^\W*build:\s*([0-9a-f]+)\s*\((\d+)\)\s*$")
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
        return parse_markdown_log(text, source_format)
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


# ---------------------------------------------------------------- Markdown tables inside console logs

# Device listings llama.cpp prints before a run (the backend's init lines), and nvidia-smi's table.
_FOUND = re.compile(r"ggml_(?:cuda_init|vulkan|metal\w*|sycl\w*):\s+found\s+\d+", re.I)
_CUDA_DEVICE = re.compile(r"^[\s>]*Device\s+(\d+):\s+([^,]+?)\s*,")  # CUDA / ROCm (HIP) / MUSA
_VULKAN_DEVICE = re.compile(r"ggml_vulkan:\s+(\d+)\s+=\s+(.+?)\s*(?:\||$)")
_METAL_DEVICE = re.compile(r"GPU name:\s+(.+?)\s*$")
_SMI_HEADER = re.compile(r"\|\s*NVIDIA-SMI\s+\d")
_SMI_DEVICE = re.compile(r"^\|\s+(\d+)\s+(\S.*?)\s{2,}(?:On|Off)\s+\|")
_TRAILING_PARENS = re.compile(r"(?:\s*\([^()]*\))+\s*$")  # "(RADV NAVI31) (radv)", "(AMD open-source driver)"
_MODEL_ARG = re.compile(r"(?:^|\s)(?:-m|--model)[=\s]+(\S+)")


def _device_listings(lines: list[str]) -> list[tuple[int, list[str]]]:
    """(line number where a listing starts, device names in index order) for every device listing in a log."""
    listings: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    for lineno, line in enumerate(lines, start=1):
        if _FOUND.search(line) or _SMI_HEADER.search(line):
            current = []
            listings.append((lineno, current))
            continue
        name, index = None, None
        m = _VULKAN_DEVICE.search(line)
        if m:
            index, name = int(m.group(1)), _TRAILING_PARENS.sub("", m.group(2))
        elif (m := _CUDA_DEVICE.match(line)) or (m := _SMI_DEVICE.match(line)):
            index, name = int(m.group(1)), m.group(2).strip()
        elif m := _METAL_DEVICE.search(line):
            index, name = 0, m.group(1)
        if name is None:
            continue
        if current is None or (index == 0 and current):
            current = []
            listings.append((lineno, current))
        current.append(name.strip())
    return [(n, names) for n, names in listings if names]


def _commands(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, model file) of each ``llama-bench ... -m FILE`` command, backslash continuations joined."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        start, command = i, lines[i]
        while command.rstrip().endswith(("\\", "`")) and i + 1 < len(lines):
            i += 1
            command = command.rstrip()[:-1] + " " + lines[i]
        i += 1
        if "llama-bench" not in command:
            continue
        models = _MODEL_ARG.findall(command)
        if len(models) == 1 and "," not in models[0]:
            out.append((start + 1, models[0].strip("'\"")))
    return out


def _md_model(rec: RawRecord) -> str:
    return next((str(v).strip() for k, v in rec.fields.items() if k.strip().lower() == "model"), "")


def parse_markdown_log(text: str, source_format: str) -> ParsedFile:
    """llama-bench ``-o md`` tables, alone or inside a console log with several runs. Each row takes the device
    listing printed before its table (CUDA/ROCm ``Device 0: ...``, ``ggml_vulkan: 0 = ...``, Metal ``GPU name:``,
    an nvidia-smi table), the ``llama-bench -m FILE`` command before it and the ``build: <commit> (<number>)`` line
    after it. Tables of other tools in the same log (llama-batched-bench) are left out."""
    parsed = read_markdown_table(text, source_format)
    lines = text.splitlines()
    builds = [(n, m.group(1), m.group(2)) for n, line in enumerate(lines, 1) if (m := _BUILD_LINE.match(line))]
    listings = _device_listings(lines)
    commands = _commands(lines)
    kept = [rec for rec in parsed.records if looks_like_llama_bench_md(list(rec.fields))]
    tables: list[list[RawRecord]] = []  # consecutive lines form one table
    for rec in kept:
        if tables and rec.row == tables[-1][-1].row + 1:
            tables[-1].append(rec)
        else:
            tables.append([rec])
    one_model = {id(r) for t in tables if len({_md_model(r) for r in t}) == 1 for r in t}
    for rec in kept:
        f = rec.fields
        build = next(((c, b) for n, c, b in builds if n > rec.row), None)
        if build:
            f.setdefault("build_commit", build[0])
            f.setdefault("build_number", build[1])
        devices = [names for n, names in listings if n < rec.row]
        if devices:
            f.setdefault("device_text", ", ".join(devices[-1]))
        model_file = [m for n, m in commands if n < rec.row]
        if model_file and id(rec) in one_model:  # a table of several models did not all come from that command
            f.setdefault("model_file", model_file[-1])
    parsed.records = kept
    parsed.rejections = [r for r in parsed.rejections if looks_like_llama_bench_md(list(r.values or {}))]
    if kept and not looks_like_llama_bench_md(parsed.columns):  # the log's first table was another tool's
        parsed.columns = [k for k in kept[0].fields if k not in _MD_ADDED]
    return parsed


def _hardware_text(rec: dict[str, Any]) -> tuple[str, int | None, str | None]:
    """(device text, number of GPUs, flag). Multi-GPU builds list devices separated by ", "."""
    gpu_info = get_str(rec, "gpu_info")
    backends = get_str(rec, "backends")
    ngl = rec.get("n_gpu_layers")
    try:
        ngl_value = int(ngl) if not is_blank(ngl) and not isinstance(ngl, bool) else None
    except (TypeError, ValueError, OverflowError):  # OverflowError: Infinity / 1e400 in a JSON record
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


def _identity(rec: dict[str, Any], ctx: ImportContext) -> tuple[Fields, list[str], str]:
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
    note = check_bits_per_weight(fields, flags, ctx, size, n_params)
    return fields, flags, note


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    """One JSON/CSV/SQL record (the full schema) -> one measurement; raises FieldError for a bad value.

    A sweep repeats everything but the figures: the first record of each (device, model, build, test, field
    names) goes through ``_normalize_record`` (every field validated, the ``Measurement`` built and checked by its
    constructor) and becomes the upload's template for that key; the records after it read and validate only what
    differs per row (avg_ts, stddev_ts, test_time, the kept fields) and take the rest from the template
    (``rowbuild.measurement_like``). The result is the same measurement either way (tests/measurements/
    test_llama_bench_fast.py)."""
    rec = record.fields
    try:
        key = (_TEMPLATE, *map(rec.get, _TEMPLATE_KEYS), *rec)  # C-level passes: runs once per row of a sweep
        template = ctx.cache.get(key)
    except TypeError:  # a JSON list/object in a keyed field: not memoizable, the full path names the field
        return [_normalize_record(record, ctx)[0]]
    if template is None:
        m, kept = _normalize_record(record, ctx)
        ctx.cache[key] = (measurement_values(m), kept, operator.itemgetter(*kept) if len(kept) > 1 else None)
        return [m]
    values, kept, get_kept = template
    # the checks _normalize_record makes on these fields, in its order (the counts are the template's: valid)
    avg_ts = get_float(rec, "avg_ts", required=True)
    if avg_ts == 0:
        raise FieldError("avg_ts", "throughput is 0 (the test did not run)")
    stddev = get_float(rec, "stddev_ts")
    when = get_datetime(rec, "test_time")
    extra = dict(zip(kept, get_kept(rec), strict=True)) if get_kept is not None else {k: rec[k] for k in kept}
    return [
        measurement_like(values, {"value": avg_ts, "stddev": stddev, "row": record.row, "measured_at": when}, extra)
    ]


_TEMPLATE = "llama_bench template"
#: The fields a template is keyed on: the identity, the test counts (the field names follow in the key).
_TEMPLATE_KEYS = (*_IDENTITY_KEYS, "n_prompt", "n_gen", "n_depth")


def _normalize_record(record: RawRecord, ctx: ImportContext) -> tuple[Measurement, tuple[str, ...]]:
    """``normalize`` for one record on its own: the measurement, and the names of the fields kept in ``extra``."""
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
    key = tuple(map(rec.get, _IDENTITY_KEYS))
    try:
        ident = ctx.cache.get(key)
    except TypeError:  # a JSON list/object in an identity field: not memoizable, _identity names the field
        ident = _identity(rec, ctx)
    if ident is None:
        ident = ctx.cache[key] = _identity(rec, ctx)
    fields, flags, note = ident
    kept = tuple(k for k in rec if k not in _CONSUMED)
    extra = {k: rec[k] for k in kept}
    when = get_datetime(rec, "test_time")
    return _measurement(record.row, fields, flags, shape, avg_ts, stddev, ctx, when, extra, note), kept


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
    note: str = "",
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
        notes=f"llama-bench {shape.name}"
        + (f" @ d{shape.depth}" if shape.depth else "")
        + (f"; {note}" if note else ""),
        flags=tuple(flags),
        extra=extra,
    )


_TS_RE = re.compile(r"^\s*([-+]?[\d.]+(?:e[-+]?\d+)?)\s*(?:±\s*([\d.]+(?:e[-+]?\d+)?))?\s*$", re.I)
_PARAMS_RE = re.compile(r"^\s*([\d.]+)\s*([KMBT])\s*$", re.I)
_SIZE_RE = re.compile(r"^\s*([\d.]+)\s*(GiB|MiB|GB|MB)\s*$", re.I)
_SCALE = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
_SIZE_GIB = {"gib": 1.0, "mib": 1 / 1024, "gb": 1e9 / 2**30, "mb": 1e6 / 2**30}


def normalize_md(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    """One Markdown table line: ``model | size | params | backend | ngl | test | t/s`` (+ any extra columns: fa,
    n_ubatch, threads, mmap, n_depth, ...), with ``device_text`` / ``model_file`` / build taken from the log."""
    rec = {k.strip(): v for k, v in record.fields.items()}
    cols = {k.lower(): k for k in rec}
    test_text = rec.get(cols.get("test", "test"), "")
    shape = parse_test_name(test_text or "")
    if shape is None:
        raise FieldError(
            "test", f"expected a test such as pp512, tg128, pp512+tg128 or 'pp512 @ d4096', got {test_text!r}"
        )
    depth_col = cols.get("n_depth") or cols.get("depth")
    if depth_col and not shape.depth:
        depth = get_int(rec, depth_col)
        if depth:
            shape = TestShape(shape.name, shape.input_len, shape.output_len, depth)
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
    key = ("llama_bench_md", model_type, *(rec.get(cols.get(c, c), "") for c in ("params", "size", "backend", "ngl")))
    key += tuple(rec.get(k, "") for k in _MD_ADDED)
    ident = ctx.cache.get(key)
    if ident is None:
        ident = ctx.cache[key] = _identity_md(rec, cols, model_type, ctx)
    fields, flags, note = ident
    extra = {k: v for k, v in rec.items() if k.lower() not in _MD_CONSUMED}
    return [_measurement(record.row, fields, flags, shape, tok_s, stddev, ctx, None, extra, note)]


def _identity_md(rec: dict[str, Any], cols: dict[str, str], model_type: str, ctx: ImportContext):
    n_params = None
    pm = _PARAMS_RE.match(rec.get(cols.get("params", "params"), "") or "")
    if pm:
        n_params = float(pm.group(1)) * _SCALE[pm.group(2).upper()]
    backends = rec.get(cols.get("backend", "backend"), "")
    fields: Fields = {"engine": "llama_cpp", "backend": backend_id(backends)}
    flags: list[str] = []
    build, commit = rec.get("build_number", ""), rec.get("build_commit", "")
    fields["engine_version"] = f"b{build} ({commit})" if build else ""
    devices = [d.strip() for d in (rec.get("device_text") or "").split(",") if d.strip()]
    ngl = rec.get(cols.get("ngl", "ngl"), "").strip()
    if fields["backend"] == "cpu" or ngl == "0":
        devices = []  # a CPU run: the GPUs the log lists were not used
    distinct = sorted(set(devices))
    set_hardware(fields, flags, distinct[0] if len(distinct) == 1 else ", ".join(devices), ctx)
    if len(distinct) > 1:
        flags.append("mixed GPUs in the device listing")
    fields["gpus"] = len(devices) or 1
    if "rpc" in backends.lower():
        flags.append("RPC backend: remote devices are not listed in the file; gpus counts the local devices only")
    sm = _SIZE_RE.match(rec.get(cols.get("size", "size"), "") or "")
    size_gib = float(sm.group(1)) * _SIZE_GIB[sm.group(2).lower()] if sm else None
    fields["model_size_gib"] = size_gib
    arch, _size, ftype = split_model_type(model_type)
    model_file = rec.get("model_file", "")
    set_model(fields, flags, (model_file, model_type) if model_file else (model_type,), ctx, n_params, arch)
    set_format(fields, flags, ftype, ctx, model_file)
    note = check_bits_per_weight(fields, flags, ctx, size_gib * 2**30 if size_gib else None, n_params)
    return fields, flags, note
