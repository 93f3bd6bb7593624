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

``benchmarks.csv`` (``--output-path benchmarks.csv``) is recognised but not read: no public GuideLLM CSV was found
to test a reader against (searched 2026-12-07), so it is refused with a message pointing to the JSON or YAML of the
same run. Its two layouts, from GuideLLM's source: v0.2-v0.3 ``GenerativeBenchmarksReport.save_csv`` writes one
header row (``Type, Run Id, Id, Name, Start Time, ...``); v0.4 and later ``benchmark/outputs/csv.py`` writes three
header rows whose first names the groups (``Run Info, ..., Benchmark, ..., Timings, ..., Request Counts, ...``).
"""

from __future__ import annotations

import re
from typing import Any

from advisor.measurement import Load, Measurement, Metric, Statistic
from measurements.fields import FieldError, get_datetime
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.serving import build, identity, number
from measurements.tabular import load_json, read_json_objects
from safeio.limits import check_text

FORMATS = ("guidellm_json", "guidellm_yaml")
DESCRIPTION = "GuideLLM benchmarks.json or benchmarks.yaml"

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
    """A GuideLLM benchmarks.csv is refused here with a reason (see the module doc); any other CSV: None."""
    if tuple(header[:5]) == _CSV_V02_HEAD:
        layout = "the v0.2-v0.3 layout (header Type, Run Id, Id, Name, Start Time, ...)"
    elif header[:1] == ["Run Info"] and set(header) >= _CSV_V04_GROUPS:
        layout = "the v0.4+ layout (three header rows: Run Info, Benchmark, Timings, Request Counts, ...)"
    else:
        return None
    raise UnreadableFile(
        f"a GuideLLM benchmarks.csv ({layout}): GuideLLM's CSV export is not imported; upload the benchmarks.json "
        "or benchmarks.yaml of the same run, which hold the same figures"
    )


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
    model = str(run.get("model") or worker.get("backend_model") or "")
    fields, flags = identity(rec, ctx, engine="", engine_version="", models=(model,))
    flags.append("engine not recorded: GuideLLM is a client and does not name the server's engine")
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
