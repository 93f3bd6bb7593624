"""Security of links and exports, proven against the code and the database (issue 18):

- share ids come from the OS CSPRNG (``secrets``), not from ``random``, with at least 128 bits;
- a stored report is never updated or deleted: every SQL statement a whole session sends is recorded and
  none writes to ``shared_report`` after the insert; a row changed behind the app's back is refused;
- looking up an unknown id that shares 31 of 32 characters with a real one takes the same time as a random
  unknown id (no prefix-by-prefix enumeration through timing);
- names from uploaded files (model, hardware, label, file name) come out escaped in the HTML and Markdown
  exports, parsed back with a real HTML parser;
- the bounded parsers refuse what is over their limits with a message naming the limit.
"""

from __future__ import annotations

import html.parser
import json
import math
import random
import re
import statistics
import time

import pytest
from sqlalchemy import event, text

import reports.service as service
from advisor.measurement import conditions_text
from measurements.service import import_file, list_measurements
from reports.export import to_html, to_markdown
from reports.service import ReportError, ReportNotFound, create_report, get_report, new_report_id
from safeio.limits import DEFAULT_LIMITS, LimitExceeded, Limits, csv_rows, json_lines, load_json, text_lines
from tests.conftest import REPO
from tests.hardening.helpers import counts, live_markup, unescape

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
LINK = "[x](javascript:alert(1))"


# ---------------------------------------------------------------- ids


def test_ids_come_from_secrets_not_from_random(monkeypatch):
    calls = []
    real = service.secrets.token_urlsafe

    def spy(n):
        calls.append(n)
        return real(n)

    monkeypatch.setattr(service.secrets, "token_urlsafe", spy)
    random.seed(1234)
    first = new_report_id()
    random.seed(1234)  # a Mersenne Twister id would repeat here
    second = new_report_id()
    assert first != second
    assert calls == [service.ID_BYTES, service.ID_BYTES] and service.ID_BYTES * 8 >= 128


# ---------------------------------------------------------------- immutability, checked in the database


def _record_statements(engine):
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()).lower())

    event.listen(engine, "before_cursor_execute", before)
    return seen, lambda: event.remove(engine, "before_cursor_execute", before)


def test_no_statement_ever_updates_or_deletes_a_stored_report(db_engine, monkeypatch):
    from streamlit.testing.v1 import AppTest

    seen, stop = _record_statements(db_engine)
    try:
        rid = create_report({"ranking": [{"format": "bf16"}]}, title="plan", catalog_version="v", engine=db_engine)
        for _ in range(3):
            report = get_report(rid, engine=db_engine)
            to_html(report), to_markdown(report)
        create_report({"n": 2}, title="other", catalog_version="v", engine=db_engine)
    finally:
        stop()
    writes = [s for s in seen if "shared_report" in s and not s.startswith("select")]
    assert len(writes) == 2 and all(s.startswith("insert into shared_report") for s in writes), writes
    # the report page, run for real on the same database: only reads
    monkeypatch.setenv("DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    before = _raw_row(db_engine, rid)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["report"] = rid
    at.run()
    assert not at.exception and at.title[0].value == "plan"
    assert _raw_row(db_engine, rid) == before


def _raw_row(engine, rid):
    with engine.connect() as conn:
        return conn.execute(text("SELECT * FROM shared_report WHERE id = :i"), {"i": rid}).one()


def test_a_report_changed_in_the_database_is_refused(db_engine):
    rid = create_report({"ranking": [{"format": "bf16"}]}, title="plan", catalog_version="v", engine=db_engine)
    with db_engine.connect() as conn:
        payload = conn.execute(text("SELECT payload FROM shared_report WHERE id = :i"), {"i": rid}).scalar_one()
    tampered = payload if isinstance(payload, str) else json.dumps(payload)
    tampered = tampered.replace("bf16", "fp4x")
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE shared_report SET payload = :p WHERE id = :i"), {"p": tampered, "i": rid})
    with pytest.raises(ReportError, match="failed its integrity check"):
        get_report(rid, engine=db_engine)


# ---------------------------------------------------------------- timing


def _lookup_s(rid: str, engine) -> float:
    t0 = time.perf_counter()
    with pytest.raises(ReportNotFound):
        get_report(rid, engine=engine)
    return time.perf_counter() - t0


def test_unknown_ids_near_a_real_one_are_not_distinguishable_by_time(db_engine):
    """The id is the primary key, compared by the database as a whole value; an attacker who guesses 31 of
    32 characters learns nothing from the time. Interleaved samples, medians within 30% (generous: the
    difference a prefix leak needs to be usable is a steady shift, and noise on a shared CI box is ~10%)."""
    real = create_report({"n": 1}, title="t", catalog_version="v", engine=db_engine)
    for i in range(50):
        create_report({"n": i}, title="t", catalog_version="v", engine=db_engine)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    near_ids = [real[:31] + c for c in alphabet if c != real[31]]
    far_ids = [new_report_id() for _ in near_ids]
    for rid in near_ids[:5] + far_ids[:5]:  # warm up the pool and the statement cache
        _lookup_s(rid, db_engine)
    near, far = [], []
    for _ in range(4):
        for a, b in zip(near_ids, far_ids, strict=True):
            near.append(_lookup_s(a, db_engine))
            far.append(_lookup_s(b, db_engine))
    m_near, m_far = statistics.median(near), statistics.median(far)
    assert abs(m_near - m_far) <= 0.3 * max(m_near, m_far), (m_near, m_far)


# ---------------------------------------------------------------- names from uploads in the exports


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "code", "table", "thead"}
ALLOWED_TAGS |= {"tbody", "tr", "th", "td", "ul", "li", "div", "em", "strong", "span", "a", "small", "section"}


