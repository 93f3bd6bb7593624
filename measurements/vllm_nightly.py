"""vLLM nightly / performance-benchmark aggregates: the ``benchmark_results.json`` and ``benchmark_results.md`` that
``convert-results-json-to-markdown.py`` (vLLM ``.buildkite/nightly-benchmarks`` and ``performance-benchmarks``)
and vLLM-Ascend's ``benchmarks/scripts/convert_json_to_markdown.py`` write after a suite run. One record per test
row: the JSON is a list of rows keyed by the table's column names, the Markdown holds the same rows as pipe tables
(latency, throughput and serving tables; the tables are read, prose and code blocks are not).

Columns (as the scripts name them): ``Output Tput (tok/s)`` -> ``output_tok_s``; ``Total Tput (tok/s)``, ``Total
Token Tput (tok/s)`` and the throughput tests' ``Tput (tok/s)`` (tokens_per_second: prompt + output) ->
``total_tok_s``; ``Mean|Median|P<n> TTFT|TPOT|ITL|E2EL (ms)`` -> ``ttft_ms`` / ``tpot_ms`` / ``itl_ms`` /
``e2e_ms`` with that statistic; the latency tests' ``Mean|Median|P99 latency (ms)`` -> ``e2e_ms``; vLLM-Ascend's
bare ``TTFT (ms)``, ``TPOT (ms)``, ``ITL (ms)`` are its script's ``median_*_ms`` -> median; a bare ``Median`` /
``P99`` column (vLLM's mapping of ``median_tpot_ms`` / ``p99_tpot_ms``) takes the metric of the column before it.
``Tput (req/s)``, ``# of req.`` and the other columns are kept as given.

Conditions come from the test name the suite gives each run (``serving_llama8B_tp1_sharegpt_qps_16``): ``qps_inf``
-> MAX_LOAD, ``qps_<r>`` (or the ``Request rate (req/s)`` column) -> RATE r, ``..._concurrency_<c>`` (the
performance-benchmarks' max-concurrency loop) -> CONCURRENT c; latency tests -> STATIC, throughput tests -> MAX_LOAD; ``tp<N>`` x ``pp<M>`` -> GPUs. The model is the test name's model part when it names a catalog
model, else the file name's; the hardware is the ``GPU`` column (``8xNVIDIA H100 80GB HBM3`` -> the device name)
when the file has one, else the user's hint. The engine is vLLM (vLLM-Ascend is vLLM with the Ascend plugin).
"""

from __future__ import annotations

import re
from typing import Any

from advisor.measurement import Load, Measurement, Metric, Statistic
from measurements.fields import FieldError
from measurements.records import ParsedFile, RawRecord, UnreadableFile
from measurements.rowbuild import ImportContext
from measurements.serving import FILE_NAME_KEY, build, identity, load_of, number, split_device_count
from measurements.tabular import load_json, read_json_objects, read_markdown_table

FORMATS = ("vllm_nightly_json", "vllm_nightly_md")
DESCRIPTION = "vLLM nightly-benchmark benchmark_results.json or benchmark_results.md"

TEST_NAME = "Test name"
_RATES = {"Output Tput (tok/s)": Metric.OUTPUT_TOK_S}
_TOTALS = ("Total Tput (tok/s)", "Total Token Tput (tok/s)", "Tput (tok/s)")
_NAMED = re.compile(r"^(Mean|Median|P(\d{1,2}(?:\.\d+)?)) (TTFT|TPOT|ITL|E2EL|latency) \(ms\)$")
_BARE = re.compile(r"^(TTFT|TPOT|ITL) \(ms\)$")  # vLLM-Ascend: median_ttft_ms / median_tpot_ms / median_itl_ms
_STAT_ONLY = re.compile(r"^(Mean|Median|P(\d{1,2}))$")  # vLLM: "Median" / "P99" after "Mean TPOT (ms)"
_METRIC = {"TTFT": Metric.TTFT_MS, "TPOT": Metric.TPOT_MS, "ITL": Metric.ITL_MS, "E2EL": Metric.E2E_MS}
_STAT = {"Mean": Statistic.MEAN, "Median": Statistic.MEDIAN, "90": Statistic.P90, "95": Statistic.P95}
_STAT["99"] = Statistic.P99
_STAT["50"] = Statistic.MEDIAN
_KIND = re.compile(r"^(serving|latency|throughput)_", re.I)
_PARALLEL = re.compile(r"(?:^|_)(tp|pp)(\d+)(?=_|$)", re.I)
_QPS = re.compile(r"(?:^|_)qps_([0-9.]+|inf)(?=_|$)", re.I)
_CONCURRENCY = re.compile(r"(?:^|_)(?:concurrency|conc|maxconc)_?(\d+)(?=_|$)", re.I)
_NODES = re.compile(r"\s+x\s+\d+\s*$")  # "Standard_ND96asr_v4 x 2": a count someone appended
_MD_TABLE_HEAD = re.compile(r"^\s*\|\s*Test name\s*\|(.*)\|\s*$", re.M)


