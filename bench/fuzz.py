"""Fuzz every untrusted-input boundary with hostile input and count what happens (issue 18).

Inputs are built from the real sample files (``tests/fixtures/benchmarks``, ``tests/fixtures/imports`` and
``tests/fixtures/hf_configs`` when present, the shared llama-bench fixtures, the recorded probe report):

- plain mutation: truncation, byte flips, inserted/deleted spans, duplicated and shuffled lines, UTF-16
  (with and without BOM) / UTF-32 / Latin-1 / UTF-8 BOM, NUL bytes, numbers replaced by NaN, Infinity, 1e400,
  negative, zero and huge values, formula / HTML / script payloads in names, 1,000-5,000-level nesting inside
  an otherwise valid record, 10,000-column CSV, a 50 MB file, a file just under the upload limit;
- hypothesis: generic-schema CSVs, vLLM result JSON and llama-bench JSONL records with generated values;
- every query parameter of the Advise page (``ui.params.parse_params`` with the page's own spec) and the
  ``?report=`` id of the report view;
- the probe-report upload and, when it exists, the Hugging Face ``config.json`` model loader.

Uploads go through ``measurements.service.import_file`` on a temporary SQLite store. After every refused
input the store's user tables are hashed and must equal the baseline; an accepted upload is checked
(its row count), deleted, and the hash must come back to the baseline. Any exception that is not the
boundary's own refusal type is an unhandled case. Each case is timed; cases over 256 KB run under
tracemalloc for their peak Python allocation; the process's peak RSS is reported too.

    .venv/bin/python bench/fuzz.py [--cases 10000] [--seed 18] [--json OUT] [--light]

``run_fuzz`` is the library entry point; ``tests/hardening/test_fuzz_slice.py`` runs a fixed-seed ~300-case
slice of it.
"""

from __future__ import annotations

import argparse
import codecs
import dataclasses
import hashlib
import importlib
import json
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

    def _timed(self, case: Case, fn: Callable[[], str], size: int) -> None:
        """Run ``fn`` once untraced (outcome and time); an input over 256 KB runs a second time under
        tracemalloc for its peak allocation (tracemalloc slows allocation-heavy code several times)."""
        case.size_bytes = size
        big = size > BIG_BYTES
        base = reset_peak_rss() if big else None
        case.outcome, case.seconds, case.detail = self._call(fn, case)
        if base is not None:
            case.rss_growth_mb = peak_rss_mb() - base
        if big and case.outcome != "unhandled":
            tracemalloc.start()
            self._call(fn, case)
            case.peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        self.report.cases.append(case)

    @staticmethod
    def _call(fn: Callable[[], str], case: Case) -> tuple[str, float, str]:
        t0 = time.perf_counter()
        try:
            outcome, detail = fn(), case.detail
        except Exception as exc:  # noqa: BLE001 - counting exactly these is the point of the benchmark
            outcome, detail = "unhandled", f"{type(exc).__name__}: {str(exc)[:300]} (at {_where(exc)})"
        return outcome, time.perf_counter() - t0, detail

    def upload(self, name: str, data: bytes, file_name: str) -> None:
        from measurements.service import delete_upload, import_file, list_measurements

        case = Case("upload", name)

        def go() -> str:
            result = import_file(data, file_name, label=LABELS[len(data) % len(LABELS)], engine=self.store.engine)
            if not result.message:
                raise AssertionError("an import result without a message")
            if result.upload_id is not None and result.imported:
                stored = list_measurements(self.store.engine, upload_id=result.upload_id)
                if len(stored) != result.imported:
                    raise AssertionError(f"{result.imported} reported, {len(stored)} stored")
                delete_upload(result.upload_id, engine=self.store.engine)
                self._check_store(case, "after deleting an accepted upload")
                case.detail = result.message[:200]
                return "imported"
            if result.duplicates:
                return "duplicate"
            case.detail = result.message[:200]
            return "refused"

        self._timed(case, go, len(data))
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

    def model_config(self, name: str, data: bytes, loader: Callable[[bytes], Any], errors: tuple) -> None:
        case = Case("model_config", name)

        def go() -> str:
            try:
                loader(data)
            except errors as exc:
                if not str(exc):
                    raise AssertionError("a refusal without a message") from exc
                return "refused"
            return "accepted"

        self._timed(case, go, len(data))


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


def find_model_config_loader() -> tuple[Callable[[bytes], Any], tuple[type[BaseException], ...]] | None:
    """The config.json loader of ``advisor.model_config`` when that module exists (being written in parallel):
    a function taking the file's text or bytes, and the module's own error types as refusals."""
    try:
        mod = importlib.import_module("advisor.model_config")
    except ImportError:
        return None
    errors = tuple(
        v
        for v in vars(mod).values()
        if isinstance(v, type) and issubclass(v, Exception) and v.__module__ == mod.__name__
    )
    for name in ("load_config_json", "model_from_config", "parse_config", "load_model_config", "from_config_json"):
        fn = getattr(mod, name, None)
        if callable(fn):
            return (lambda data, fn=fn: fn(data.decode("utf-8", errors="replace"))), errors or (ValueError,)
    return None


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
    advise_spec()  # import the app's modules first, so the RSS baseline includes them
    start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        store = Store(Path(tmp), database_url)
        fz = Fuzzer(store, report)
        for name, data, file_name in targeted_uploads(rng, heavy=heavy):
            fz.upload(name, data, file_name)
        loader = find_model_config_loader()
        remaining = max(0, n_cases - len(report.cases))
        share = {"mutate": 0.55, "hyp_upload": 0.2, "params": 0.12, "report_id": 0.04, "probe": 0.05}
        share["model_config"] = 0.04 if loader else 0.0
        total = sum(share.values())
        n = {k: int(remaining * v / total) for k, v in share.items()}
        n["mutate"] += remaining - sum(n.values())

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
        probe_mutators = [f for _, f, _ in MUTATORS]
        for i in range(n["probe"]):
            f = probe_mutators[i % len(probe_mutators)]
            fz.probe(f"{f.__name__}:probe_report", f(probe, rng))

        if loader:
            fn, errors = loader
            configs = [p for p in sample_files() if p.suffix == ".json" and "hf_configs" in p.parts]
            configs = configs or [p for p in sample_files() if p.suffix == ".json"]
            for i in range(n["model_config"]):
                path = configs[i % len(configs)]
                _name, f, _w = MUTATORS[i % len(MUTATORS)]
                fz.model_config(f"{_name}:{path.name}", f(path.read_bytes(), rng), fn, errors)

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
