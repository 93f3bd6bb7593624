"""The evidence corpus (``bench/validation/corpus/``): published measurements as ``Measurement`` values.

One CSV per independent source, described in ``sources.toml`` (title, URL, group, kind); the columns are
documented in ``corpus/README.md``. ``load_corpus()`` reads every file and returns the measurements (``label`` =
the source id, ``source`` = the row's URL, ``row`` = the CSV line) and the sources. A row whose hardware, model
or format has no catalog id keeps its text in ``*_raw`` and is scored as "not comparable" with the reason.

A row written without a ``model_id`` is mapped at load time by the same ``Resolver`` the importers use on a
user's upload (``map_models``): the file's own model text (the whole ``model_raw``, a repo id or file name
inside it, llama-bench's ``arch size`` with the row's parameter count), so a model added to the catalog
makes its rows comparable without editing the corpus, and the mapping is the one a user's file would get.
A mapped row says so in ``extra["model_mapped_from"]``. Of a CPU thread-count sweep only the rows at the most
threads are kept (``full_device_threads``).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from advisor.measurement import Load, Measurement, Metric, Scope, Statistic

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
COLUMNS = [
    "hardware_sku",
    "hardware_raw",
    "model_id",
    "model_raw",
    "format_id",
    "format_raw",
    "engine",
    "backend",
    "engine_version",
    "gpus",
    "batch",
    "load",
    "input_len",
    "output_len",
    "context_depth",
    "kv_format",
    "model_size_gib",
    "model_params_b",
    "metric",
    "statistic",
    "scope",
    "value",
    "source_url",
    "source_locator",
    "checked",
    "notes",
]
REQUIRED = ("metric", "value", "source_url")


class CorpusError(ValueError):
    """A corpus file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str
    group: str  # sources sharing an author, lab or method share a group (leave-one-group-out)
    kind: str  # raw_file | table | blog | discussion | docs
    checked: str
    notes: str = ""
    load: str = "static"  # the load of rows with a batch, unless a row says otherwise


def load_sources(path: Path = CORPUS_DIR / "sources.toml") -> dict[str, Source]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    out = {}
    for sid, raw in data.get("sources", {}).items():
        missing = [k for k in ("title", "url", "group", "kind", "checked") if k not in raw]
        if missing:
            raise CorpusError(f"{path}: sources.{sid}: missing {missing}")
        out[sid] = Source(
            id=sid,
            title=str(raw["title"]),
            url=str(raw["url"]),
            group=str(raw["group"]),
            kind=str(raw["kind"]),
            checked=str(raw["checked"]),
            notes=str(raw.get("notes", "")),
            load=str(raw.get("load", "static")),
        )
    return out


def _num(text: str, kind=float):
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    return kind(float(text))


def read_source_file(path: Path, source: Source) -> list[Measurement]:
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise CorpusError(f"{path}: header lacks {missing}")
        for line, raw in enumerate(reader, start=2):
            raw = {k: (v or "").strip() for k, v in raw.items() if k}
            try:
                batch = _num(raw.get("batch", ""), int)
                load = raw.get("load") or ("max_load" if batch is None else source.load)
                checked = raw.get("checked") or source.checked
                out.append(
                    Measurement(
                        metric=Metric(raw["metric"]),
                        value=float(raw["value"].replace(",", "")),
                        hardware_sku=raw.get("hardware_sku") or None,
                        hardware_raw=raw.get("hardware_raw", ""),
                        model_id=raw.get("model_id") or None,
                        model_raw=raw.get("model_raw", ""),
                        params_b=_num(raw.get("model_params_b", "")),
                        format_id=raw.get("format_id") or None,
                        format_raw=raw.get("format_raw", ""),
                        engine=raw.get("engine", ""),
                        backend=raw.get("backend", ""),
                        engine_version=raw.get("engine_version", ""),
                        gpus=_num(raw.get("gpus", ""), int) or 1,
                        batch=batch,
                        load=Load(load),
                        input_len=_num(raw.get("input_len", ""), int),
                        output_len=_num(raw.get("output_len", ""), int),
                        context_depth=_num(raw.get("context_depth", ""), int) or 0,
                        kv_format=raw.get("kv_format") or None,
                        statistic=Statistic(raw.get("statistic", "")),
                        scope=Scope(raw.get("scope") or "total"),
                        model_size_gib=_num(raw.get("model_size_gib", "")),
                        source=raw["source_url"],
                        row=line,
                        label=source.id,
                        measured_at=dt.datetime.fromisoformat(checked).replace(tzinfo=dt.UTC) if checked else None,
                        notes=raw.get("notes", ""),
                        extra={"source_locator": raw.get("source_locator", "")} if raw.get("source_locator") else {},
                    )
                )
            except (ValueError, KeyError) as exc:
                raise CorpusError(f"{path}:{line}: {exc}") from exc
    return out