def _figure_columns(columns: list[str]) -> list[tuple[str, Metric, Statistic]]:
    """The columns that hold a figure, with the metric and statistic each one means (see the module doc)."""
    out: list[tuple[str, Metric, Statistic]] = []
    last: Metric | None = None
    for col in columns:
        name = col.strip()
        if name in _RATES:
            out.append((col, _RATES[name], Statistic.NONE))
        elif name in _TOTALS:
            out.append((col, Metric.TOTAL_TOK_S, Statistic.NONE))
        elif m := _NAMED.match(name):
            metric = Metric.E2E_MS if m.group(3) == "latency" else _METRIC[m.group(3)]
            stat = _STAT.get(m.group(1)) or _STAT.get(m.group(2) or "")
            if stat is not None:
                out.append((col, metric, stat))
            last = metric
            continue
        elif m := _BARE.match(name):
            out.append((col, _METRIC[m.group(1)], Statistic.MEDIAN))
        elif (m := _STAT_ONLY.match(name)) and last is not None:
            stat = _STAT.get(m.group(1)) or _STAT.get(m.group(2) or "")
            if stat is not None:
                out.append((col, last, stat))
            continue
        last = None
    return out


def _looks_like_rows(rows: list[Any]) -> bool:
    return bool(rows) and all(isinstance(r, dict) and TEST_NAME in r for r in rows[:20])


def sniff_json(data: Any) -> str | None:
    """A list of rows keyed by ``Test name`` (the script's orient="records" dump): ours, and ``parse`` says
    which figures it lacks when none of its columns is one the scripts write."""
    if isinstance(data, list) and _looks_like_rows(data):
        return "vllm_nightly_json"
    return None


def sniff_text(text: str) -> str | None:
    if _MD_TABLE_HEAD.search(text[:262144]):
        return "vllm_nightly_md"
    return None


def _accepted() -> str:
    return (
        "a 'Test name' column and at least one figure column as vLLM's convert-results-json-to-markdown.py or "
        "vLLM-Ascend's convert_json_to_markdown.py write them (Output Tput (tok/s), Total Tput (tok/s), "
        "Tput (tok/s), Mean/Median/P99 TTFT|TPOT|ITL (ms), Mean/Median/P99 latency (ms), TTFT (ms), ...)"
    )


def parse(text: str, source_format: str) -> ParsedFile:
    if source_format == "vllm_nightly_json":
        data = load_json(text)
        if not (isinstance(data, list) and _looks_like_rows(data)):
            raise UnreadableFile(f"expected a vLLM nightly benchmark_results.json: a list of rows with {_accepted()}")
        out = read_json_objects(data, source_format)
        columns = list(dict.fromkeys(k for r in out.records for k in r.fields))
    else:
        out = read_markdown_table(text, source_format)
        out.records = [r for r in out.records if TEST_NAME in r.fields]  # not the platform-info or other tables
        columns = list(dict.fromkeys(k for r in out.records for k in r.fields))
        if not out.records:
            raise UnreadableFile(
                f"a Markdown file with a 'Test name' table but no rows under it; expected {_accepted()}"
            )
    if not _figure_columns(columns):
        shown = ", ".join(columns[:8]) + (", ..." if len(columns) > 8 else "")
        raise UnreadableFile(
            f"a table of vLLM-style test rows (columns: {shown}) with no figure this importer knows; expected "
            f"{_accepted()}"
        )
    out.columns = columns
    return out


