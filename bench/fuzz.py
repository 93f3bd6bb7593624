"""Fuzz every untrusted-input boundary with hostile input and count what happens (issue 18).

Inputs are built from the real sample files (``tests/fixtures/benchmarks``, ``tests/fixtures/imports`` and
``tests/fixtures/hf_configs``, the shared llama-bench fixtures, the recorded probe report):

- plain mutation: truncation, byte flips, inserted/deleted spans, duplicated and shuffled lines, UTF-16
  (with and without BOM) / UTF-32 / Latin-1 / UTF-8 BOM, NUL bytes, numbers replaced by NaN, Infinity, 1e400,
  negative, zero and huge values, formula / HTML / script payloads in names, 1,000-5,000-level nesting inside
  an otherwise valid record, 10,000-column CSV, a 50 MB file, a file just under the upload limit;
- hypothesis: generic-schema CSVs, vLLM result JSON and llama-bench JSONL records with generated values;
- every query parameter of the Advise page (``ui.params.parse_params`` with the page's own spec) and the
  ``?report=`` id of the report view;
- the query string of every other page: the Hardware page's ``?compare=`` reader on its own, and the Hardware,
  Benchmarks, Probe, Reports, About and report-view pages rendered by ``AppTest`` with hostile parameters;
- the probe-report upload;
- the Hugging Face ``config.json`` model loader: the real configs mutated field by field (missing, negative,
  zero, huge, NaN/Infinity, strings, wrong types, nested values, text_config nesting and loops, hostile
  quantization_config, 200,000-entry lists, a 10 MB config) through ``advisor.model_config.spec_from_hf_config``
  and ``advisor.hub.model_from_config``, and as bytes through the page's upload/paste path (``read_config_bytes``,
  ``missing_shape_fields``, ``save_custom_model`` into the store, ``model_of``) and the CLI's ``--model-config``
  path. A refusal is one of the project's own errors (ModelConfigError, ConfigFileError, HubError,
  CustomModelError) with a message; any other exception, a bare ValueError included, is unhandled.

Uploads go through ``measurements.service.import_file`` on a temporary SQLite store. After every refused
input the store's user tables are hashed and must equal the baseline; an accepted upload is checked
(its row count), deleted, and the hash must come back to the baseline; an accepted config.json upload is
deleted the same way. Any exception that is not the boundary's own refusal type is an unhandled case. Each
case is timed (the boundary's call only: reading back and deleting what an accepted case stored is checked
outside the time and the trace); cases over 256 KB run a second time under tracemalloc for their peak Python
allocation and report their resident-set growth; the process's peak RSS is reported too.

    .venv/bin/python bench/fuzz.py [--cases 10000] [--seed 18] [--json OUT] [--light]

``run_fuzz`` is the library entry point; ``tests/hardening/test_fuzz_slice.py`` runs a fixed-seed
slice of it (~380 cases).
"""

from __future__ import annotations

import argparse
import codecs
import dataclasses
import hashlib
import json
import os
import platform
import random
import re
import resource
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Pages render under AppTest, outside a server: streamlit's "missing ScriptRunContext" warnings are noise here.
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

FIXTURE_DIRS = [REPO / "tests" / "fixtures" / d for d in ("benchmarks", "imports", "hf_configs")]
SHARED_LLAMA = REPO.parent / "shared" / "fixtures" / "llama-bench"
PROBE_REPORT = REPO / "tests" / "fixtures" / "probes" / "zen4_cpu_bench.json"
NOT_SAMPLES = {"SOURCES.md", "README.md", "SOURCES.toml", "LICENSE"}

FORMULA = "=cmd|' /C calc'!A0"
PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    FORMULA,
    "+1+1",
    "@SUM(A1:A9)",
    "-2+3",
    '"><svg onload=alert(1)>',
    "' OR 1=1 --",
    "\u202eevil",
    "a\x00b",
    "é" * 300,
)
#: What a person can type as a label (a browser or a shell can't send a NUL character).
LABELS = tuple(p for p in PAYLOADS if "\x00" not in p)
SPECIAL_NUMBERS = (
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "nan",
    "inf",
    "-1",
    "-100.5",
    "0",
    "0.0",
    "1e308",
    "1e-320",
    "99999999999999999999999999999",
    "-0",
    "1_000",
    "0x10",
)
_NUMBER = re.compile(rb"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])")
_JSON_STRING_VALUE = re.compile(rb'(:\s*)"([^"\\]{1,80})"')

SLOW_S = 5.0
BIG_BYTES = 256 * 1024
MEMORY_LIMIT_MB = 500.0


# ---------------------------------------------------------------- results


@dataclasses.dataclass
class Case:
    kind: str  # "upload" | "params" | "report_id" | "probe" | "model_config" | "hub"
    name: str  # generator and sample, e.g. "truncate:vllm_serve_result_pr18566.json"
    outcome: str = ""  # "imported" | "duplicate" | "refused" | "accepted" | "unhandled"
    seconds: float = 0.0
    peak_mb: float | None = None  # tracemalloc peak of a second run (inputs over 256 KB)
    rss_growth_mb: float | None = None  # resident-set high-water mark above the RSS at the start of the case
    size_bytes: int = 0
    detail: str = ""


@dataclasses.dataclass
class FuzzReport:
    cases: list[Case] = dataclasses.field(default_factory=list)
    store_changes: list[str] = dataclasses.field(default_factory=list)
    wall_s: float = 0.0
    max_rss_mb: float = 0.0
    start_rss_mb: float = 0.0
    seed: int = 0

    @property
    def unhandled(self) -> list[Case]:
        return [c for c in self.cases if c.outcome == "unhandled"]

    def counts(self) -> Counter:
        return Counter(c.outcome for c in self.cases)

    def by_kind(self) -> dict[str, Counter]:
        out: dict[str, Counter] = {}
        for c in self.cases:
            out.setdefault(c.kind, Counter())[c.outcome] += 1
        return out

    def slowest(self) -> Case:
        return max(self.cases, key=lambda c: c.seconds)

    def rss_peak(self) -> Case | None:
        measured = [c for c in self.cases if c.rss_growth_mb is not None]
        return max(measured, key=lambda c: c.rss_growth_mb or 0.0) if measured else None

    def peak(self) -> Case | None:
        measured = [c for c in self.cases if c.peak_mb is not None]
        return max(measured, key=lambda c: c.peak_mb or 0.0) if measured else None

    def summary(self) -> dict[str, Any]:
        slow, peak, rss = self.slowest(), self.peak(), self.rss_peak()
        return {
            "seed": self.seed,
            "cases": len(self.cases),
            "outcomes": dict(self.counts()),
            "by_kind": {k: dict(v) for k, v in sorted(self.by_kind().items())},
            "unhandled": [dataclasses.asdict(c) for c in self.unhandled[:50]],
            "store_changes_after_refusal": len(self.store_changes),
            "store_change_cases": self.store_changes[:20],
            "slowest": dataclasses.asdict(slow),
            "over_5_s": sum(c.seconds > SLOW_S for c in self.cases),
            "peak_case": dataclasses.asdict(peak) if peak else None,
            "rss_peak_case": dataclasses.asdict(rss) if rss else None,
            "over_500_mb": sum(max(c.peak_mb or 0, c.rss_growth_mb or 0) > MEMORY_LIMIT_MB for c in self.cases),
            "slowest_10": [
                (c.name, round(c.seconds, 3), c.outcome) for c in sorted(self.cases, key=lambda c: -c.seconds)[:10]
            ],
            "largest_peaks": [
                (c.name, round(c.peak_mb or 0, 1), round(c.rss_growth_mb or 0, 1), c.outcome)
                for c in sorted(self.cases, key=lambda c: -(c.peak_mb or 0))[:10]
            ],
            "p99_case_s": round(sorted(c.seconds for c in self.cases)[int(len(self.cases) * 0.99)], 4),
            "targeted": [
                (c.name, c.outcome, round(c.seconds, 3), round(c.peak_mb or 0, 1), c.detail[:160])
                for c in self.cases
                if c.kind == "upload" and ":" not in c.name or c.name.startswith(("deep_nesting_", "wide_csv_10k"))
            ][:80],
            "targeted_configs": [
                (c.kind, c.name, c.outcome, round(c.seconds, 3), round(c.peak_mb or 0, 1), c.detail[:160])
                for c in self.cases
                if c.kind in ("model_config", "config_upload") and ":" not in c.name
            ],
            "unhandled_by_place": dict(
                Counter(
                    f"{c.kind} {c.detail.split(':')[0]} {c.detail[c.detail.rfind('(at ') :]}" for c in self.unhandled
                )
            ),
            "page_cli_disagreements": sum(c.detail.startswith("DISAGREE") for c in self.cases),
            "max_s_by_kind": {
                k: round(max(c.seconds for c in self.cases if c.kind == k), 3) for k in sorted(self.by_kind())
            },
            "max_rss_mb": round(self.max_rss_mb, 1),
            "start_rss_mb": round(self.start_rss_mb, 1),
            "wall_s": round(self.wall_s, 1),
        }


