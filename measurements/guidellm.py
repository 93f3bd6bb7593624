"""GuideLLM ``benchmarks.json`` (``guidellm benchmark --output-path``): one record per benchmark of the run
(row = its position in ``benchmarks``; a sweep holds one per rate).

Figures (the ``successful`` requests' distributions): ``output_tokens_per_second.mean`` -> ``output_tok_s``;
``tokens_per_second.mean`` -> ``total_tok_s``; ``time_to_first_token_ms`` -> ``ttft_ms``;
``time_per_output_token_ms`` -> ``tpot_ms``; ``inter_token_latency_ms`` -> ``itl_ms``; ``request_latency`` (seconds)
-> ``e2e_ms``; each latency as mean, median, p90, p95, p99. Lengths: the mean of ``prompt_token_count`` /
``output_token_count``. Load from the benchmark's strategy: ``synchronous`` -> CONCURRENT 1; ``concurrent`` ->
CONCURRENT ``streams``; ``constant`` / ``poisson`` -> RATE ``rate``; ``throughput`` -> MAX_LOAD. The model is the
backend's ``model`` (``config.spec.backend`` in schema 2, ``worker.backend_model`` before); GuideLLM is a client,
so the engine and hardware are not in the file (the user's hint gives the hardware).

``benchmarks.yaml`` (``--output-path benchmarks.yaml``) holds the same document written as YAML: it is read with
PyYAML's safe loader (no tags, no anchors or aliases accepted) and then mapped exactly like the JSON.

``benchmarks.csv`` (``--outputs csv``), the v0.4+ layout (``benchmark/outputs/csv.py``, unchanged in what is read
here from v0.4.0 to v0.7.3): three header rows (group, field with the status prefix, statistic), then one row per
benchmark. A column is found by its three header names, never by position. Read: the ``Successful`` columns of
Token Throughput ("Output Tokens/Sec" / "Total Tokens/Sec" Mean), Time to First Token / Time per Output Token /
Inter Token Latency (ms) and Request Latency (Sec): Mean, Median and the "Percentiles" list, which GuideLLM writes
as ``[min, p001, p01, p05, p10, p25, p75, p90, p95, p99, max]`` (p90/p95/p99 = items 8-10; the median is its own
column); Token Metrics Input/Output Tokens Mean (lengths); Request Counts; Benchmark Strategy; the model from the
Run Info "Backend" JSON; the GuideLLM version from Runtime Info "Metadata". Each row is mapped like the JSON.
Limits, from that code: the header is the first benchmark's (a distribution column exists only when its status
had a non-zero sum), so a row with another number of values is refused as misaligned; the CSV does not hold a
concurrent run's stream count or a rate run's rate, so only ``synchronous`` and ``throughput`` rows are read (the
others are refused, pointing to the JSON); "Start Time" is the local time of the machine that ran GuideLLM, with
no zone (read as UTC and flagged). Checked against a real GuideLLM 0.6.0 CSV and the benchmarks.json of the same
run (tests/fixtures/imports/SOURCES.md). The v0.2-v0.3 single-header layout (``Type, Run Id, Id, Name, Start
Time, ...``) is refused with a message: no public sample of it was found.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from advisor.measurement import Load, Measurement, Metric, Statistic
from measurements.fields import FieldError, get_datetime
from measurements.records import ParsedFile, RawRecord, Rejection, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.serving import build, identity, number
from measurements.tabular import load_json, read_json_objects
from safeio.limits import check_text

FORMATS = ("guidellm_json", "guidellm_yaml", "guidellm_csv")
DESCRIPTION = "GuideLLM benchmarks.json, benchmarks.yaml or benchmarks.csv (v0.4+)"

# A GuideLLM YAML report: a top-level ``benchmarks:`` key (after an optional ``---``) and a generative benchmark.
_YAML_HEAD = re.compile(r"\A(?:---[ \t]*\n)?benchmarks:[ \t]*\n")
_YAML_BENCHMARK = re.compile(r"^[- ]+type_: generative_benchmark\s*$", re.M)

_LATENCIES = (
    ("time_to_first_token_ms", Metric.TTFT_MS, 1.0),
    ("time_per_output_token_ms", Metric.TPOT_MS, 1.0),
    ("inter_token_latency_ms", Metric.ITL_MS, 1.0),
    ("request_latency", Metric.E2E_MS, 1000.0),
)
_STATS = (
    ("mean", Statistic.MEAN),
    ("median", Statistic.MEDIAN),
    ("p90", Statistic.P90),
    ("p95", Statistic.P95),
    ("p99", Statistic.P99),
)


def sniff_json(data: Any) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list) or not data["benchmarks"]:
        return None
    first = data["benchmarks"][0]
    if (
        isinstance(first, dict)
        and isinstance(first.get("metrics"), dict)
        and ("output_tokens_per_second" in first["metrics"] or "time_to_first_token_ms" in first["metrics"])
    ):
        return "guidellm_json"
    return None


_CSV_V02_HEAD = ("Type", "Run Id", "Id", "Name", "Start Time")
_CSV_V04_GROUPS = frozenset({"Run Info", "Benchmark", "Timings", "Request Counts"})


def sniff_csv(header: list[str], _text: str) -> str | None:
    """The v0.4+ GuideLLM benchmarks.csv -> ``guidellm_csv``; the v0.2-v0.3 layout is refused (see the module doc);
    any other CSV: None."""
    if tuple(header[:5]) == _CSV_V02_HEAD:
        raise UnreadableFile(
            "a GuideLLM benchmarks.csv of the v0.2-v0.3 layout (header Type, Run Id, Id, Name, Start Time, ...): "
            "that layout is not imported; upload the benchmarks.json or benchmarks.yaml of the same run, which hold "
            "the same figures"
        )
    if header[:1] == ["Run Info"] and set(header) >= _CSV_V04_GROUPS:
        return "guidellm_csv"
    return None


#: (JSON metric key, CSV group, CSV field after the status prefix) of the distributions read from the CSV.
_CSV_DISTS = (
    ("output_tokens_per_second", "Token Throughput", "Output Tokens/Sec"),
    ("tokens_per_second", "Token Throughput", "Total Tokens/Sec"),
    ("time_to_first_token_ms", "Time to First Token", "ms"),
    ("time_per_output_token_ms", "Time per Output Token", "ms"),
    ("inter_token_latency_ms", "Inter Token Latency", "ms"),
    ("request_latency", "Request Latency", "Sec"),
    ("prompt_token_count", "Token Metrics", "Input Tokens"),
    ("output_token_count", "Token Metrics", "Output Tokens"),
)
#: Positions in GuideLLM's CSV "Percentiles" list ``[min, p001, p01, p05, p10, p25, p75, p90, p95, p99, max]``.
_CSV_PCT_AT = {"p90": 7, "p95": 8, "p99": 9}
_CSV_PCT_LEN = 11
_CSV_READ_STRATEGIES = ("synchronous", "throughput")


def _csv_json(cell: str, column: str) -> dict[str, Any]:
    try:
        value = json.loads(cell) if cell.strip() else {}
    except json.JSONDecodeError:
        raise FieldError(column, f"expected a JSON object, got {cell[:60]!r}") from None
    return value if isinstance(value, dict) else {}


def _csv_percentiles(cell: str, column: str) -> dict[str, float | None]:
    text = cell.strip()
    parts = text[1:-1].split(",") if text.startswith("[") and text.endswith("]") else []
    if len(parts) != _CSV_PCT_LEN:
        raise FieldError(
            column, f"expected GuideLLM's list of {_CSV_PCT_LEN} values [min, p001, ..., p99, max], got {text[:60]!r}"
        )
    return {name: number(parts[i]) for name, i in _CSV_PCT_AT.items()}


def _csv_record(row: list[str], at: dict[tuple[str, str, str], int]) -> dict[str, Any]:
    """One CSV row as the benchmark object of the JSON (the parts ``normalize`` reads)."""

    def cell(group: str, name: str, stat: str = "") -> str | None:
        i = at.get((group, name, stat))
        return row[i] if i is not None else None

    metrics: dict[str, Any] = {}
    for key, group, field in _CSV_DISTS:
        name = f"Successful {field}"
        mean = cell(group, name, "Mean")
        if mean is None:
            continue
        pct = cell(group, name, "Percentiles")
        metrics[key] = {
            "successful": {
                "mean": mean,
                "median": cell(group, name, "Median"),
                "percentiles": _csv_percentiles(pct, f"{group} / {name} / Percentiles") if pct is not None else {},
            }
        }
    counts = {
        status: number(cell("Request Counts", status)) for status in ("Successful", "Incomplete", "Errored", "Total")
    }
    metrics["request_totals"] = {k.lower(): int(v) for k, v in counts.items() if v is not None and v.is_integer()}
    backend = _csv_json(cell("Run Info", "Backend") or "", "Run Info / Backend")
    meta = _csv_json(cell("Runtime Info", "Metadata") or "", "Runtime Info / Metadata")
    return {
        "type_": cell("Benchmark", "Type"),
        "config": {"strategy": {"type_": cell("Benchmark", "Strategy") or ""}, "backend": backend},
        "metrics": metrics,
        "start_time": cell("Timings", "Start Time"),
        "_run": {
            "model": backend.get("model"),
            "target": backend.get("target"),
            "guidellm_version": meta.get("guidellm_version", ""),
        },
        "_csv": True,
    }


def parse_csv(text: str) -> ParsedFile:
    """Each benchmark row is one record (row = its line); a misaligned row or a strategy the CSV cannot describe
    is refused with the reason (see the module doc)."""
    check_text(text, what="the GuideLLM CSV")
    out = ParsedFile("guidellm_csv")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header_rows = [next(reader) for _ in range(3)]
    except (StopIteration, csv.Error) as exc:
        raise UnreadableFile("a GuideLLM benchmarks.csv needs its three header rows (group, field, statistic)") from exc
    width = len(header_rows[0])
    if any(len(r) != width for r in header_rows):
        raise UnreadableFile("the GuideLLM CSV header rows differ in length: the file was cut or edited")
    at: dict[tuple[str, str, str], int] = {}
    for i, names in enumerate(zip(*header_rows, strict=True)):
        at.setdefault(tuple(n.strip() for n in names), i)  # type: ignore[arg-type]
    if ("Benchmark", "Strategy", "") not in at:
        raise UnreadableFile("the GuideLLM CSV has no Benchmark / Strategy column")
    out.columns = [" / ".join(n for n in names if n) for names in zip(*header_rows, strict=True)]
    try:
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) != width:
                out.rejections.append(
                    Rejection(
                        line,
                        "",
                        f"{len(row)} values for {width} columns: GuideLLM writes the first benchmark's header only, "
                        "so this benchmark's columns do not line up with it; import the benchmarks.json of the run",
                    )
                )
                continue
            kind = row[at["Benchmark", "Strategy", ""]].strip()
            if kind not in _CSV_READ_STRATEGIES:
                out.rejections.append(
                    Rejection(
                        line,
                        "Benchmark / Strategy",
                        f"strategy {kind!r}: the CSV holds no stream count or rate for it; import the "
                        "benchmarks.json of the run",
                    )
                )
                continue
            try:
                fields = _csv_record(row, at)
            except FieldError as exc:
                out.rejections.append(Rejection(line, exc.column, exc.reason))
                continue
            out.records.append(RawRecord(line, fields))
    except csv.Error as exc:
        raise UnreadableFile(f"the GuideLLM CSV does not parse after line {reader.line_num}: {exc}") from exc
    if not out.records and not out.rejections:
        raise UnreadableFile("the GuideLLM CSV has its header but no benchmark rows")
    return out


def sniff_text(text: str) -> str | None:
    head = text.lstrip("\ufeff")[:65536]
    if _YAML_HEAD.match(head) and _YAML_BENCHMARK.search(head):
        return "guidellm_yaml"
    return None


def _load_yaml(text: str) -> Any:
    """The YAML document, read with the safe loader after the size check; anchors/aliases are refused (an alias
    bomb expands to far more than the file holds) and a syntax error names its line."""
    try:
        import yaml  # PyYAML: imported here so the other importers never need it
    except ImportError as exc:  # pragma: no cover - PyYAML is pinned in requirements.txt
        raise UnreadableFile("a GuideLLM YAML report needs PyYAML, which is not installed") from exc
    check_text(text, what="the GuideLLM YAML")
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise UnreadableFile("the GuideLLM YAML uses anchors or aliases, which GuideLLM never writes")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise UnreadableFile(f"the GuideLLM YAML does not parse{where}: {problem}") from exc


def parse(text: str, source_format: str) -> ParsedFile:
    if source_format == "guidellm_csv":
        return parse_csv(text)
    data = _load_yaml(text) if source_format == "guidellm_yaml" else load_json(text)
    if sniff_json(data) is None:
        raise UnreadableFile(
            "expected a GuideLLM benchmarks.json or benchmarks.yaml with a 'benchmarks' list of benchmarks that "
            "have a 'metrics' object"
        )
    out = read_json_objects(data["benchmarks"], source_format)
    spec = (data.get("config") or {}).get("spec") if isinstance(data.get("config"), dict) else None
    backend = (spec or {}).get("backend") if isinstance(spec, dict) else None
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    args = data.get("args") if isinstance(data.get("args"), dict) else {}  # schema 1 (guidellm <= 0.5)
    for rec in out.records:
        rec.fields["_run"] = {
            "model": ((backend or {}).get("model") if isinstance(backend, dict) else None) or args.get("model"),
            "target": (backend or {}).get("target") if isinstance(backend, dict) else None,
            "guidellm_version": meta.get("guidellm_version", ""),
        }
    return out


def _dist(metrics: dict[str, Any], key: str) -> dict[str, Any]:
    value = metrics.get(key)
    if not isinstance(value, dict):
        return {}
    succ = value.get("successful", value)
    return succ if isinstance(succ, dict) else {}


def _stat(dist: dict[str, Any], name: str) -> float | None:
    if name in ("mean", "median"):
        return number(dist.get(name))
    pct = dist.get("percentiles") if isinstance(dist.get("percentiles"), dict) else {}
    return number(pct.get(name))


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    rec = record.fields
    metrics = rec.get("metrics")
    if not isinstance(metrics, dict):
        raise FieldError("metrics", "the benchmark has no metrics object")
    values: list[tuple[Metric, Any, Statistic]] = [
        (Metric.OUTPUT_TOK_S, number(_dist(metrics, "output_tokens_per_second").get("mean")), Statistic.NONE),
        (Metric.TOTAL_TOK_S, number(_dist(metrics, "tokens_per_second").get("mean")), Statistic.NONE),
    ]
    for key, metric, scale in _LATENCIES:
        dist = _dist(metrics, key)
        for name, stat in _STATS:
            value = _stat(dist, name)
            values.append((metric, value * scale if value is not None else None, stat))
    if all(v is None for _, v, _ in values):
        raise FieldError("metrics", "no throughput or latency distribution for the successful requests")
    run = rec.get("_run") or {}
    config = rec.get("config") if isinstance(rec.get("config"), dict) else {}
    strategy = config.get("strategy") or (rec.get("args") or {}).get("strategy") or {}
    worker = rec.get("worker") if isinstance(rec.get("worker"), dict) else {}
    backend = config.get("backend") if isinstance(config.get("backend"), dict) else {}
    # guidellm 0.6 leaves args.model null when the server picks the model; the benchmark's backend names it
    model = str(run.get("model") or backend.get("model") or worker.get("backend_model") or "")
    fields, flags = identity(rec, ctx, engine="", engine_version="", models=(model,))
    flags.append("engine not recorded: GuideLLM is a client and does not name the server's engine")
    if rec.get("_csv"):
        flags.append("GuideLLM CSV times are the local time of the machine that ran it, zone not recorded: read as UTC")
    kind = str(strategy.get("type_") or strategy.get("type") or "")
    if kind == "synchronous":
        load, batch, rate = Load.CONCURRENT, 1, None
    elif kind == "concurrent":
        load, batch, rate = Load.CONCURRENT, int(number(strategy.get("streams")) or 1), None
    elif kind in ("constant", "poisson", "async"):
        load, batch, rate = Load.RATE, None, number(strategy.get("rate"))
    elif kind == "throughput":
        load, batch, rate = Load.MAX_LOAD, None, None
    else:
        load, batch, rate = Load.MAX_LOAD, None, None
        flags.append(f"GuideLLM strategy {kind!r} not recognized: every request at once assumed")
    in_len = number(_dist(metrics, "prompt_token_count").get("mean"))
    out_len = number(_dist(metrics, "output_token_count").get("mean"))
    totals = metrics.get("request_totals") if isinstance(metrics.get("request_totals"), dict) else {}
    extra = {"strategy": kind, "requests": totals, "guidellm_version": run.get("guidellm_version", "")}
    try:
        measured_at = get_datetime(rec, "start_time")
    except FieldError:
        measured_at = None
    return build(
        fields,
        flags,
        values,
        ctx,
        extra=extra,
        batch=batch,
        load=load,
        request_rate=rate,
        input_len=round(in_len) if in_len else None,
        output_len=round(out_len) if out_len else None,
        row=record.row,
        measured_at=measured_at,
        notes="GuideLLM; lengths are the mean per successful request",
    )
