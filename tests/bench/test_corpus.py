"""The evidence corpus (bench/validation/corpus): every row sourced and readable, one rule per test."""

from __future__ import annotations

import csv
import dataclasses
import re
from collections import Counter

import pytest

from advisor.context import default_context
from advisor.measurement import Metric
from bench.validation.corpus import COLUMNS, CORPUS_DIR, load_corpus
from bench.validation.harness import CATEGORIES, evaluate, summarize


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_every_file_has_the_documented_header():
    for path in CORPUS_DIR.glob("*.csv"):
        with path.open(newline="") as fh:
            header = next(csv.reader(fh))
        assert set(header) <= set(COLUMNS), f"{path.name}: unknown columns {sorted(set(header) - set(COLUMNS))}"


def test_every_row_has_a_source_url_and_a_date(corpus):
    measurements, _ = corpus
    for m in measurements:
        assert m.source.startswith(("https://", "http://", "shared/fixtures/")), f"{m.label}:{m.row}: {m.source!r}"
        assert m.measured_at is not None, f"{m.label}:{m.row}: no checked date"


def test_every_source_names_a_group_and_a_url(corpus):
    _, sources = corpus
    for s in sources.values():
        assert s.group and s.url.startswith(("https://", "http://", "shared/")), s.id


def test_catalog_ids_resolve_or_stay_empty(corpus):
    """An id in the corpus is a real catalog id; an unmapped name stays in *_raw with the id left empty."""
    measurements, _ = corpus
    ctx = default_context()
    for m in measurements:
        where = f"{m.label}:{m.row}"
        assert m.hardware_sku is None or m.hardware_sku in ctx.catalog.skus, f"{where}: sku {m.hardware_sku}"
        assert m.model_id is None or m.model_id in ctx.models, f"{where}: model {m.model_id}"
        assert m.format_id is None or m.format_id in ctx.formats, f"{where}: format {m.format_id}"
        # an engine without a catalog file (ollama, tgi, ...) keeps its snake_case id and is scored for any engine
        assert not m.engine or m.engine in ctx.engines or re.fullmatch(r"[a-z][a-z0-9_]*", m.engine), where
        assert m.hardware_sku or m.hardware_raw, f"{where}: neither a SKU nor the device as printed"


def test_no_measurement_is_listed_twice(corpus):
    measurements, _ = corpus
    keys = Counter(
        (
            m.label,
            m.hardware_sku or m.hardware_raw,
            m.model_id or m.model_raw,
            m.format_id or m.format_raw,
            m.engine,
            m.backend,
            m.engine_version,
            m.gpus,
            m.batch,
            m.load,
            m.input_len,
            m.output_len,
            m.context_depth,
            m.kv_format,
            m.metric,
            m.statistic,
            m.scope,
            m.value,
        )
        for m in measurements
    )
    dupes = [k for k, n in keys.items() if n > 1]
    assert not dupes, dupes[:3]


def test_quality_scores_are_not_in_the_speed_corpus(corpus):
    measurements, _ = corpus
    assert not [m for m in measurements if m.metric is Metric.QUALITY]


def test_harness_scores_every_category_with_the_app_comparison(corpus):
    measurements, _ = corpus
    scored = evaluate(measurements, default_context())
    for name in CATEGORIES:
        s = summarize(scored, name)
        assert s.scored > 0, f"no scored rows in {name}"
        assert s.median_ape is not None and s.median_ape >= 0
    decode = summarize(scored, "batch-1 decode")
    assert decode.naive_rows == decode.scored  # the bandwidth rule scores the same rows as the estimate


def test_rows_without_a_model_id_are_mapped_by_the_importers_resolver():
    import dataclasses

    from bench.validation.corpus import map_models, model_names
    from measurements.normalize import Resolver

    base = load_corpus()[0][0]
    rows = [
        dataclasses.replace(base, model_id=None, model_raw=raw, params_b=params, extra={})
        for raw, params in (
            ("LLaMA v3.1 70B", None),
            ("llama 8B Q4_K - Medium (meta-llama-3.1-8b-instruct-q4_0.gguf)", 8.03),
            ("Falcon-XYZ 999B", None),
        )
    ]
    assert model_names(rows[1].model_raw)[0] == "meta-llama-3.1-8b-instruct-q4_0.gguf"
    mapped = map_models(rows, Resolver(default_context()))
    assert [m.model_id for m in mapped] == ["llama-3.1-70b", "llama-3.1-8b", None]
    assert mapped[0].extra["model_mapped_from"] == "LLaMA v3.1 70B"
    assert "model_mapped_from" not in mapped[2].extra


def test_a_cpu_thread_sweep_keeps_only_its_most_threads_rows(corpus):
    """ik_llama.cpp's README sweeps tg128 over 1-8 threads: only the rows at the most threads are evidence for the
    device, one thread count per configuration."""
    from bench.validation.corpus import full_device_threads

    measurements, _ = corpus
    sweep = [
        m for m in measurements if m.label == "ikawrakow_cpu_quant_types_b3441" and m.metric is Metric.DECODE_TOK_S
    ]
    kept = Counter((m.hardware_raw, m.model_raw, m.format_raw) for m in sweep)
    assert sweep and max(kept.values()) == 1
    one = sweep[0]
    fewer = dataclasses.replace(one, extra={"source_locator": "threads=2 tg128"}, value=one.value / 2)
    other = dataclasses.replace(one, model_raw="another model", extra={"source_locator": "threads=2 tg128"})
    plain = dataclasses.replace(one, extra={})
    assert full_device_threads([one, fewer, other, plain]) == [one, other, plain]