# ---------------------------------------------------------------- the store and its fingerprint


class Store:
    """A temporary migrated SQLite store with one seed upload; ``digest`` hashes every user table's rows."""

    def __init__(self, directory: Path, url: str | None = None) -> None:
        from sqlalchemy import inspect
        from sqlalchemy import text as sql

        from measurements.service import import_file
        from store.db import create_db_engine
        from store.migrate import prepare_database

        self.engine = create_db_engine(url or f"sqlite:///{directory / 'fuzz.db'}")
        if url:  # a PostgreSQL database given on purpose: start from an empty schema
            with self.engine.begin() as conn:
                conn.execute(sql("DROP SCHEMA public CASCADE"))
                conn.execute(sql("CREATE SCHEMA public"))
        prepare_database(self.engine)
        seed = SHARED_LLAMA / "rtx4080_b5163.csv"
        result = import_file(seed.read_bytes(), seed.name, label="seed", engine=self.engine)
        assert result.imported, result.message
        names = inspect(self.engine).get_table_names()
        self.user_tables = sorted(n for n in names if not n.startswith("catalog_"))
        self.all_tables = sorted(names)
        self.baseline = self.digest()
        self.full_baseline = self.digest(self.all_tables)

    def digest(self, tables: list[str] | None = None) -> str:
        h = hashlib.sha256()
        with self.engine.connect() as conn:
            for name in tables or self.user_tables:
                rows = conn.exec_driver_sql(f'SELECT * FROM "{name}"').fetchall()
                h.update(name.encode())
                for r in sorted(repr(tuple(row)) for row in rows):
                    h.update(r.encode())
        return h.hexdigest()


# ---------------------------------------------------------------- plain mutation of the real samples


def sample_files() -> list[Path]:
    found: list[Path] = []
    for d in FIXTURE_DIRS:
        if d.is_dir():
            found += [p for p in sorted(d.rglob("*")) if p.is_file() and p.name not in NOT_SAMPLES]
    if SHARED_LLAMA.is_dir():
        found += sorted(p for p in SHARED_LLAMA.iterdir() if p.is_file())
    return found


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [data]


def _pick_span(data: bytes, rng: random.Random) -> tuple[int, int]:
    a = rng.randrange(len(data) + 1)
    return a, min(len(data), a + rng.randint(1, 64))


def m_truncate(d: bytes, rng: random.Random) -> bytes:
    return d[: rng.randrange(len(d) + 1)]


def m_flip(d: bytes, rng: random.Random) -> bytes:
    b = bytearray(d)
    for _ in range(rng.randint(1, 8)):
        if b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def m_random_bytes(d: bytes, rng: random.Random) -> bytes:
    b = bytearray(d)
    for _ in range(rng.randint(1, 8)):
        if b:
            b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def m_insert(d: bytes, rng: random.Random) -> bytes:
    a = rng.randrange(len(d) + 1)
    junk = rng.choice([rng.randbytes(rng.randint(1, 40)), b"\x00" * 4, b'"', b",", b"\n", b"{", b"]", b"|"])
    return d[:a] + junk + d[a:]


def m_delete(d: bytes, rng: random.Random) -> bytes:
    a, b = _pick_span(d, rng)
    return d[:a] + d[b:]


def m_duplicate_lines(d: bytes, rng: random.Random) -> bytes:
    lines = _lines(d)
    i = rng.randrange(len(lines))
    return b"".join(lines[: i + 1] + [lines[i]] * rng.randint(1, 50) + lines[i + 1 :])


def m_duplicate_body(d: bytes, rng: random.Random) -> bytes:
    lines = _lines(d)
    return b"".join(lines[:1] + lines[1:] * rng.randint(2, 20))


def m_shuffle_lines(d: bytes, rng: random.Random) -> bytes:
    lines = _lines(d)
    rng.shuffle(lines)
    return b"".join(lines)


def m_crlf(d: bytes, rng: random.Random) -> bytes:
    return d.replace(b"\r\n", b"\n").replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\n"]))


def _text(d: bytes) -> str:
    return d.decode("utf-8", errors="replace")


def m_encoding(d: bytes, rng: random.Random) -> bytes:
    t = _text(d)
    enc = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "utf-8-sig", "bom-twice"])
    if enc == "bom-twice":
        return codecs.BOM_UTF8 * 2 + d
    if enc in ("latin-1", "cp1252"):
        t += " caf\u00e9 \u00b5s"
    return t.encode(enc, errors="replace")


def m_nul(d: bytes, rng: random.Random) -> bytes:
    a = rng.randrange(len(d) + 1)
    return d[:a] + b"\x00" * rng.randint(1, 16) + d[a:]


def m_numbers(d: bytes, rng: random.Random) -> bytes:
    matches = list(_NUMBER.finditer(d))
    if not matches:
        return d
    out = bytearray(d)
    for m in sorted(rng.sample(matches, min(len(matches), rng.randint(1, 6))), key=lambda m: -m.start()):
        out[m.start() : m.end()] = rng.choice(SPECIAL_NUMBERS).encode()
    return bytes(out)


def m_payload_names(d: bytes, rng: random.Random) -> bytes:
    payload = rng.choice(PAYLOADS).encode()
    strings = list(_JSON_STRING_VALUE.finditer(d))
    if strings:  # JSON: a string value becomes the payload (JSON-escaped)
        m = rng.choice(strings)
        return d[: m.start(2)] + json.dumps(payload.decode())[1:-1].encode() + d[m.end(2) :]
    lines = _lines(d)  # CSV / text: a cell or word on a data line
    i = rng.randrange(len(lines))
    cells = lines[i].split(b",")
    j = rng.randrange(len(cells))
    cells[j] = b'"' + payload.replace(b'"', b'""') + b'"' if rng.random() < 0.5 else payload
    lines[i] = b",".join(cells)
    return b"".join(lines)


