"""Re-derive the speed defaults of ``advisor/speed.py`` from the DEV rows of ``published.csv`` only.

Each constant is fitted (grid search, least median |log(estimate / measured)|) on the dev rows that identify it,
in the order below, twice (coordinate descent); holdout rows are never read. Prints the fitted values next to the
committed ones, so a reviewer can check that the module's constants are what the dev rows give.

    .venv/bin/python bench/validation/fit_defaults.py
"""

from __future__ import annotations

import math
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import advisor.speed as sp  # noqa: E402
from advisor.validation import ValidationRow, validate  # noqa: E402
from hardware_db.catalog import default_catalog  # noqa: E402

APPLE = ("m1_ultra", "m2_ultra", "m4_pro", "m4_max", "m4", "m1_max")
CATALOG = default_catalog()


def _grid(lo: float, hi: float, n: int) -> list[float]:
    return [round(lo + (hi - lo) * i / (n - 1), 4) for i in range(n)]


def _score(select: Callable[[ValidationRow], bool]) -> tuple[float | None, int]:
    report = validate(CATALOG)
    errs = [
        abs(math.log(r.estimated / r.row.measured))
        for r in report.results
        if r.row.split == "dev" and not r.skipped and r.estimated and select(r.row)
    ]
    return (statistics.median(errs) if errs else None), len(errs)


def _rebuild() -> None:
    """Recompute the tables derived from the fitted scalars (with advisor.speed's own rule)."""
    sp.PRECISION_STEP, sp.DEFAULT_COMPUTE_EFF, sp.DEFAULT_COMPUTE_EFF_LOWBIT, table = sp.derive_compute_eff(
        sp.HOPPER_16BIT_EFF, sp.HOPPER_FP8_EFF, sp.BLACKWELL_16BIT_EFF
    )
    sp.ARCH_COMPUTE_EFF["nvidia_blackwell_dc"] = dict(table)
    sp.ARCH_COMPUTE_EFF["nvidia_blackwell_ultra"] = dict(table)
    a100 = sp.ARCH_COMPUTE_EFF["nvidia_ampere_ga100"]
    a100["bf16"] = a100["fp16"]


def _set(target: tuple, value: float) -> None:
    obj, key = target
    if key is None:
        setattr(sp, obj, value)
    else:
        getattr(sp, obj)[key] = value
    _rebuild()


def _get(target: tuple) -> float:
    obj, key = target
    return getattr(sp, obj) if key is None else getattr(sp, obj)[key]


#: (label, constant, grid, dev rows that identify it)
FITS: list[tuple[str, tuple, list[float], Callable[[ValidationRow], bool]]] = [
    (
        "GPU decode bandwidth efficiency",
        ("DEFAULT_BW_EFF", "gpu"),
        _grid(0.70, 1.0, 31),
        lambda r: r.metric == "decode_tok_s" and r.engine == "llama_cpp" and r.hardware not in APPLE,
    ),
    (
        "GPU per-layer overhead (s)",
        ("DECODE_LAYER_OVERHEAD_S", "gpu"),
        [x * 1e-6 for x in range(20, 81, 2)],
        lambda r: r.metric == "decode_tok_s" and r.engine == "llama_cpp" and r.hardware not in APPLE,
    ),
    (
        "Apple per-layer overhead (s)",
        ("DECODE_LAYER_OVERHEAD_S", "apple"),
        [x * 1e-6 for x in range(60, 241, 6)],
        lambda r: r.metric == "decode_tok_s" and r.hardware in APPLE,
    ),
    (
        "GEMM half-fill tokens",
        ("PREFILL_M_HALF_TOKENS", None),
        [0.0, 32.0, 64.0, 96.0, 128.0, 160.0, 192.0, 256.0, 384.0, 512.0],
        lambda r: r.metric == "ttft_ms",
    ),
    (
        "A100 16-bit compute efficiency",
        ("ARCH_COMPUTE_EFF", "a100"),
        _grid(0.4, 0.9, 26),
        lambda r: r.metric == "ttft_ms" and r.hardware == "a100_sxm4_80gb",
    ),
    (
        "Hopper fp8 compute efficiency",
        ("HOPPER_FP8_EFF", None),
        _grid(0.25, 0.6, 36),
        lambda r: (
            r.hardware == "h100_sxm5_80gb" and r.phase == "prefill" and r.format_id in ("fp8_w8a8", "fp8_w8a8_block")
        ),
    ),
    (
        "Hopper 16-bit compute efficiency",
        ("HOPPER_16BIT_EFF", None),
        _grid(0.3, 0.8, 51),
        lambda r: r.hardware == "h100_sxm5_80gb" and r.phase == "prefill" and r.format_id == "int8_w8a16",
    ),
    (
        "Blackwell 16-bit compute efficiency",
        ("BLACKWELL_16BIT_EFF", None),
        _grid(0.3, 0.7, 41),
        lambda r: r.hardware == "b200" and r.phase == "prefill" and r.format_id == "bf16",
    ),
    (
        "vLLM KV-read efficiency (relative)",
        ("KV_READ_REL", "vllm"),
        _grid(0.2, 1.0, 41),
        lambda r: (
            r.engine == "vllm"
            and r.metric == "total_tok_s"
            and r.phase == "decode"
            and r.format_id in ("bf16", "fp8_w8a8_block")
        ),
    ),
    (
        "AMD compute efficiency (relative)",
        ("VENDOR_COMPUTE_REL", "amd"),
        _grid(0.2, 1.0, 33),
        lambda r: r.hardware == "mi300x",
    ),
    (
        "AMD decode bandwidth efficiency",
        ("VENDOR_DECODE_BW_EFF", "amd"),
        _grid(0.3, 0.95, 27),
        lambda r: r.hardware == "mi300x",
    ),
    (
        "int8-dot (MMQ) x fp32 vector peak",
        ("INT8_DOT_FP32_MULTIPLIER", None),
        _grid(1.0, 4.0, 31),
        lambda r: r.metric == "prefill_tok_s" and r.engine == "llama_cpp",
    ),
    (
        "int8-dot (MMQ) x int8 tensor peak",
        ("INT8_DOT_COMPUTE_EFF", None),
        _grid(0.10, 0.60, 26),
        lambda r: r.metric == "prefill_tok_s" and r.engine == "llama_cpp",
    ),
]


def main() -> int:
    committed = {label: _get_any(const) for label, const, _, _ in FITS}
    for rnd in range(2):
        for label, const, grid, select in FITS:
            best = None
            for v in grid:
                _set_any(const, v)
                s, n = _score(select)
                if s is not None and (best is None or s < best[0] - 1e-12):
                    best = (s, v, n)
            _set_any(const, best[1])
            if rnd == 1:
                print(
                    f"{label}: fitted {best[1]:g} (committed {committed[label]:g}); "
                    f"dev median |log error| {best[0]:.3f} over {best[2]} rows"
                )
    return 0


def _get_any(const: tuple) -> float:
    if const == ("ARCH_COMPUTE_EFF", "a100"):
        return sp.ARCH_COMPUTE_EFF["nvidia_ampere_ga100"]["fp16"]
    return _get(const)


def _set_any(const: tuple, value: float) -> None:
    if const == ("ARCH_COMPUTE_EFF", "a100"):
        sp.ARCH_COMPUTE_EFF["nvidia_ampere_ga100"]["fp16"] = value
        _rebuild()
    else:
        _set(const, value)


if __name__ == "__main__":
    raise SystemExit(main())