def _report_from_an_upload(engine) -> dict:
    """A snapshot whose evidence rows come from a real import of a file with hostile names (the columns the
    Advise page puts in its evidence table: format, engine, metric, value, conditions, source)."""
    body = (
        "hardware,model,format,engine,decode_tok_s,notes\n"
        f'h100_sxm5_80gb,llama-3.1-8b,fp8_w8a8,vllm,100,"{IMG}"\n'
        f'"{SCRIPT}","{IMG}",bf16,vllm,50,x\n'
    ).encode()
    result = import_file(body, f"{SCRIPT}.csv", label=IMG, engine=engine)
    assert result.imported == 2, result.message
    stored = list_measurements(engine, upload_id=result.upload_id)
    assert {m.hardware_raw for m in stored} == {"h100_sxm5_80gb", SCRIPT}

    evidence = [
        {"format_id": m.format_raw, "engine": m.engine, "metric": m.metric.value, "value": m.value}
        | {"conditions": conditions_text(m), "source": f"{result.file_name}: {m.where}", "label": IMG}
        for m in stored
    ]
    rows = [{"format": SCRIPT, "model": m.model_raw, "hardware": m.hardware_raw, "note": m.notes} for m in stored]
    snap = {
        "inputs": {"hardware_name": SCRIPT, "model": IMG, "label": LINK},
        "ranking": rows,
        "evidence": evidence,
        "rejected": [{"format": IMG, "why": SCRIPT}],
        "notes": [SCRIPT, LINK],
    }
    rid = create_report(snap, title=f"{SCRIPT} {IMG}", catalog_version="v", engine=engine)
    return get_report(rid, engine=engine)


def test_names_from_an_upload_are_text_in_the_html_export(db_engine):
    page = to_html(_report_from_an_upload(db_engine))
    parser = _Tags()
    parser.feed(page)
    tags = {t for t, _ in parser.tags}
    assert "script" not in tags and "img" not in tags, tags - ALLOWED_TAGS
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert not [a for _, attrs in parser.tags for a in attrs if a[0].startswith("on")]
    shown = "".join(parser.text)
    assert SCRIPT in shown and IMG in shown and LINK in shown  # visible as the text that was uploaded


def test_names_from_an_upload_are_text_in_the_markdown_export(db_engine):
    md = to_markdown(_report_from_an_upload(db_engine))
    assert re.findall(r"(?<!\\)<", md) == []  # every "<" is backslash-escaped: no raw HTML reaches a renderer
    assert live_markup(md) == []
    assert SCRIPT in unescape(md) and IMG in unescape(md)


# ---------------------------------------------------------------- bounded parsers


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("[" * 65 + "]" * 65, "max_json_depth"),
        ('{"a":' * 1000 + "1" + "}" * 1000, "max_json_depth"),
        ("[" + "[]," * 1001 + "[]]", "max_json_containers"),
    ],
)
def test_json_over_a_limit_is_refused_naming_it(text, limit):
    small = Limits(max_json_containers=1000)
    with pytest.raises(LimitExceeded, match=limit) as err:
        load_json(text, limits=small)
    assert err.value.limit_name == limit and "the limit is" in str(err.value)


def test_json_at_the_limits_is_read():
    nested = load_json("[" * 64 + "]" * 64)
    depth = 0
    while isinstance(nested, list):
        depth, nested = depth + 1, nested[0] if nested else None
    assert depth == 64
    assert load_json(json.dumps({"a": "[" * 500})) == {"a": "[" * 500}  # brackets inside strings don't count


def test_jsonl_csv_and_text_limits_name_the_limit():
    tiny = Limits(max_records=3, max_columns=4, max_line_chars=10, max_text_chars=100, max_json_depth=2)
    with pytest.raises(LimitExceeded, match="max_json_depth"):
        list(json_lines('{"a": 1}\n[[[1]]]\n', limits=tiny))
    assert [v for _, v in json_lines('{"a": 1}\n[[1]]\n', limits=tiny)] == [{"a": 1}, [[1]]]
    with pytest.raises(LimitExceeded, match="max_records"):
        list(csv_rows("h\n1\n2\n3\n4\n", limits=tiny))
    assert len(list(csv_rows("h\n1\n2\n3\n", limits=tiny))) == 4  # header + 3 rows
    with pytest.raises(LimitExceeded, match="max_columns"):
        list(csv_rows("a,b,c,d,e\n", limits=tiny))
    with pytest.raises(LimitExceeded, match="max_line_chars"):
        list(text_lines("short\n" + "x" * 11 + "\n", limits=tiny))
    with pytest.raises(LimitExceeded, match="max_text_chars"):
        list(text_lines("x\n" * 51, limits=tiny))
    assert DEFAULT_LIMITS.max_json_depth >= 16 and DEFAULT_LIMITS.max_records >= 100_000