def deep(depth: int, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def m_deep_nesting(d: bytes, rng: random.Random) -> bytes:
    return nest_into(d, rng.choice([1_000, 1_001, 2_000, 5_000, rng.randint(65, 5_000)]), rng)


def nest_into(d: bytes, depth: int, rng: random.Random) -> bytes:
    """``depth`` levels inside an otherwise valid record (JSON / JSONL), or a deep value in a text file."""
    t = _text(d)
    nest = deep(depth, rng)
    try:
        obj = json.loads(t)
    except (ValueError, RecursionError):  # the input may already be deep (a second mutation)
        obj = None
    if isinstance(obj, dict | list):
        target = obj[0] if isinstance(obj, list) and obj and isinstance(obj[0], dict) else obj
        if isinstance(target, dict) and target:
            key = rng.choice(sorted(target))
            target[key] = "__NEST__"
            return json.dumps(obj).replace('"__NEST__"', nest, 1).encode()
    lines = t.splitlines(keepends=True)
    for i, line in enumerate(lines):  # JSONL: the first record gets the deep value
        s = line.strip()
        if s.startswith("{") and s.endswith("}"):
            try:
                rec = json.loads(s)
            except (ValueError, RecursionError):
                break
            if isinstance(rec, dict) and rec:
                rec[rng.choice(sorted(rec))] = "__NEST__"
                lines[i] = json.dumps(rec).replace('"__NEST__"', nest, 1) + "\n"
                return "".join(lines).encode()
            break
    a = rng.randrange(len(t) + 1)  # text formats: a deep "value" somewhere
    return (t[:a] + nest + t[a:]).encode()


def m_wide_csv(d: bytes, rng: random.Random) -> bytes:
    """10,000 extra columns on every row (the header gets unique names); rows re-written with the csv module."""
    import csv as _csv
    import io as _io

    n = rng.choice([10_000, 10_001, 12_345])
    try:
        rows = list(_csv.reader(_io.StringIO(_text(d))))
    except _csv.Error:
        return d
    if not rows:
        return d
    buf = _io.StringIO()
    w = _csv.writer(buf, lineterminator="\n")
    w.writerow([*rows[0], *(f"x{i}" for i in range(n))])
    for row in rows[1:]:
        w.writerow([*row, *(["1"] * n)])
    return buf.getvalue().encode()


def m_empty(d: bytes, rng: random.Random) -> bytes:
    return rng.choice([b"", b" ", b"\n\n", b"\xef\xbb\xbf", b"\xff\xfe", b"{}", b"[]", b"null", b"[[]]", b'""'])


MUTATORS: list[tuple[str, Callable[[bytes, random.Random], bytes], int]] = [
    ("truncate", m_truncate, 14),
    ("flip", m_flip, 12),
    ("random_bytes", m_random_bytes, 8),
    ("insert", m_insert, 8),
    ("delete", m_delete, 8),
    ("duplicate_lines", m_duplicate_lines, 6),
    ("duplicate_body", m_duplicate_body, 4),
    ("shuffle_lines", m_shuffle_lines, 3),
    ("line_endings", m_crlf, 3),
    ("encoding", m_encoding, 8),
    ("nul", m_nul, 4),
    ("numbers", m_numbers, 10),
    ("payload_names", m_payload_names, 10),
    ("deep_nesting", m_deep_nesting, 4),
    ("empty", m_empty, 1),
]


def mutated_uploads(n: int, rng: random.Random) -> Iterator[tuple[str, bytes, str]]:
    samples = [(p.name, p.read_bytes()) for p in sample_files()]
    names, funcs, weights = zip(*MUTATORS, strict=True)
    for _ in range(n):
        file_name, data = rng.choice(samples)
        i = rng.choices(range(len(funcs)), weights=weights)[0]
        out = funcs[i](data, rng)
        if rng.random() < 0.2:  # a second mutation on top
            j = rng.choices(range(len(funcs)), weights=weights)[0]
            out = funcs[j](out, rng)
        yield f"{names[i]}:{file_name}", out, file_name


def targeted_uploads(rng: random.Random, *, heavy: bool) -> Iterator[tuple[str, bytes, str]]:
    """The hostile shapes the issue lists, each against every sample it applies to."""
    samples = [(p.name, p.read_bytes()) for p in sample_files()]
    for name, data in samples:
        for depth in (1_000, 5_000):
            yield f"deep_nesting_{depth}:{name}", nest_into(data, depth, rng), name
        if name.endswith(".csv"):
            yield f"wide_csv_10k:{name}", m_wide_csv(data, rng), name
    yield "deep_array_100k", ("[" * 100_000 + "]" * 100_000).encode(), "deep.json"
    yield "deep_jsonl_line", (deep(3_000, rng) + "\n" + deep(3_000, rng) + "\n").encode(), "deep.jsonl"
    yield "deep_unclosed", ("{" * 200_000).encode(), "open.json"
    yield "many_empty_objects", ("[" + "{}," * 3_000_000 + "{}]").encode(), "objs.json"
    yield "many_scalars", ("[" + "0," * 5_000_000 + "0]").encode(), "zeros.json"
    yield "wide_generic_10k", _wide_generic(10_000), "wide.csv"
    yield "long_line", b"hardware,model,decode_tok_s\n" + b"x" * 2_000_000 + b"\n", "long.csv"
    yield "huge_field", b'hardware,model,decode_tok_s\nh100_sxm5_80gb,"' + b"y" * 500_000 + b'",1\n', "field.csv"
    vllm = (REPO / "tests/fixtures/benchmarks/vllm_serve_result_pr18566.json").read_bytes()
    big = vllm * (50 * 1024 * 1024 // len(vllm) + 1)
    yield "file_50mb", big[: 50 * 1024 * 1024], "big.json"
    if heavy:
        # A JSON integer over Python's 4,300-digit int() limit: a bare ValueError out of json.loads in
        # safeio.limits (not fixed yet: tests/hardening/test_config_fuzz.py), so kept out of the CI slice.
        for name, data in samples:
            if name.endswith((".json", ".jsonl")) and data.rstrip().endswith(b"}"):
                body = data.rstrip()
                yield f"int_5000_digits:{name}", body[:-1] + b', "zz": ' + b"9" * 5_000 + b"}\n", name
        shared = (SHARED_LLAMA / "rtx4080_b5163.csv").read_bytes()
        head, *rows = shared.splitlines(keepends=True)
        under = head + b"".join(rows) * ((19 * 1024 * 1024) // len(b"".join(rows)))
        yield "file_19mb_llama_csv", under, "sweep.csv"
        g = b"hardware,model,decode_tok_s\n" + b"h100_sxm5_80gb,llama-3.1-8b,100\n" * 600_000
        yield "generic_600k_rows", g, "rows.csv"


def _wide_generic(n: int) -> bytes:
    names = ["hardware", "model", "decode_tok_s", *(f"c{i}" for i in range(n))]
    values = ["h100_sxm5_80gb", "llama-3.1-8b", "100", *(["1"] * n)]
    return (",".join(names) + "\n" + ",".join(values) + "\n").encode()


# ---------------------------------------------------------------- hypothesis-generated uploads and parameters


def hypothesis_cases(kind: str, n: int, seed: int, body: Callable[..., None], strategy: Any) -> None:
    """Run ``body`` on ``n`` examples of ``strategy`` (generate phase only: the body records, never raises)."""
    if n <= 0:
        return
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    @hseed(seed)
    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(value: Any) -> None:
        body(value)

    run()


def upload_strategies() -> Any:
    from hypothesis import strategies as st

    text = st.one_of(st.text(max_size=40), st.sampled_from(PAYLOADS), st.sampled_from(SPECIAL_NUMBERS))
    hardware = st.one_of(st.sampled_from(["h100_sxm5_80gb", "NVIDIA H100 80GB HBM3", "rtx_4090", "A100"]), text)
    model = st.one_of(st.sampled_from(["llama-3.1-8b", "Llama-3.1-70B-Instruct", "qwen2.5-7b"]), text)
    number = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.sampled_from(SPECIAL_NUMBERS),
        text,
    )
    json_value = st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=12,
    )
    generic_columns = ["format", "engine", "gpus", "batch", "prefill_tok_s", "ttft_ms", "memory_gb", "notes", "date"]

    @st.composite
    def generic_csv(draw: Any) -> tuple[str, bytes, str]:
        extra = draw(st.lists(st.sampled_from(generic_columns), unique=True, max_size=5))
        header = ["hardware", "model", "decode_tok_s", *extra]
        rows = draw(
            st.lists(
                st.tuples(hardware, model, number, *[st.one_of(number, text) for _ in extra]), min_size=1, max_size=6
            )
        )
        import csv as _csv
        import io as _io

        buf = _io.StringIO()
        w = _csv.writer(buf)
        w.writerow(header)
        for r in rows:
            w.writerow([str(v) for v in r])
        if draw(st.booleans()):
            w.writerow([str(v) for v in rows[0]])  # a duplicate row
        return "generic_csv", buf.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))), "g.csv"

    @st.composite
    def vllm_json(draw: Any) -> tuple[str, bytes, str]:
        base = json.loads((REPO / "tests/fixtures/benchmarks/vllm_serve_result_pr18566.json").read_text())
        for key in draw(st.lists(st.sampled_from(sorted(base)), max_size=6)):
            base[key] = draw(st.one_of(number, json_value, text))
        base["model_id"] = draw(model)
        body = json.dumps(base, allow_nan=True)
        return "vllm_json", body.encode(), "result.json"

    @st.composite
    def llama_jsonl(draw: Any) -> tuple[str, bytes, str]:
        lines = (SHARED_LLAMA / "rtx4080_b5163.jsonl").read_text().splitlines()
        out = []
        for line in lines:
            rec = json.loads(line)
            for key in draw(st.lists(st.sampled_from(sorted(rec)), max_size=4)):
                rec[key] = draw(st.one_of(number, json_value, text))
            rec["gpu_info"] = draw(hardware)
            out.append(json.dumps(rec, allow_nan=True))
        return "llama_jsonl", ("\n".join(out) + "\n").encode(), "bench.jsonl"

    return st.one_of(generic_csv(), vllm_json(), llama_jsonl())