def _model_from_test_name(test: str, ctx: ImportContext) -> tuple[str, bool]:
    """(name, resolved): the model part of a test name (``serving_qwen2_5_7B_tp1_qps_1`` -> ``qwen2.5-7B``);
    ("", False) when the name has none (``tp8_pp1_qps_01``)."""
    core = _KIND.sub("", test)
    core = re.split(r"_(?:tp\d+|pp\d+|sharegpt|random|sonnet|qps)(?:_|$)", core, maxsplit=1, flags=re.I)[0]
    if not core or re.fullmatch(r"(tp|pp)\d+", core, re.I):
        return "", False
    dotted = re.sub(r"(?<=\d)_(?=\d+(?:_|$))", ".", core, count=1)  # qwen2_5_7B -> qwen2.5_7B
    for candidate in dict.fromkeys((core, dotted.replace("_", "-"), core.replace("_", "-"))):
        if ctx.resolver.model((candidate,)).model_id is not None:
            return candidate, True
    return core, False


def _device(gpu: Any) -> tuple[str, int | None]:
    """(device name, count) from the GPU column: ``8xNVIDIA H100 80GB HBM3`` -> ("NVIDIA H100 80GB HBM3", 8);
    a VM count someone appended (``Standard_ND96asr_v4 x 2``) dropped."""
    text, count = split_device_count(str(gpu or ""))
    return _NODES.sub("", text).strip(), count


def normalize(record: RawRecord, ctx: ImportContext) -> list[Measurement]:
    rec = record.fields
    test = str(rec.get(TEST_NAME) or "").strip()
    if not test:
        raise FieldError(TEST_NAME, "the row has no test name")
    values = [(metric, number(rec.get(col)), stat) for col, metric, stat in _figure_columns(list(rec))]
    if all(v is None for _, v, _ in values):
        raise FieldError("", "no figure in the row (every figure column is empty or not a number)")
    name, _resolved = _model_from_test_name(test, ctx)
    models: tuple[str, ...] = (name,) if name else ()  # a test name without a model part: the file name is tried
    device, _count = _device(rec.get("GPU"))
    fields, flags = identity(rec, ctx, engine="vllm", models=models, device=device)
    kind_match = _KIND.match(test)
    kind = kind_match.group(1).lower() if kind_match else ""
    if not kind:
        if any(m in (Metric.TTFT_MS, Metric.TPOT_MS, Metric.ITL_MS) for m, _, _ in values):
            kind = "serving"
        elif any(m is Metric.E2E_MS for m, _, _ in values):
            kind = "latency"
        else:
            kind = "throughput"
    parallel = {k.lower(): int(v) for k, v in _PARALLEL.findall(test)}
    gpus = parallel.get("tp", 1) * parallel.get("pp", 1)
    if "tp" not in parallel:
        flags.append(f"tensor-parallel size not in the test name {test!r}: 1 GPU assumed")
    batch, rate = None, None
    if kind == "latency":
        load = Load.STATIC
        flags.append("batch size, input and output lengths not in the file (the suite's latency-tests.json)")
    elif kind == "throughput":
        load = Load.MAX_LOAD
    else:
        qps = _QPS.search(test)
        conc = _CONCURRENCY.search(test)
        given_rate = rec.get("Request rate (req/s)", qps.group(1) if qps else None)
        load, batch, rate = load_of(conc.group(1) if conc else None, given_rate, flags)
    requests = number(rec.get("# of req."))
    total_in, total_out = number(rec.get("Total input tokens")), number(rec.get("Total output tokens"))
    in_len = round(total_in / requests) if total_in and requests else None
    out_len = round(total_out / requests) if total_out and requests else None
    if kind != "latency" and in_len is None:
        flags.append("input/output lengths not in the file (the suite's dataset, e.g. 200 ShareGPT prompts)")
    figure_cols = {col for col, _, _ in _figure_columns(list(rec))}
    extra = {k: v for k, v in rec.items() if k not in figure_cols and k != FILE_NAME_KEY}
    extra["test_kind"] = kind
    return build(
        fields,
        flags,
        values,
        ctx,
        extra=extra,
        gpus=gpus,
        batch=batch,
        load=load,
        request_rate=rate,
        input_len=in_len,
        output_len=out_len,
        row=record.row,
        notes=f"vLLM nightly benchmark aggregate, {kind} test {test}",
    )