def test_a_deep_record_inside_a_valid_vllm_file_is_refused_and_nothing_stored(db_engine):
    vllm = json.loads((REPO / "tests/fixtures/benchmarks/vllm_serve_result_pr18566.json").read_text())
    vllm["model_id"] = "__DEEP__"
    body = json.dumps(vllm).replace('"__DEEP__"', "[" * 1000 + '"m"' + "]" * 1000).encode()
    before = counts(db_engine)
    result = import_file(body, "deep.json", engine=db_engine)
    assert result.upload_id is None and "nests 1,001 levels deep" in result.message
    assert "max_json_depth" in result.message
    assert counts(db_engine) == before
    ok = import_file(body.replace(b"[" * 1000, b"").replace(b"]" * 1000, b""), "flat.json", engine=db_engine)
    assert ok.imported > 0, ok.message  # the same record without the nesting is read


@pytest.mark.parametrize("column", ["batch", "gpus", "input_len", "output_len"])
def test_a_count_too_large_for_the_database_is_a_rejected_row(db_engine, column):
    """1e30 GPUs or tokens: a rejection naming the column, never an integer overflow in the INSERT."""
    body = f"hardware,model,decode_tok_s,{column}\nh100_sxm5_80gb,llama-3.1-8b,100,{10**30}\n".encode()
    before = counts(db_engine)
    result = import_file(body, "big.csv", engine=db_engine)
    assert result.upload_id is None and len(result.rejected) == 1
    assert result.rejected[0].column == column and "too large" in result.rejected[0].reason
    assert counts(db_engine) == before


def test_a_deep_probe_report_is_refused_naming_the_limit(db_engine):
    from probes.report import ProbeReportError
    from ui.probe_page import store_uploaded_report

    before = counts(db_engine)
    with pytest.raises(ProbeReportError, match="max_json_depth"):
        store_uploaded_report(b'{"schema_version": 1, "x": ' + b"[" * 5000 + b"]" * 5000 + b"}", engine=db_engine)
    assert counts(db_engine) == before


def _rows_csv(n: int) -> bytes:
    return b"hardware,model,decode_tok_s\n" + b"h100_sxm5_80gb,llama-3.1-8b,100\n" * n


@pytest.mark.parametrize(
    ("name", "data", "limit"),
    [
        ("objs.json", b"[" + b"{}," * 1_000_001 + b"{}]", "max_json_containers"),
        (
            "wide.csv",
            b"hardware,model,decode_tok_s," + b",".join(b"c%d" % i for i in range(1_000_000)) + b"\n",
            "max_columns",
        ),
        ("long.jsonl", b'{"avg_ts": 1, "n_prompt": 1}\n{"x": "' + b"y" * 1_000_001 + b'"}\n', "max_line_chars"),
        ("rows.csv", None, "max_records"),  # built in the test: 100,001 rows
    ],
)
def test_the_default_limits_apply_through_the_importer(db_engine, name, data, limit):
    """The importer itself (not only safeio with a small Limits) refuses past each default limit
    (max_records is 100,000)."""
    data = data if data is not None else _rows_csv(100_001)
    before = counts(db_engine)
    result = import_file(data, name, engine=db_engine)
    assert result.upload_id is None and limit in result.message, result.message
    assert counts(db_engine) == before


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_in_unmapped_fields_store_on_both_backends(db_engine, literal):
    """Python's JSON reads NaN / Infinity / 1e400; PostgreSQL's JSON refuses them (a DataError out of the
    import before the fix). Kept as text in ``extra``; the figures themselves still must be finite."""
    raw = (REPO / "tests/fixtures/benchmarks/vllm_serve_result_pr18566.json").read_text()
    body = raw.replace("{", '{"x_extra": ' + literal + ", ", 1).encode()
    result = import_file(body, "nan.json", engine=db_engine)
    assert result.imported > 0, result.message
    stored = list_measurements(db_engine, upload_id=result.upload_id)
    assert {str(m.extra["x_extra"]) for m in stored} == {repr(float(literal))}  # text on PostgreSQL
    bad = raw.replace('"output_throughput": 6582.87', '"output_throughput": ' + literal)
    assert bad != raw
    again = import_file(bad.encode(), "nan2.json", engine=db_engine)
    assert all(math.isfinite(m.value) for m in again.measurements)
    assert "output_tok_s" not in {m.metric.value for m in again.measurements}