# ---------------------------------------------------------------- the config.json model loader

CONFIG_ROOT = REPO / "tests" / "fixtures" / "hf_configs"
#: What a hostile config.json can put in a field: out-of-range, non-finite, wrong-typed and payload values.
HOSTILE_VALUES: tuple[Any, ...] = (
    -1,
    0,
    -(2**63),
    2**63,
    10**30,
    10**400,
    1e300,
    -1e300,
    1e-300,
    float("nan"),
    float("inf"),
    float("-inf"),
    32.5,
    32.0,
    "32",
    "",
    "abc",
    True,
    False,
    None,
    [],
    {},
    [1, 2, 3],
    {"a": 1},
    [None],
    "<script>alert(1)</script>",
    FORMULA,
)
#: Fields the parser reads (the shape, MoE, MLA, attention layout, hybrid blocks, quantization) -- hostile
#: values go here more often than into fields it ignores.
CONFIG_FIELDS = (
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "num_key_value_heads",
    "vocab_size",
    "intermediate_size",
    "head_dim",
    "max_position_embeddings",
    "num_local_experts",
    "num_experts",
    "n_routed_experts",
    "num_experts_per_tok",
    "moe_intermediate_size",
    "n_shared_experts",
    "shared_expert_intermediate_size",
    "first_k_dense_replace",
    "decoder_sparse_step",
    "mlp_only_layers",
    "interleave_moe_layer_step",
    "intermediate_size_mlp",
    "kv_lora_rank",
    "qk_rope_head_dim",
    "qk_nope_head_dim",
    "v_head_dim",
    "q_lora_rank",
    "index_n_heads",
    "index_head_dim",
    "sliding_window",
    "sliding_window_pattern",
    "max_window_layers",
    "use_sliding_window",
    "layer_types",
    "full_attention_interval",
    "attention_chunk_size",
    "no_rope_layers",
    "no_rope_layer_interval",
    "hybrid_override_pattern",
    "layers_block_type",
    "mamba_num_heads",
    "linear_num_key_heads",
    "global_head_dim",
    "num_nextn_predict_layers",
    "mtp_num_hidden_layers",
    "tie_word_embeddings",
    "torch_dtype",
    "architectures",
    "model_type",
    "multi_query",
    "quantization_config",
    "text_config",
)


def config_samples() -> list[tuple[str, dict]]:
    """Every real config.json under tests/fixtures/hf_configs (the model fixtures and the catalog sources)."""
    out = []
    for p in sorted(CONFIG_ROOT.rglob("config.json")):
        cfg = json.loads(p.read_text())
        if isinstance(cfg, dict):
            out.append((p.parent.name, cfg))
    return out


def _nested(depth: int, leaf: Any, rng: random.Random) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"a": value}
    return value


def _parsed_fields(cfg: dict) -> list[str]:
    """The keys of ``cfg`` (and of its text_config) that the parser reads, else every key."""
    tc = cfg.get("text_config") if isinstance(cfg.get("text_config"), dict) else {}
    keys = [k for k in CONFIG_FIELDS if k in cfg or k in tc]
    return keys or sorted(cfg) or ["num_hidden_layers"]


def _target(cfg: dict, key: str) -> dict:
    """The dict that holds ``key``: text_config for a multimodal config whose language model lives there."""
    tc = cfg.get("text_config")
    return tc if isinstance(tc, dict) and key in tc else cfg


def c_value(cfg: dict, rng: random.Random) -> Any:
    for _ in range(rng.randint(1, 3)):
        key = rng.choice(_parsed_fields(cfg) if rng.random() < 0.85 else list(CONFIG_FIELDS))
        _target(cfg, key)[key] = rng.choice(HOSTILE_VALUES)
    return cfg


def c_drop(cfg: dict, rng: random.Random) -> Any:
    for _ in range(rng.randint(1, 4)):
        key = rng.choice(_parsed_fields(cfg))
        _target(cfg, key).pop(key, None)
    return cfg


def c_scale(cfg: dict, rng: random.Random) -> Any:
    """Numbers that stay integers but make no model: negative, zero, huge, or inconsistent with each other."""
    numeric = [k for k in _parsed_fields(cfg) if isinstance(_target(cfg, k).get(k), int | float)]
    for key in rng.sample(numeric, min(len(numeric), rng.randint(1, 3))) if numeric else []:
        t = _target(cfg, key)
        t[key] = rng.choice([-t[key], 0, t[key] * 10**9, t[key] + 1, 2**31, 2**64 + 1, 10**18, 1, 3])
    return cfg


def c_text_config(cfg: dict, rng: random.Random) -> Any:
    """text_config nesting: the model moved under text_config, text_config inside text_config (a loop unrolled
    up to 60 levels, inside the JSON depth limit), text_config of the wrong type, or an empty one."""
    how = rng.choice(["move", "nest", "wrong_type", "empty", "copy", "both_levels"])
    if how == "move":
        return {"architectures": cfg.get("architectures"), "model_type": "x", "text_config": cfg}
    if how == "nest":
        out = cfg
        for _ in range(rng.choice([2, 5, 30, 60])):
            out = {"text_config": out, "model_type": "wrapper"}
        return out
    if how == "wrong_type":
        cfg[rng.choice(["text_config", "llm_config", "language_config"])] = rng.choice(HOSTILE_VALUES)
        return cfg
    if how == "empty":
        cfg["text_config"] = {}
        return cfg
    if how == "copy":
        cfg["text_config"] = json.loads(json.dumps(cfg, allow_nan=True))
        return cfg
    cfg["text_config"] = c_value(json.loads(json.dumps(cfg, allow_nan=True)), rng)
    return cfg


def c_deep(cfg: dict, rng: random.Random) -> Any:
    """A parsed field replaced by a nested value (depth 10-60: what the 64-level JSON limit lets through)."""
    key = rng.choice(_parsed_fields(cfg))
    _target(cfg, key)[key] = _nested(rng.choice([10, 40, 60]), rng.choice([1, "x", None]), rng)
    return cfg


def c_wrong_top(cfg: dict, rng: random.Random) -> Any:
    return rng.choice([[cfg], "config", 7, None, True, [], 1.5, [cfg, cfg]])