_PAREN = re.compile(r"\(([^()]*)\)")
_TOKEN = re.compile(r"[^\s(),]+")
_ARCH_SIZE = re.compile(r"^\s*([A-Za-z][\w.-]*?)\s+\d+(?:\.\d+)?[BM]\b")


def model_names(raw: str) -> tuple[str, ...]:
    """The names to try for a corpus ``model_raw``, most specific first: a repo id (``org/name``) or file name
    inside the text, each parenthesized part, then the whole text."""
    parts = [p.strip() for p in _PAREN.findall(raw)]
    tokens = [t for t in _TOKEN.findall(raw) if "/" in t or re.search(r"\.gguf$", t, re.I)]
    names = [*tokens, *parts, _PAREN.sub("", raw).strip(), raw.strip()]
    return tuple(dict.fromkeys(n for n in names if n))


def map_models(measurements: list[Measurement], resolver) -> list[Measurement]:
    """``measurements`` with a catalog ``model_id`` where the row had none and its text maps (module docstring);
    ``resolver`` is a ``measurements.normalize.Resolver``."""
    out = []
    for m in measurements:
        if m.model_id is None and m.model_raw:
            arch = _ARCH_SIZE.match(m.model_raw)
            n_params = m.params_b * 1e9 if m.params_b else None
            match = resolver.model(model_names(m.model_raw), n_params, arch.group(1) if arch else "")
            if match.model_id:
                extra = {**m.extra, "model_mapped_from": m.model_raw}
                m = dataclasses.replace(m, model_id=match.model_id, extra=extra)
        out.append(m)
    return out


def load_corpus(corpus_dir: Path = CORPUS_DIR, ctx=None) -> tuple[list[Measurement], dict[str, Source]]:
    """Every measurement of every source file, and the sources (see the module docstring). Models are mapped
    with ``ctx``'s catalog (the app's default context when None)."""
    from advisor.context import default_context
    from measurements.normalize import Resolver

    sources = load_sources(corpus_dir / "sources.toml")
    measurements: list[Measurement] = []
    files = sorted(corpus_dir.glob("*.csv"))
    for path in files:
        if path.stem not in sources:
            raise CorpusError(f"{path}: no [sources.{path.stem}] in sources.toml")
        measurements += read_source_file(path, sources[path.stem])
    unused = sorted(set(sources) - {p.stem for p in files})
    if unused:
        raise CorpusError(f"sources.toml names sources without a CSV file: {unused}")
    return map_models(full_device_threads(measurements), Resolver(ctx or default_context())), sources


_THREADS = re.compile(r"\bthreads=(\d+)\b")


def full_device_threads(measurements: list[Measurement]) -> list[Measurement]:
    """Of a CPU thread-count sweep (llama-bench ``-t 1,2,4,8``; the row's locator says ``threads=N``) keep the
    rows at the most threads of each configuration: an estimate is for the whole device, and a run held to one
    or two cores measures the thread count, not the memory system (8B F16 on a Ryzen 7950X decodes at 2.2 tok/s
    on 1 thread and 4.2 on 4). Rows that name no thread count are kept as they are."""

    def threads(m: Measurement) -> int | None:
        found = _THREADS.search(m.extra.get("source_locator", ""))
        return int(found.group(1)) if found else None

    def config(m: Measurement) -> tuple:
        return (
            m.label,
            m.hardware_sku,
            m.hardware_raw,
            m.model_raw,
            m.format_raw,
            m.metric,
            m.batch,
            m.input_len,
            m.output_len,
            m.context_depth,
        )

    most: dict[tuple, int] = {}
    for m in measurements:
        t = threads(m)
        if t is not None:
            most[config(m)] = max(t, most.get(config(m), 0))
    return [m for m in measurements if (t := threads(m)) is None or t == most[config(m)]]
