"""The evidence corpus (``bench/validation/corpus/``): published measurements as ``Measurement`` values.

One CSV per independent source, described in ``sources.toml`` (title, URL, group, kind); the columns are
documented in ``corpus/README.md``. ``load_corpus()`` reads every file and returns the measurements (``label`` =
the source id, ``source`` = the row's URL, ``row`` = the CSV line) and the sources. A row whose hardware, model
or format has no catalog id keeps its text in ``*_raw`` and is scored as "not comparable" with the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
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


def load_corpus(corpus_dir: Path = CORPUS_DIR) -> tuple[list[Measurement], dict[str, Source]]:
    """Every measurement of every source file, and the sources (see the module docstring)."""
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
    return measurements, sources