def c_quant(cfg: dict, rng: random.Random) -> Any:
    """quantization_config of every method the parser maps, with hostile parts."""
    bad = rng.choice(HOSTILE_VALUES)
    q = rng.choice(
        [
            {"quant_method": "compressed-tensors", "config_groups": {"g": bad}},
            {"quant_method": "compressed-tensors", "config_groups": {"g": {"weights": bad, "input_activations": bad}}},
            {"quant_method": "compressed-tensors", "config_groups": bad, "format": bad},
            {"quant_method": "compressed-tensors", "config_groups": {"g": {"weights": {"num_bits": bad, "type": bad}}}},
            {"quant_method": bad, "bits": bad},
            {"quant_method": "awq", "bits": bad, "w_bit": bad},
            {"quant_method": "gptq", "bits": bad},
            {"quant_method": "fp8", "weight_block_size": bad},
            {"quant_method": "bitsandbytes", "load_in_4bit": bad, "bnb_4bit_quant_type": bad},
            {"quant_method": "torchao", "quant_type": bad},
            {"quant_method": "torchao", "quant_type": {"default": bad}},
            {"producer": bad, "quantization": {"quant_algo": bad}},
            {"quant_algo": bad},
            bad,
        ]
    )
    _target(cfg, "quantization_config")["quantization_config"] = q
    return cfg


def c_arch(cfg: dict, rng: random.Random) -> Any:
    cfg[rng.choice(["architectures", "model_type", "_name_or_path"])] = rng.choice(
        [*HOSTILE_VALUES, ["<img src=x onerror=alert(1)>"], {"k": "v"}, "é" * 300]
    )
    return cfg


