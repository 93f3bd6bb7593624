"""Fit the speed model's parameters on the evidence corpus and measure how well they generalize.

    .venv/bin/python bench/validation/fit.py                 # fit on everything, print the fit and its in-sample table
    .venv/bin/python bench/validation/fit.py --cv            # + leave-one-source-group-out and hardware-family-out
    .venv/bin/python bench/validation/fit.py --cv --write    # + write advisor/data/speed_params.toml

What is fitted (``PLAN``): each parameter of ``advisor/data/speed_params.toml`` at a few levels of its selector,
general to specific (``hw`` -> ``engine, hw`` -> ``engine, backend, hw`` -> ``+ fgroup``). A level gets an entry
for every combination of keys seen in at least ``MIN_ROWS`` relevant rows; its value is the one-dimensional
minimizer of the weighted mean |ln(predicted / measured)| over the
rows that entry decides (rows of a more specific entry are not its own), shrunk toward its parent's value in
proportion to how few rows it has (``SHRINK_ROWS``). Rows are weighted 1/sqrt(rows of their source in the
set) so one large source cannot outvote many small ones. One pass of coordinate descent, general to specific
(each fold of the cross-validation is refitted the same way).

Validation (``--cv``): for each source refit on the others and score the held-out source (leave-one-source-out);
the same for each source *group* (sources sharing an author, lab or method, from ``corpus/sources.toml``: all
TensorRT-LLM perf-overview versions are one group) and for each hardware group. Sources, groups or hardware groups
with fewer than ``MIN_FOLD_ROWS`` comparable rows are held out together (``folds_of``).
The error bands written to the file are the 80th percentile of the held-out |ln error| per hardware group x
engine x format group (falling back to coarser groups with fewer than ``BAND_MIN_ROWS`` rows) over the
leave-one-source-out residuals, and their coverage is measured with bands built without the source being scored.

Every row goes through ``advisor.comparison.prepare`` / ``evaluate``: the same rule the Benchmarks page and
calibration use, so the fitted numbers are the ones the app shows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from advisor.comparison import Comparison, Prepared, evaluate, prepare  # noqa: E402
from advisor.context import Context, default_context  # noqa: E402
from advisor.measurement import Measurement  # noqa: E402
from advisor.speed import compute_format, default_backend, kernel_route, lookup_keys, model_type  # noqa: E402
from advisor.speed_params import PARAMS_FILE, Entry, Selector, SpeedParams  # noqa: E402
from bench.validation.corpus import Source, load_corpus  # noqa: E402
from bench.validation.harness import CATEGORIES, NAIVE_EFFICIENCY, category  # noqa: E402

COMMAND = "python bench/validation/fit.py --cv"
MIN_ROWS = 12  # relevant rows a selector needs before it gets its own entry
SHRINK_ROWS = 10.0  # a fitted entry with n rows keeps n / (n + SHRINK_ROWS) of its own log-value
BAND_MIN_ROWS = 15
MIN_FOLD_ROWS = 30  # smaller sources (groups) are held out together
BAND_QUANTILE = 0.8
PASSES = 1

DECODE = ("batch-1 decode", "batched throughput")
PREFILL = ("prefill", "ttft", "batched throughput")
SERVE = ("batched throughput",)


@dataclass(frozen=True)
class Knob:
    """One parameter, the rows it matters for, its bounds, and the selector levels to fit it at."""

    name: str
    categories: tuple[str, ...]
    lo: float
    hi: float
    levels: tuple[tuple[str, ...], ...]
    log_scale: bool = True
    extra: tuple[str, ...] = ()  # per-lookup keys besides the estimate's (prefill_eff looks up by ``math``)
    mtype: str | None = None  # fit on rows of this model type only (``moe``: a parameter only MoE estimates read)


PLAN: tuple[Knob, ...] = (
    Knob(
        "decode_bw_eff",
        DECODE,
        0.08,
        1.0,
        (
            (),
            ("hw",),
            ("engine", "hw"),
            ("engine", "backend", "hw"),
            ("engine", "hw", "fgroup"),
            ("engine", "backend", "hw", "fgroup"),
            ("engine", "backend", "hw", "arch"),
        ),
    ),
    Knob("layer_overhead_us", DECODE, 0.5, 600.0, ((), ("hw",), ("engine", "hw"), ("engine", "backend", "hw"))),
    Knob("kv_bw_rel", DECODE, 0.2, 2.0, ((),)),
    Knob("moe_bw_rel", DECODE, 0.3, 2.0, ((), ("engine", "backend")), mtype="moe"),
    Knob("unit_bytes_per_clk", DECODE, 2.0, 2000.0, ((), ("engine",), ("engine", "backend"))),
    Knob(
        "prefill_eff",
        PREFILL,
        0.03,
        1.0,
        (
            (),
            ("math",),
            ("engine",),
            ("engine", "math"),
            ("engine", "hw"),
            ("engine", "hw", "math"),
            ("engine", "backend", "hw", "math"),
        ),
        extra=("math",),
    ),
    Knob("attn_eff", PREFILL, 0.05, 1.0, ((),)),
    Knob(
        "serve_eff",
        SERVE,
        0.1,
        2.0,
        ((), ("engine",), ("engine", "hw"), ("engine", "hw", "fgroup"), ("engine", "hw", "mtype")),
    ),
    Knob("decode_compute_eff", SERVE, 0.05, 1.0, ((), ("engine",))),
)


@dataclass
class Row:
    prepared: Prepared
    keys: dict[str, str]
    category: str
    source: str
    group: str
    hw_group: str
    weight: float = 1.0


@dataclass
class Fit:
    params: SpeedParams


def _keys(p: Prepared, ctx: Context) -> dict[str, str]:
    est = p.estimate
    params = ctx.speed
    engine, route = kernel_route(ctx, p.hardware, p.fmt, est.support, p.engine)
    kernel = (route.kernel if route else "").lower()
    keys = lookup_keys(params, p.hardware, p.fmt, engine, p.backend or default_backend(p.hardware))
    keys["mtype"] = model_type(p.model)
    keys["math"] = compute_format(p.hardware, p.fmt, est.support.level, kernel)
    return {k: v for k, v in keys.items() if v}


def prepare_rows(measurements: list[Measurement], sources: dict[str, Source], ctx: Context) -> tuple[list[Row], int]:
    rows, skipped = [], 0
    for m in measurements:
        cat = category(m)
        if m.model_id is None:  # the fit needs the model's real shape (a parameter count alone is a dense guess)
            skipped += 1
            continue
        p = prepare(m, ctx)
        if cat is None or isinstance(p, Comparison):
            skipped += 1
            continue
        if evaluate(p).predicted is None:
            skipped += 1
            continue
        keys = _keys(p, ctx)
        src = sources[m.label]
        rows.append(Row(p, keys, cat, m.label, src.group, keys.get("hw", "")))
    return rows, skipped


def _weights(rows: list[Row]) -> None:
    per_source = defaultdict(int)
    for r in rows:
        per_source[r.source] += 1
    for r in rows:
        r.weight = 1.0 / math.sqrt(per_source[r.source])


def log_error(row: Row, ctx: Context) -> float | None:
    c = evaluate(row.prepared, ctx)
    return c.log_error


def _selector(level: tuple[str, ...], keys: dict[str, str]) -> tuple | None:
    if any(k not in keys for k in level):
        return None
    return tuple((k, keys[k]) for k in level)


def _owner(params: SpeedParams, name: str, row: Row, extra: tuple[str, ...]) -> tuple:
    look = {k: v for k, v in row.keys.items() if k in ("engine", "backend", "hw", "arch", "fgroup", "fmt", "mtype")}
    for k in extra:
        look[k] = row.keys.get(k)
    e = params.lookup(name, **look).entry
    return tuple(e.when.items())


def _set(params: SpeedParams, name: str, selector: tuple, value: float, rows: int = 0, sources=()) -> SpeedParams:
    when = dict(selector)
    entries = list(params.entries[name])
    for i, e in enumerate(entries):
        if dict(e.when) == when:
            entries[i] = Entry(e.when, value, rows or e.rows, tuple(sources) or e.sources, e.note)
            break
    else:
        entries.append(Entry(Selector(when), value, rows, tuple(sources), ""))
    return params.with_entries({name: tuple(entries)})


def _objective(rows: list[Row], ctx: Context) -> float:
    total = wsum = 0.0
    for r in rows:
        e = log_error(r, ctx)
        if e is None:
            continue
        total += r.weight * abs(e)
        wsum += r.weight
    return total / wsum if wsum else 0.0


def _minimize(f, lo: float, hi: float, log_scale: bool, start: float) -> float:
    """Grid then golden-section search of a one-dimensional function on [lo, hi] (log scale by default)."""
    t = (lambda x: math.log(x)) if log_scale else (lambda x: x)
    inv = (lambda y: math.exp(y)) if log_scale else (lambda y: y)
    a, b = t(lo), t(hi)
    grid = [a + (b - a) * i / 6 for i in range(7)] + [t(min(max(start, lo), hi))]
    vals = [(f(inv(y)), y) for y in grid]
    best_v, best_y = min(vals)
    step = (b - a) / 6
    a, b = max(t(lo), best_y - step), min(t(hi), best_y + step)
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(inv(c)), f(inv(d))
    for _ in range(7):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(inv(c))
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(inv(d))
    y, v = (c, fc) if fc < fd else (d, fd)
    return inv(y) if v <= best_v else inv(best_y)


def fit(rows: list[Row], base: Context, *, verbose: bool = False) -> Fit:
    """Coordinate descent over ``PLAN`` (see the module docstring)."""
    rows = list(rows)
    _weights(rows)
    params = _strip_fitted(base.speed)
    result = Fit(params)
    for _ in range(PASSES):
        for knob in PLAN:
            relevant = [r for r in rows if r.category in knob.categories and knob.mtype in (None, r.keys.get("mtype"))]
            for level in knob.levels:
                groups: dict[tuple, list[Row]] = defaultdict(list)
                for r in relevant:
                    keys = {**r.keys}
                    sel = _selector(level, keys)
                    if sel is not None:
                        groups[sel].append(r)
                for sel, members in sorted(groups.items()):
                    if len(members) < MIN_ROWS:
                        continue
                    params = result.params
                    parent = params.lookup(knob.name, **dict(sel)).value if sel else None
                    current = params.lookup(knob.name, **dict(sel)).value
                    # the rows this entry would decide: those no more specific existing entry owns
                    trial = _set(params, knob.name, sel, current)
                    owned = [r for r in members if _owner(trial, knob.name, r, knob.extra) == sel]
                    if len(owned) < MIN_ROWS:
                        continue

                    def f(x, sel=sel, owned=owned, params=params, name=knob.name):
                        ctx = base.replace(speed=_set(params, name, sel, x))
                        return _objective(owned, ctx)

                    x = _minimize(f, knob.lo, knob.hi, knob.log_scale, current)
                    if parent is not None and sel:
                        w = len(owned) / (len(owned) + SHRINK_ROWS)
                        x = math.exp(w * math.log(x) + (1 - w) * math.log(max(parent, 1e-9)))
                    srcs = sorted({r.source for r in owned})
                    result.params = _set(params, knob.name, sel, round(x, 4), len(owned), srcs)
                    if verbose:
                        print(f"  {knob.name} {dict(sel) or 'default'}: {x:.4g} ({len(owned)} rows)", flush=True)
    return result


def _strip_fitted(params: SpeedParams) -> SpeedParams:
    """The priors only: entries without rows (fitted entries of an earlier run are dropped)."""
    entries = {}
    for name, es in params.entries.items():
        kept = tuple(e for e in es if not e.rows or not e.when)
        entries[name] = tuple(Entry(e.when, e.value, 0, (), e.note) if not e.when else e for e in kept)
    return SpeedParams(
        entries, params.hardware_groups, params.format_groups, params.fast_dequant_kernels, params.fitted
    )


# ---------------------------------------------------------------------------------------------- scoring
@dataclass(frozen=True)
class Scored:
    row: Row
    predicted: float
    measured: float

    @property
    def ape(self) -> float:
        return abs(self.predicted - self.measured) / self.measured * 100

    @property
    def log_err(self) -> float:
        return math.log(self.predicted / self.measured)


def score(rows: list[Row], ctx: Context) -> list[Scored]:
    out = []
    for r in rows:
        c = evaluate(r.prepared, ctx)
        if c.predicted is not None and c.predicted > 0:
            out.append(Scored(r, c.predicted, r.prepared.measurement.value))
    return out


def naive(row: Row) -> float | None:
    if row.category != "batch-1 decode":
        return None
    p = row.prepared
    bw = p.hardware.bandwidth_gbps
    if not bw:
        return None
    rate = NAIVE_EFFICIENCY * bw * 1e9 * p.measurement.gpus / (p.model.active_params_b * 1e9 * p.fmt.bytes_per_weight)
    return 1e3 / rate if p.measurement.metric.is_time else rate


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def band_table(scored: list[Scored]) -> dict[tuple, tuple[float, int]]:
    """80th percentile of |ln error| per (hw, engine, fgroup), (hw, engine), (hw,) and () with enough rows."""
    buckets: dict[tuple, list[float]] = defaultdict(list)
    for s in scored:
        k = s.row.keys
        for level in (("hw", "engine", "fgroup"), ("hw", "engine"), ("hw",), ()):
            sel = _selector(level, k)
            if sel is not None:
                buckets[sel].append(abs(s.log_err))
    return {sel: (pct(v, BAND_QUANTILE), len(v)) for sel, v in buckets.items() if len(v) >= BAND_MIN_ROWS or not sel}


def band_for(table: dict[tuple, tuple[float, int]], keys: dict[str, str]) -> float:
    for level in (("hw", "engine", "fgroup"), ("hw", "engine"), ("hw",), ()):
        sel = _selector(level, keys)
        if sel is not None and sel in table:
            return table[sel][0]
    return math.log(1.5)


def summary(
    scored: list[Scored], rows: list[Row], bands: dict[str, dict] | None = None, by: str = "source"
) -> list[dict]:
    """Per category: rows, median/p90 APE, share >1.5x off, band coverage, and the bandwidth rule on the same rows."""
    out = []
    for cat in CATEGORIES:
        s = [x for x in scored if x.row.category == cat]
        apes = [x.ape for x in s]
        off = [x for x in s if abs(x.log_err) > math.log(1.5)]
        cov = None
        if bands is not None and s:
            cov = sum(1 for x in s if abs(x.log_err) <= band_for(bands[getattr(x.row, by)], x.row.keys)) / len(s)
        nv = [(naive(x.row), x.measured) for x in s]
        nv = [(a, b) for a, b in nv if a]
        napes = [abs(a - b) / b * 100 for a, b in nv]
        out.append(
            {
                "category": cat,
                "rows": sum(1 for r in rows if r.category == cat),
                "scored": len(s),
                "sources": len({x.row.source for x in s}),
                "median": statistics.median(apes) if apes else None,
                "p90": pct(apes, 0.9),
                "off15": len(off) / len(s) if s else None,
                "coverage": cov,
                "naive_median": statistics.median(napes) if napes else None,
                "naive_p90": pct(napes, 0.9),
                "naive_off15": (sum(1 for a, b in nv if max(a / b, b / a) > 1.5) / len(nv)) if nv else None,
            }
        )
    return out


def markdown(rows: list[dict], title: str) -> str:
    def f(v, pct_=False):
        if v is None:
            return "-"
        return f"{v * 100:.0f}%" if pct_ else f"{v:.1f}"

    lines = [
        f"**{title}**",
        "",
        "| category | rows | scored | sources | median APE % | p90 APE % | >1.5x off | 80% band holds | "
        "bandwidth rule median % | rule p90 % | rule >1.5x off |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['category']} | {r['rows']} | {r['scored']} | {r['sources']} | {f(r['median'])} | {f(r['p90'])} | "
            f"{f(r['off15'], True)} | {f(r['coverage'], True)} | {f(r['naive_median'])} | {f(r['naive_p90'])} | "
            f"{f(r['naive_off15'], True)} |"
        )
    return "\n".join(lines)


_FORK: dict = {}  # rows and context handed to forked fold workers (prepared once in the parent)


def folds_of(rows: list[Row], key: str) -> list[tuple[str, ...]]:
    """The held-out sets: each value of ``key`` with at least ``MIN_FOLD_ROWS`` rows is its own fold; smaller ones
    are held out together (in name order) until a fold has that many rows. Holding several sources out at once is
    stricter than one at a time, never easier, and it keeps the number of refits small."""
    counts = defaultdict(int)
    for r in rows:
        counts[getattr(r, key)] += 1
    folds, pool, pooled = [], [], 0
    for value in sorted(counts):
        if counts[value] >= MIN_FOLD_ROWS:
            folds.append((value,))
            continue
        pool.append(value)
        pooled += counts[value]
        if pooled >= MIN_FOLD_ROWS:
            folds.append(tuple(pool))
            pool, pooled = [], 0
    if pool:
        folds.append(tuple(pool))
    return folds


def _fold(args: tuple[str, tuple[str, ...]]) -> list[tuple[int, float]]:
    key, fold = args
    rows, base = _FORK["rows"], _FORK["base"]
    t0 = time.perf_counter()
    fitted = fit([r for r in rows if getattr(r, key) not in fold], base)
    ctx = base.replace(speed=fitted.params)
    out = []
    for i, r in enumerate(rows):
        if getattr(r, key) in fold:
            c = evaluate(r.prepared, ctx)
            if c.predicted is not None and c.predicted > 0:
                out.append((i, c.predicted))
    print(
        f"  {key}={'+'.join(fold)}: {len(out)} held-out rows, {time.perf_counter() - t0:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    return out


def cross_validate(rows: list[Row], base: Context, key: str, workers: int = 2) -> list[Scored]:
    """Held-out predictions: for each fold of ``key`` (``source``, ``group`` or ``hw_group``) refit without it."""
    import multiprocessing as mp

    folds = folds_of(rows, key)
    _FORK.update(rows=rows, base=base)
    with mp.get_context("fork").Pool(workers) as pool:
        results = pool.map(_fold, [(key, f) for f in folds], chunksize=1)
    out = [Scored(rows[i], pred, rows[i].prepared.measurement.value) for part in results for i, pred in part]
    return out


# ---------------------------------------------------------------------------------------------- writing
def write_held_out(scored: list[Scored], path: Path) -> None:
    """One JSON object per held-out row: where it came from, what it measured, the prediction and its keys."""
    out = []
    for s in scored:
        m = s.row.prepared.measurement
        out.append(
            {
                "source": s.row.source,
                "row": m.row,
                "category": s.row.category,
                "what": f"{m.describe()} {m.metric.value}",
                "measured": s.measured,
                "predicted": round(s.predicted, 4),
                "log_error": round(s.log_err, 4),
                "keys": s.row.keys,
            }
        )
    path.write_text(json.dumps(out, indent=1) + "\n")


def _toml_value(v) -> str:
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)


def write_params(
    result: Fit, bands: dict[tuple, tuple[float, int]], n_rows: int, n_sources: int, path: Path = PARAMS_FILE
) -> None:
    """Replace the parameter tables of ``path`` with the fitted ones (priors kept where nothing was fitted)."""
    text = path.read_text()
    head = text[: text.index("\n[fitted]") + 1]
    rest = text[text.index("\n[kernels]") + 1 : text.index("\n# ------") + 1]
    params = result.params
    band_entries = [
        Entry(dict(sel), round(v, 4), n, (), "80th percentile of held-out |ln error|")
        for sel, (v, n) in sorted(bands.items(), key=lambda kv: (len(kv[0]), kv[0]))
    ]
    entries = {**params.entries, "band_log80": tuple(band_entries)}
    out = [
        head,
        "[fitted]",
        f'script = "{COMMAND} --write"',
        f"date = {dt.date.today().isoformat()}",
        f"rows = {n_rows}",
        f"sources = {n_sources}",
        'status = "fitted on the evidence corpus; bands from leave-one-source-out residuals"',
        "",
        rest,
        "# ---------------------------------------------------------------------------------------- parameters",
    ]
    for name, es in entries.items():
        for e in sorted(es, key=lambda e: (e.specificity, tuple(e.when.items()))):
            out.append(f"\n[[param.{name}]]")
            if e.when:
                out.append("when = {" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in e.when.items()) + "}")
            out.append(f"value = {e.value!r}")
            if e.rows:
                out.append(f"rows = {e.rows}")
            if e.sources:
                out.append(f"sources = {_toml_value(list(e.sources))}")
            if e.note:
                out.append(f"note = {_toml_value(e.note)}")
    path.write_text("\n".join(out) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="leave-one-source-group-out and hardware-group-out")
    parser.add_argument("--write", action="store_true", help="write advisor/data/speed_params.toml")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="processes for the cross-validation folds")
    parser.add_argument(
        "--loso-only", action="store_true", help="with --cv: leave-one-source-out only (all the bands need)"
    )
    parser.add_argument(
        "--candidate",
        type=Path,
        help="with --cv: write the fitted file to this path instead (to compare before shipping it with --write)",
    )
    parser.add_argument(
        "--held-out", type=Path, help="with --cv: write every leave-one-source-out prediction to this JSON file"
    )
    args = parser.parse_args(argv)
    if args.held_out and not args.cv:
        parser.error("--held-out needs --cv (it writes the leave-one-source-out predictions)")
    t0 = time.perf_counter()
    measurements, sources = load_corpus()
    base = default_context()
    base = base.replace(speed=_strip_fitted(base.speed))
    rows, skipped = prepare_rows(measurements, sources, base)
    n_sources = len({r.source for r in rows})
    print(
        f"Command: `{COMMAND}`; {len(measurements)} corpus rows from {len(sources)} sources; {len(rows)} "
        f"comparable rows from {n_sources} sources ({skipped} not comparable); "
        f"{len({r.group for r in rows})} source groups\n"
    )
    priors = score(rows, base)
    print(markdown(summary(priors, rows), "Priors (no fit), all rows") + "\n")
    full = fit(rows, base, verbose=args.verbose)
    fitted_ctx = base.replace(speed=full.params)
    print(markdown(summary(score(rows, fitted_ctx), rows), "Fitted on all rows, scored in-sample") + "\n")
    bands = None
    if args.cv:
        loso = cross_validate(rows, base, "source", args.workers)
        # the band a row is scored with is built from the held-out residuals of the other sources only
        per_source = {g: band_table([s for s in loso if s.row.source != g]) for g in {r.source for r in rows}}
        print(markdown(summary(loso, rows, per_source, "source"), "Leave-one-source-out (held-out)") + "\n")
        if args.held_out:
            write_held_out(loso, args.held_out)
        if args.loso_only:
            bands = band_table(loso)
    if args.cv and not args.loso_only:
        logo = cross_validate(rows, base, "group", args.workers)
        per_group = {g: band_table([s for s in logo if s.row.group != g]) for g in {r.group for r in rows}}
        print(markdown(summary(logo, rows, per_group, "group"), "Leave-one-source-group-out (held-out)") + "\n")
        lohwo = cross_validate(rows, base, "hw_group", args.workers)
        print(markdown(summary(lohwo, rows), "Leave-one-hardware-group-out (held-out)") + "\n")
        bands = band_table(loso)
    if args.candidate and bands is not None:
        args.candidate.write_text(PARAMS_FILE.read_text())
        write_params(full, bands, len(rows), n_sources, args.candidate)
        print(f"wrote the candidate {args.candidate}")
    if args.write:
        if bands is None:
            parser.error("--write needs --cv (the bands come from held-out residuals)")
        write_params(full, bands, len(rows), n_sources)
        print(f"wrote {PARAMS_FILE.relative_to(ROOT)}")
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