def c_big(cfg: dict, rng: random.Random) -> Any:
    """Long lists and strings in fields the parser walks (layer_types, mlp_only_layers, hybrid patterns)."""
    n = rng.choice([10_000, 200_000])
    key = rng.choice(["layer_types", "mlp_only_layers", "no_rope_layers", "hybrid_override_pattern", "model_type"])
    if key == "hybrid_override_pattern":
        value: Any = "M*-" * (n // 3)
    elif key == "model_type":
        value = "x" * n
    else:
        value = [rng.choice(["sliding_attention", "full_attention", "linear_attention", 1, 0])] * n
    _target(cfg, key)[key] = value
    return cfg


CONFIG_MUTATORS: list[tuple[str, Callable[[dict, random.Random], Any], int]] = [
    ("value", c_value, 30),
    ("drop", c_drop, 10),
    ("scale", c_scale, 15),
    ("text_config", c_text_config, 10),
    ("deep", c_deep, 5),
    ("wrong_top", c_wrong_top, 3),
    ("quant", c_quant, 12),
    ("arch", c_arch, 5),
    ("big", c_big, 2),
]


def mutated_configs(n: int, rng: random.Random) -> Iterator[tuple[str, Any]]:
    samples = config_samples()
    names, funcs, weights = zip(*CONFIG_MUTATORS, strict=True)
    for _ in range(n):
        name, cfg = rng.choice(samples)
        cfg = json.loads(json.dumps(cfg))  # a fresh copy
        i = rng.choices(range(len(funcs)), weights=weights)[0]
        out = funcs[i](cfg, rng)
        if isinstance(out, dict) and rng.random() < 0.3:  # a second mutation on top
            j = rng.choices(range(len(funcs)), weights=weights)[0]
            out = funcs[j](out, rng)
        yield f"{names[i]}:{name}", out


def config_bytes(obj: Any, rng: random.Random) -> bytes:
    """A config as an uploaded file: JSON (NaN/Infinity as Python writes them), sometimes byte-mutated."""
    data = json.dumps(obj, allow_nan=True, indent=rng.choice([None, 2])).encode()
    if rng.random() < 0.35:
        _name, f, _w = rng.choice([m for m in MUTATORS if m[0] not in ("wide_csv",)])
        data = f(data, rng)
    return data


def targeted_configs(rng: random.Random) -> Iterator[tuple[str, Any, bytes | None]]:
    """The shapes the issue names, as (name, value or None, bytes or None): the value goes to the parser, the
    bytes to the upload path."""
    samples = dict(config_samples())
    llama = samples.get("llama-3.1-8b") or next(iter(samples.values()))
    text = json.dumps(llama)
    loop = dict(llama)
    loop["text_config"] = loop  # a text_config loop (a Python caller can build one; JSON cannot)
    yield "text_config_self_loop", loop, None
    yield "file_10mb", None, (text[:-1] + ', "pad": "' + "x" * (10 * 1024 * 1024) + '"}').encode()
    yield "file_just_under_1mb", None, (text[:-1] + ', "pad": "' + "x" * (1024 * 1024 - len(text) - 20) + '"}').encode()
    big = dict(llama, layer_types=["full_attention"] * 1_000_000, pad="x" * (10 * 1024 * 1024))
    yield "dict_10mb", big, None
    yield "deep_text_config_1000", None, ('{"text_config":' * 1_000 + text + "}" * 1_000).encode()
    yield "deep_text_config_50000", None, ('{"text_config":' * 50_000 + "{}" + "}" * 50_000).encode()
    yield "deep_value_5000", None, (text[:-1] + ', "layer_types": ' + deep(5_000, rng) + "}").encode()
    yield "int_5000_digits", None, (text[:-1] + ', "hidden_size": ' + "9" * 5_000 + "}").encode()
    yield "int_400_digits", None, text.replace('"hidden_size": 4096', '"hidden_size": ' + "9" * 400).encode()
    yield "nan_shape", None, text.replace('"num_attention_heads": 32', '"num_attention_heads": NaN').encode()
    yield "infinity_shape", None, text.replace('"hidden_size": 4096', '"hidden_size": Infinity').encode()
    yield "float_1e400", None, text.replace('"vocab_size": 128256', '"vocab_size": 1e400').encode()
    yield "utf16", None, text.encode("utf-16")
    yield "latin1_bom", None, codecs.BOM_UTF8 + (text[:-1] + ', "note": "caf\u00e9"}').encode("latin-1")
    yield "nul_in_string", None, text.replace('"llama"', '"lla\\u0000ma"').encode()
    yield "raw_nul", None, text.encode()[:50] + b"\x00" + text.encode()[50:]
    yield "empty", None, b""
    yield "json_list", None, b"[]"
    yield "json_null", None, b"null"
    yield "many_keys", None, ("{" + ",".join(f'"k{i}": {i}' for i in range(60_000)) + "}").encode()
    yield "duplicate_keys", None, (text[:-1] + ', "num_hidden_layers": -5}').encode()


class ConfigCheck:
    """The two config.json paths: the parser on a dict, and the upload/paste/file path on bytes."""

    def __init__(self, store: Store) -> None:
        from advisor.hub import ConfigFileError, HubError
        from advisor.model_config import ModelConfigError
        from store.custom_models import CustomModelError

        self.store = store
        #: The project's own refusals (ValueError subclasses). A bare ValueError / TypeError / ... is unhandled.
        self.refusals = (ModelConfigError, ConfigFileError, HubError, CustomModelError)

    def parse(self, cfg: Any) -> tuple[str, str]:
        """``spec_from_hf_config`` and ``advisor.hub.model_from_config`` (the CLI's, with detect_quantization)."""
        from advisor.hub import model_from_config
        from advisor.model_config import spec_from_hf_config

        try:
            spec = spec_from_hf_config(cfg)
            spec2, _quant = model_from_config(cfg)
        except self.refusals as exc:
            return self._refused(exc), str(exc)[:200]
        if not (spec.params_b > 0 and spec.params_b == spec2.params_b):
            raise AssertionError(f"accepted with params_b {spec.params_b!r} / {spec2.params_b!r}")
        return "accepted", f"{spec.params_b:g} B parameters"

    def upload(self, data: bytes, label: str) -> tuple[str, str]:
        """What the Advise page's "upload or paste a config.json" does (ui.model_input._upload_tab, without the
        UI: size check, read_config_bytes, missing_shape_fields, save_custom_model in one transaction, model_of)
        and what the CLI's ``--model-config`` does (read_config_bytes, model_from_config). Both must agree."""
        from advisor.hub import DEFAULT_MAX_BYTES, HubError, model_from_config, read_config_bytes
        from advisor.model_config import ModelConfigError, missing_shape_fields
        from store.custom_models import model_of, save_custom_model

        def page() -> Any:
            if len(data) > DEFAULT_MAX_BYTES:
                raise HubError(f"config.json is {len(data):,} bytes, over the {DEFAULT_MAX_BYTES:,}-byte limit")
            cfg = read_config_bytes(data, what="config.json")
            missing = missing_shape_fields(cfg)
            if missing:
                raise ModelConfigError(f"config.json: missing {', '.join(missing)}")
            entry = save_custom_model(
                cfg, name=label.strip() or "pasted config", source="upload", engine=self.store.engine
            )
            return model_of(entry)[0]

        def cli() -> Any:
            return model_from_config(read_config_bytes(data, what="config.json"), name="cli")[0]

        outcomes: list[Any] = []
        for path in (cli, page):
            try:
                outcomes.append(path())
            except self.refusals as exc:
                self._refused(exc)
                outcomes.append(str(exc))
        cli_spec, page_spec = outcomes
        if isinstance(cli_spec, str) != isinstance(page_spec, str):  # refused by one path only: say so
            how = "refused by the page only" if isinstance(page_spec, str) else "refused by the CLI only"
            said = page_spec if isinstance(page_spec, str) else cli_spec
            if isinstance(page_spec, str):
                return "refused", f"DISAGREE ({how}): {said[:160]}"
            self._clear()
            return "accepted", f"DISAGREE ({how}): {said[:160]}"
        if isinstance(page_spec, str):
            return "refused", page_spec[:200]
        if page_spec.params_b != cli_spec.params_b:
            raise AssertionError(f"the page reads {page_spec.params_b} B parameters, the CLI {cli_spec.params_b} B")
        self._clear()
        return "accepted", f"{page_spec.params_b:g} B parameters"

    def _clear(self) -> None:
        """Remove what an accepted upload stored, so the store's baseline holds."""
        from sqlalchemy import text as sql

        with self.store.engine.begin() as conn:
            conn.execute(sql("DELETE FROM custom_models"))

    @staticmethod
    def _refused(exc: BaseException) -> str:
        if not str(exc).strip():
            raise AssertionError(f"a {type(exc).__name__} without a message") from exc
        return "refused"


# ---------------------------------------------------------------- the query parameters of the other pages


def _page_hardware() -> None:
    from ui import hardware_page

    hardware_page.render()


def _page_benchmarks() -> None:
    from ui import benchmarks_page

    benchmarks_page.render()


def _page_probe() -> None:
    from ui import probe_page

    probe_page.render()


def _page_reports() -> None:
    from ui import reports_page

    reports_page.render()


def _page_about() -> None:
    from ui import overview_page

    overview_page.render()


def _page_report_view() -> None:
    from ui import report_view

    report_view.render()


#: Every page but Advise (whose spec goes through ``parse_params`` above), rendered by AppTest with the query
#: string a link can carry: ``compare`` (Hardware), ``report`` (the report view, on any path) and keys no page
#: reads. Benchmarks, Probe, Reports and About read no query parameter: they must ignore every one.
PAGES: dict[str, Callable[[], None]] = {
    "hardware": _page_hardware,
    "benchmarks": _page_benchmarks,
    "probe": _page_probe,
    "reports": _page_reports,
    "about": _page_about,
    "report_view": _page_report_view,
}
PAGE_KEYS = ("compare", "report", "hw", "model", "tab", "upload", "id", "page", "zz", "")


def compare_values(rng: random.Random, ids: list[str]) -> str:
    """A hostile ``?compare=`` value: known ids mixed with payloads, duplicates, separators, 10,000 ids."""
    parts = [rng.choice([*ids[:8], *LABELS, "", " ", "b200 ", "B200", "h100_sxm", "..", "%2C"]) for _ in range(8)]
    how = rng.choice(["mixed", "many", "repeat", "separators", "long"])
    if how == "many":
        return ",".join(rng.choice(ids) for _ in range(10_000))
    if how == "repeat":
        return ",".join([rng.choice(ids)] * rng.randint(2, 50))
    if how == "separators":
        return rng.choice([",,,", ",", ";".join(ids[:4]), " , ".join(ids[:4]), "\n".join(ids[:4])])
    if how == "long":
        return "x" * rng.choice([1_000, 100_000])
    return ",".join(parts[: rng.randint(1, 8)])


class PageCheck:
    """The Hardware page's ``?compare=`` reader on its own (many cases, fast) and every other page rendered by
    ``streamlit.testing.v1.AppTest`` with hostile query parameters (fewer cases: ~0.2 s each)."""

    def __init__(self, store: Store) -> None:
        from hardware_db.catalog import default_catalog

        self.store = store
        self.names_by_id = {sid: sku.name for sid, sku in default_catalog().skus.items()}

    def compare(self, raw: str) -> tuple[str, str]:
        """``ui.hardware_page._picked_from_url`` with a stand-in for ``st`` (its query_params and warning)."""
        import types

        from ui import hardware_page

        warnings: list[str] = []
        fake = types.SimpleNamespace(query_params={"compare": raw}, warning=warnings.append)
        real, hardware_page.st = hardware_page.st, fake
        try:
            picked = hardware_page._picked_from_url(self.names_by_id)
        finally:
            hardware_page.st = real
        if not set(picked) <= set(self.names_by_id) or len(picked) > hardware_page.MAX_COMPARE:
            raise AssertionError(f"picked {picked[:5]!r}")
        bad = [x for x in raw.split(",") if x and x not in self.names_by_id]
        if bool(bad) != bool(warnings):
            raise AssertionError(f"{len(bad)} unknown id(s) but {len(warnings)} warning(s)")
        if warnings and (len(warnings[0]) > 600 or "unknown device id" not in warnings[0]):
            raise AssertionError(f"warning {warnings[0][:100]!r}")
        return ("refused" if warnings else "accepted"), (warnings[0][:200] if warnings else f"{len(picked)} device(s)")

    def render(self, page: str, raw: dict[str, str]) -> tuple[str, str]:
        """The page rendered with ``raw`` as its query string: an exception in the page is unhandled; an
        error or warning on the page is a refusal (its text is the message); else the page ignored them."""
        from streamlit.testing.v1 import AppTest

        at = AppTest.from_function(PAGES[page], default_timeout=30)
        for k, v in raw.items():
            at.query_params[k] = v
        at.run()
        if at.exception:
            raise RuntimeError(f"the {page} page raised: {at.exception[0].value[:300]}")
        shown = [e.value for e in (*at.error, *at.warning)]
        return ("refused" if shown else "accepted"), (str(shown[0])[:200] if shown else "rendered")


# ---------------------------------------------------------------- the runner


def _where(exc: BaseException) -> str:
    """The innermost frame of the traceback that is in this repository (not a library), as path:line."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename.startswith(str(REPO)) and "/.venv/" not in f.filename
    ]
    if not frames:
        return "?"
    f = frames[-1]
    return f"{Path(f.filename).relative_to(REPO)}:{f.lineno}"


def peak_rss_mb() -> float:
    """The process's resident-set high-water mark (Linux ``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> float | None:
    """Reset ``VmHWM`` to the current RSS (``/proc/self/clear_refs``, Linux); the RSS now, or None."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return peak_rss_mb()


class Fuzzer:
    def __init__(self, store: Store, report: FuzzReport) -> None:
        self.store = store
        self.report = report

    def _timed(self, case: Case, fn: Callable[[], str], size: int, settle: Callable[[], None] | None = None) -> None:
        """Run ``fn`` once untraced (outcome and time); an input over 256 KB runs a second time under
        tracemalloc for its peak allocation (tracemalloc slows allocation-heavy code several times). ``settle``
        runs after each call, outside the time and the trace: the checks of an accepted input and its removal
        (reading back and deleting 57,000 rows is not part of importing them)."""
        case.size_bytes = size
        big = size > BIG_BYTES
        base = reset_peak_rss() if big else None
        case.outcome, case.seconds, case.detail = self._call(fn, case)
        if base is not None:
            case.rss_growth_mb = peak_rss_mb() - base
        self._settle(case, settle)
        if big and case.outcome != "unhandled":
            tracemalloc.start()
            self._call(fn, case)
            case.peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            self._settle(case, settle)
        self.report.cases.append(case)

    @staticmethod
    def _settle(case: Case, settle: Callable[[], None] | None) -> None:
        if settle is None:
            return
        try:
            settle()
        except Exception as exc:  # noqa: BLE001 - a failed check is an unhandled case too
            case.outcome, case.detail = "unhandled", f"{type(exc).__name__}: {str(exc)[:300]} (at {_where(exc)})"

    @staticmethod
    def _call(fn: Callable[[], str], case: Case) -> tuple[str, float, str]:
        t0 = time.perf_counter()
        try:
            outcome, detail = fn(), case.detail
        except Exception as exc:  # noqa: BLE001 - counting exactly these is the point of the benchmark
            outcome, detail = "unhandled", f"{type(exc).__name__}: {str(exc)[:300]} (at {_where(exc)})"
        return outcome, time.perf_counter() - t0, detail

    def upload(self, name: str, data: bytes, file_name: str) -> None:
        from sqlalchemy import func, select

        from measurements.service import delete_upload, import_file
        from store.models import MeasurementSeries

        case = Case("upload", name)
        done: list[Any] = []

        def go() -> str:
            result = import_file(data, file_name, label=LABELS[len(data) % len(LABELS)], engine=self.store.engine)
            if not result.message:
                raise AssertionError("an import result without a message")
            case.detail = result.message[:200]
            if result.upload_id is not None and result.imported:
                done.append((result.upload_id, result.imported))
                return "imported"
            return "duplicate" if result.duplicates else "refused"

        def settle() -> None:
            """An accepted upload: rows stored = rows reported, then deleted, and the store back to its baseline."""
            while done:
                upload_id, imported = done.pop()
                table = MeasurementSeries.__table__
                query = select(func.coalesce(func.sum(table.c.n_points), 0)).where(table.c.upload_id == upload_id)
                with self.store.engine.connect() as conn:
                    stored = conn.execute(query).scalar_one()
                if stored != imported:
                    raise AssertionError(f"{imported} reported, {stored} stored")
                delete_upload(upload_id, engine=self.store.engine)
                self._check_store(case, "after deleting an accepted upload")

        self._timed(case, go, len(data), settle)
        if case.outcome in ("refused", "duplicate", "unhandled"):
            self._check_store(case, "after a refused input")

    def _check_store(self, case: Case, when: str) -> None:
        if self.store.digest() != self.store.baseline:
            self.report.store_changes.append(f"{case.name} ({when})")
            self.store.baseline = self.store.digest()

    def probe(self, name: str, data: bytes) -> None:
        from probes.report import ProbeReportError, load_report
        from probes.store import ProbeStoreError, save_report

        def store_uploaded_report(data: bytes, *, label: str, engine: Any) -> str:
            """What the Probe page's upload does (ui.probe_page.store_uploaded_report), without the UI package."""
            if not data.strip():
                raise ProbeReportError("the file is empty")
            return save_report(load_report(data), origin="upload", label=label.strip(), engine=engine)

        case = Case("probe", name)

        def go() -> str:
            try:
                store_uploaded_report(data, label=LABELS[len(data) % len(LABELS)], engine=self.store.engine)
            except (ProbeReportError, ProbeStoreError) as exc:
                if not str(exc):
                    raise AssertionError("a refusal without a message") from exc
                return "refused"
            from sqlalchemy import text as sql

            with self.store.engine.begin() as conn:  # accepted: remove it so the baseline holds
                conn.execute(sql("DELETE FROM probe_report WHERE label != 'seed'"))
            return "accepted"

        self._timed(case, go, len(data))
        self._check_store(case, "after a probe report")

    def params(self, raw: dict[str, str]) -> None:
        from ui.params import parse_params

        spec = advise_spec()
        case = Case("params", "advise:" + ",".join(sorted(raw))[:80])

        def go() -> str:
            values, errors = parse_params(raw, spec)
            for p in spec:
                problem = _param_problem(p, values[p.name])
                if problem:
                    raise AssertionError(problem)
            bad = [k for k in raw if k not in {p.name for p in spec}]
            return "refused" if errors or bad else "accepted"

        self._timed(case, go, sum(len(k) + len(v) for k, v in raw.items()))

    def report_id(self, rid: Any) -> None:
        from reports.service import ReportError, get_report

        case = Case("report_id", "report_id")

        def go() -> str:
            try:
                get_report(rid, engine=self.store.engine)
            except ReportError as exc:
                if not str(exc):
                    raise AssertionError("a refusal without a message") from exc
                return "refused"
            return "accepted"

        self._timed(case, go, len(rid) if isinstance(rid, str | bytes) else 0)
        self._check_store(case, "after a report id")

    def config(self, kind: str, name: str, fn: Callable[[], tuple[str, str]], size: int) -> None:
        """A config.json case (``kind`` "model_config": the parser on a value; "config_upload": the bytes through
        the page's and the CLI's path) or a page case ("page_params"): ``fn`` returns (outcome, message)."""
        case = Case(kind, name)

        def go() -> str:
            outcome, case.detail = fn()
            return outcome

        self._timed(case, go, size)
        if kind != "model_config":
            self._check_store(case, f"after a {kind} case")


def _param_problem(p: Any, v: Any) -> str | None:
    """Why a parsed value breaks its spec (a default is always acceptable), or None."""
    if v == p.default or (v is None and p.default is None):
        return None
    if p.kind == "choice" and v not in p.choices:
        return f"{p.name}={v!r} is not a choice"
    if p.kind == "int" and (not isinstance(v, int) or isinstance(v, bool)):
        return f"{p.name}={v!r} is not an int"
    if p.kind in ("int", "float"):
        if not isinstance(v, int | float) or v != v:
            return f"{p.name}={v!r} is not a number"
        if (p.minimum is not None and v < p.minimum) or (p.maximum is not None and v > p.maximum):
            return f"{p.name}={v!r} out of range"
    return None


_SPEC: list[Any] = []


def advise_spec() -> list[Any]:
    if not _SPEC:
        from ui.advise_page import _spec

        _SPEC.extend(_spec())
    return _SPEC


def _json_size(obj: Any) -> int:
    try:
        return len(json.dumps(obj, allow_nan=True))
    except (TypeError, ValueError, RecursionError):  # a loop, or a value JSON cannot write
        return 0


def config_strategy() -> Any:
    """Hypothesis: a real config with up to 6 parsed fields replaced by generated JSON values."""
    from hypothesis import strategies as st

    samples = config_samples()
    leaf = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(),
        st.text(max_size=12),
        st.sampled_from(HOSTILE_VALUES),
    )
    value = st.recursive(
        leaf,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
        max_leaves=10,
    )

    @st.composite
    def config(draw: Any) -> tuple[str, Any]:
        name, base = draw(st.sampled_from(samples))
        out = json.loads(json.dumps(base))
        for key in draw(st.lists(st.sampled_from(CONFIG_FIELDS), max_size=6)):
            _target(out, key)[key] = draw(value)
        return f"hyp:{name}", out

    return config()


def _hyp_config(fz: Fuzzer, configs: ConfigCheck) -> Callable[[tuple[str, Any]], None]:
    def body(v: tuple[str, Any]) -> None:
        fz.config("model_config", v[0], lambda: configs.parse(v[1]), _json_size(v[1]))

    return body


class _PageEnv:
    """DATABASE_URL pointing at the fuzz store while pages render."""

    def __init__(self, store: Store) -> None:
        self.url = store.engine.url.render_as_string(hide_password=False)
        self.saved: str | None = None

    def __enter__(self) -> None:
        self.saved = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = self.url

    def __exit__(self, *exc: object) -> None:
        if self.saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = self.saved


def run_fuzz(
    n_cases: int = 10_000,
    seed: int = 18,
    *,
    heavy: bool = True,
    directory: Path | None = None,
    database_url: str | None = None,
) -> FuzzReport:
    """Run at least ``n_cases`` cases (the targeted set comes on top of the random share)."""
    from hypothesis import strategies as st

    rng = random.Random(seed)
    report = FuzzReport(seed=seed)
    from streamlit.logger import set_log_level

    set_log_level("error")  # "No runtime found" / "missing ScriptRunContext": pages run outside a server here
    advise_spec()  # import the app's modules first, so the RSS baseline includes them
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        store = Store(Path(tmp), database_url)
        fz = Fuzzer(store, report)
        for name, data, file_name in targeted_uploads(rng, heavy=heavy):
            fz.upload(name, data, file_name)
        configs, pages = ConfigCheck(store), PageCheck(store)
        for name, obj, data in targeted_configs(rng):
            if obj is not None:
                size = len(json.dumps(obj)) if name != "text_config_self_loop" else 0
                fz.config("model_config", name, lambda obj=obj: configs.parse(obj), size)
            if data is not None:
                fz.config(
                    "config_upload", name, lambda d=data: configs.upload(d, LABELS[len(d) % len(LABELS)]), len(data)
                )
        page_env = _PageEnv(store)
        with page_env:
            for page in PAGES:  # every page once with the most hostile query string
                raw = {"compare": "<script>alert(1)</script>," * 50, "report": "../" * 30, "zz": FORMULA, "": "x"}
                fz.config("page_params", f"{page}:targeted", lambda p=page, r=raw: pages.render(p, r), 0)
        remaining = max(0, n_cases - len(report.cases))
        share = {"mutate": 0.45, "hyp_upload": 0.17, "params": 0.10, "report_id": 0.04, "probe": 0.05}
        share |= {"model_config": 0.08, "config_upload": 0.06, "compare": 0.035, "pages": 0.015}
        total = sum(share.values())
        n = {k: int(remaining * v / total) for k, v in share.items()}
        n["mutate"] += remaining - sum(n.values())
        # a slice covers them too, however many targeted cases the real samples already made
        minimum = {"model_config": 40, "config_upload": 30, "compare": 20, "params": 20, "report_id": 10, "probe": 10}
        for k, least in minimum.items():
            n[k] = max(n[k], least)

        for name, data, file_name in mutated_uploads(n["mutate"], rng):
            fz.upload(name, data, file_name)

        hypothesis_cases("hyp_upload", n["hyp_upload"], seed, lambda v: fz.upload(*v), upload_strategies())

        keys = [p.name for p in advise_spec()] + ["report", "zz", ""]
        valid = sorted({v for p in advise_spec() for v in p.choices[:4]} | {"1", "2", "8", "64", "0.5", "70", "4096"})
        values = st.one_of(
            st.text(max_size=60),
            st.sampled_from([*SPECIAL_NUMBERS, *PAYLOADS, "9" * 400, " 1 "]),
            st.sampled_from(valid),  # values a page really writes, so accepted parses are covered too
        )
        hypothesis_cases(
            "params", n["params"], seed, fz.params, st.dictionaries(st.sampled_from(keys), values, max_size=8)
        )
        rid = st.one_of(
            st.text(max_size=64),
            st.from_regex(r"\A[A-Za-z0-9_-]{32}\Z"),
            st.sampled_from(PAYLOADS),
            st.binary(max_size=40),
        )
        hypothesis_cases("report_id", n["report_id"], seed, fz.report_id, rid)

        probe = PROBE_REPORT.read_bytes()
        if heavy:  # the 4,300-digit int() limit again (see targeted_uploads)
            fz.probe("int_5000_digits:probe_report", probe.rstrip()[:-1] + b', "zz": ' + b"9" * 5_000 + b"}")
        probe_mutators = [f for _, f, _ in MUTATORS]
        for i in range(n["probe"]):
            f = probe_mutators[i % len(probe_mutators)]
            fz.probe(f"{f.__name__}:probe_report", f(probe, rng))

        n_hyp_config = n["model_config"] // 4
        for name, obj in mutated_configs(n["model_config"] - n_hyp_config, rng):
            fz.config("model_config", name, lambda obj=obj: configs.parse(obj), _json_size(obj))
        for name, obj in mutated_configs(n["config_upload"], rng):
            data = config_bytes(obj, rng)
            fz.config("config_upload", name, lambda d=data: configs.upload(d, LABELS[len(d) % len(LABELS)]), len(data))
        hypothesis_cases("model_config", n_hyp_config, seed, _hyp_config(fz, configs), config_strategy())

        ids = sorted(pages.names_by_id)
        for _ in range(n["compare"]):
            raw = compare_values(rng, ids)
            fz.config("page_params", "hardware_compare", lambda r=raw: pages.compare(r), len(raw))
        page_values = [*LABELS, *SPECIAL_NUMBERS, "", "9" * 400, "b200,h100_sxm5_80gb", "A" * 32, "../etc/passwd"]
        with page_env:
            for i in range(n["pages"]):
                page = list(PAGES)[i % len(PAGES)]
                raw = {rng.choice(PAGE_KEYS): rng.choice(page_values) for _ in range(rng.randint(1, 4))}
                if rng.random() < 0.5:
                    raw["compare"] = compare_values(rng, ids)[:2000]
                fz.config(
                    "page_params", f"{page}:" + ",".join(sorted(raw))[:60], lambda p=page, r=raw: pages.render(p, r), 0
                )

        if store.digest(store.all_tables) != store.full_baseline:
            report.store_changes.append("whole database (catalog tables included) at the end")
        store.engine.dispose()
    report.wall_s = time.perf_counter() - started
    report.max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report.start_rss_mb = start_rss
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--light", action="store_true", help="leave out the two ~20 MB near-limit imports")
    ap.add_argument("--json", type=Path, help="write the summary as JSON here")
    ap.add_argument(
        "--database-url", help="a PostgreSQL database to use instead of a temporary SQLite (its schema is reset)"
    )
    args = ap.parse_args(argv)
    report = run_fuzz(args.cases, args.seed, heavy=not args.light, database_url=args.database_url)
    summary = report.summary()
    summary["machine"] = f"{platform.machine()}, Python {platform.python_version()}"
    summary["database"] = "PostgreSQL" if args.database_url else "SQLite (temporary file)"
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, default=str))
    s = summary
    print(f"cases: {s['cases']:,} (seed {s['seed']}), wall {s['wall_s']} s")
    print(f"outcomes: {s['outcomes']}")
    for kind, c in s["by_kind"].items():
        print(f"  {kind}: {c}")
    print(f"unhandled: {len(report.unhandled)}")
    for c in report.unhandled[:20]:
        print(f"  {c.name}: {c.detail}")
    print(f"store changes after refusals: {s['store_changes_after_refusal']} {s['store_change_cases']}")
    sl = s["slowest"]
    print(f"slowest: {sl['seconds']:.2f} s ({sl['name']}, {sl['size_bytes']:,} bytes, {sl['outcome']})")
    pk = s["peak_case"]
    if pk:
        print(f"peak traced allocation: {pk['peak_mb']:.1f} MB ({pk['name']}, {pk['size_bytes']:,} bytes)")
    print(
        f"cases over 5 s: {s['over_5_s']}, over 500 MB: {s['over_500_mb']}, process max RSS {s['max_rss_mb']} MB (after imports, before the cases: {s['start_rss_mb']} MB)"
    )
    return 1 if report.unhandled or report.store_changes else 0


if __name__ == "__main__":
    raise SystemExit(main())
