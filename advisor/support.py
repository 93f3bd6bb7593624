"""Support verdicts: does this hardware run this format natively, weight-only, or not at all?

``resolve_support(hardware, format, engine=None)`` answers with a ``Verdict``: a level
(``native`` / ``weight_only`` / ``emulated`` / ``unsupported`` / ``unknown``), a one-sentence reason that
cites the claim's source, the engine paths that run it, and a "why not" when the level is not native.

Rules (see STYLE.md: never guess from bit width):
* A native-design format (FP8 W8A8, NVFP4, INT8 W8A8 ...) is ``native`` iff every hardware key it
  requires is ``native`` on the device (SKU claim > architecture claim) and, when an engine is named,
  that engine has a native path for the architecture.
* When the device lacks the math format, it is ``weight_only`` if an engine dequantizes it to 16-bit
  (vLLM FP8-Marlin on Ampere), else ``unsupported``; a missing claim gives ``unknown``.
* A weight-only-design format (W4A16, GGUF, MLX, bitsandbytes) is ``weight_only`` where an engine has a
  path for the architecture, and ``unknown`` where no engine file says anything about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.context import Context, default_context
from advisor.formats import Format, FormatKind, get_format
from hardware_db.schema import Support

if TYPE_CHECKING:
    from collections.abc import Mapping

    from advisor.hardware import HardwareTarget
    from hardware_db.schema import Engine, EnginePath

#: Best first; used to pick the best engine path.
LEVEL_ORDER: tuple[Support, ...] = (
    Support.NATIVE,
    Support.WEIGHT_ONLY,
    Support.EMULATED,
    Support.UNSUPPORTED,
    Support.UNKNOWN,
)


#: Serving engines first: the route named in a reason sentence is the one most users would deploy. Vendor engines
#: sit with the serving engines (they only have paths on their own hardware: TPU, Gaudi), the vLLM plugin before
#: the vendor's own runner; then local runtimes (llama.cpp before Ollama, which wraps it; ExLlamaV3 before V2,
#: whose TabbyAPI backend was dropped), then libraries.
ENGINE_PREFERENCE: tuple[str, ...] = (
    "vllm",
    "tensorrt_llm",
    "sglang",
    "vllm_tpu",
    "jetstream",
    "vllm_gaudi",
    "optimum_habana",
    "llama_cpp",
    "ollama",
    "exllamav3",
    "exllamav2",
    "mlx",
    "transformers",
    "onnxruntime",
    "openvino",
)


def _engine_rank(engine: str) -> int:
    return ENGINE_PREFERENCE.index(engine) if engine in ENGINE_PREFERENCE else len(ENGINE_PREFERENCE)


@dataclass(frozen=True)
class EngineRoute:
    """One engine path that applies to this (architecture, format)."""

    engine: str
    engine_name: str
    level: Support
    kernel: str
    min_version: str | None
    max_version: str | None
    source: str
    notes: str = ""


@dataclass(frozen=True)
class Verdict:
    format_id: str
    level: Support
    reason: str  # one sentence, cites the deciding claim's source
    source: str  # URL of the deciding claim
    engine_paths: tuple[EngineRoute, ...] = ()  # paths that run it at `level` (or better), best first
    why_not: str = ""  # set when level is not native
    fallback: bool = False  # a native-design format running dequantized (memory win only)
    hardware_keys: tuple[tuple[str, str], ...] = ()  # (key, level) of each required key

    @property
    def runs(self) -> bool:
        return self.level in (Support.NATIVE, Support.WEIGHT_ONLY, Support.EMULATED)

    @property
    def engines(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.engine for r in self.engine_paths))


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.replace("-", ".").split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _in_range(path: EnginePath, version: str | None) -> bool:
    if version is None:
        return True
    v = _version_tuple(version)
    if path.min_version and v < _version_tuple(path.min_version):
        return False
    return not (path.max_version and v >= _version_tuple(path.max_version))


def engine_routes(
    engines: Mapping[str, Engine],
    architecture: str,
    format_id: str,
    engine: str | None = None,
    engine_version: str | None = None,
) -> list[EngineRoute]:
    """Every engine path for (architecture, format), best level first, then engine id."""
    routes = []
    for eid in sorted(engines):
        if engine is not None and eid != engine:
            continue
        e = engines[eid]
        for p in e.paths:
            if p.format == format_id and architecture in p.architectures and _in_range(p, engine_version):
                routes.append(
                    EngineRoute(
                        engine=eid,
                        engine_name=e.name,
                        level=p.level,
                        kernel=p.kernel,
                        min_version=p.min_version,
                        max_version=p.max_version,
                        source=p.source,
                        notes=p.notes,
                    )
                )
    routes.sort(key=lambda r: (LEVEL_ORDER.index(r.level), _engine_rank(r.engine), r.engine, r.kernel))
    return routes


def _where(hw: HardwareTarget) -> str:
    arch = hw.architecture_name or hw.architecture
    cc = f"compute capability {hw.compute_capability} ({arch})" if hw.compute_capability else arch
    return f"{hw.name}, {cc}"


def _route_text(r: EngineRoute) -> str:
    kernel = f" via {r.kernel}" if r.kernel else ""
    since = f" (from {r.min_version})" if r.min_version else ""
    return f"{r.engine_name}{kernel}{since}"


def resolve_support(
    hardware: HardwareTarget,
    fmt: Format | str,
    engine: str | None = None,
    *,
    ctx: Context | None = None,
    engine_version: str | None = None,
) -> Verdict:
    """The support verdict for one (hardware, format[, engine]); see the module docstring for the rules."""
    ctx = ctx or default_context()
    f = fmt if isinstance(fmt, Format) else get_format(fmt, ctx.formats)
    table = ctx.engines
    if engine is not None and engine not in table:
        return Verdict(
            format_id=f.id,
            level=Support.UNKNOWN,
            reason=f"The catalog has no engine file for {engine!r}, so {f.name} on it is unknown.",
            source="",
            why_not=f"{f.name}: engine {engine!r} is not in the catalog.",
        )
    routes = engine_routes(table, hardware.architecture, f.id, engine, engine_version)
    by_level = {lvl: [r for r in routes if r.level is lvl] for lvl in LEVEL_ORDER}
    where = _where(hardware)
    eng_txt = f" in {table[engine].name}" if engine else ""

    # Weight-only by design (W4A16, GGUF, MLX, bnb) and KV-cache formats: decided by engine paths.
    if f.is_weight_only or f.kind is FormatKind.KV_CACHE:
        for lvl in (Support.NATIVE, Support.WEIGHT_ONLY, Support.EMULATED):
            if by_level[lvl]:
                best = by_level[lvl][0]
                level = Support.WEIGHT_ONLY if (lvl is Support.NATIVE and f.is_weight_only) else lvl
                if f.kind is FormatKind.KV_CACHE and lvl is Support.NATIVE:
                    level = Support.NATIVE
                reason = f"{f.name} runs on {where} through {_route_text(best)} ({best.source})."
                why = ""
                if level is not Support.NATIVE:
                    why = (
                        f"{f.name} is weight-only by design ({_route_text(best)}): no low-precision floating-point "
                        f"matrix path, so it saves memory and bandwidth but not compute."
                    )
                return Verdict(f.id, level, reason, best.source, tuple(by_level[lvl]), why)
        if by_level[Support.UNSUPPORTED]:
            best = by_level[Support.UNSUPPORTED][0]
            if engine is not None:
                reason = f"{best.engine_name} does not run {f.name} on {where} ({best.source})."
                return Verdict(f.id, Support.UNSUPPORTED, reason, best.source, (), reason)
            # one engine's "no" is not everyone's: without a positive path the answer is unknown
            reason = (
                f"{best.engine_name} does not run {f.name} on {where} ({best.source}) and no other engine file "
                f"records a path, so support is unknown."
            )
            return Verdict(f.id, Support.UNKNOWN, reason, best.source, (), reason)
        reason = f"No engine file records a path for {f.name}{eng_txt} on {where}, so support is unknown."
        return Verdict(f.id, Support.UNKNOWN, reason, "", (), reason)

    # Native-design formats: the hardware keys decide, engines refine.
    keys = tuple((k, hardware.support_level(k).value) for k in f.requires)
    missing = [k for k, lvl in keys if lvl == Support.UNKNOWN.value]
    lacking = [k for k, lvl in keys if lvl in (Support.UNSUPPORTED.value, Support.WEIGHT_ONLY.value)]
    emulated = [k for k, lvl in keys if lvl == Support.EMULATED.value]
    first_src = next((hardware.support[k].source for k in f.requires if k in hardware.support), "")

    if not missing and not lacking and not emulated:
        src = hardware.support[f.requires[0]].source
        hw_sentence = f"{where} has native {'+'.join(f.requires)} matrix instructions ({src})"
        if engine is None:
            paths = tuple(by_level[Support.NATIVE])
            via = f"; engines with a native path: {', '.join(_route_text(r) for r in paths)}" if paths else ""
            return Verdict(
                f.id, Support.NATIVE, f"{f.name} is native: {hw_sentence}{via}.", src, paths, "", False, keys
            )
        if by_level[Support.NATIVE]:
            paths = tuple(by_level[Support.NATIVE])
            return Verdict(
                f.id,
                Support.NATIVE,
                f"{f.name} is native: {hw_sentence} and {_route_text(paths[0])} uses it.",
                src,
                paths,
                "",
                False,
                keys,
            )
        if by_level[Support.WEIGHT_ONLY]:
            r = by_level[Support.WEIGHT_ONLY][0]
            why = (
                f"{f.name} is not native{eng_txt}: the hardware supports it but {_route_text(r)} runs it "
                f"weight-only ({r.source}): memory win only."
            )
            return Verdict(
                f.id, Support.WEIGHT_ONLY, why, r.source, tuple(by_level[Support.WEIGHT_ONLY]), why, True, keys
            )
        if by_level[Support.UNSUPPORTED]:
            r = by_level[Support.UNSUPPORTED][0]
            why = f"{f.name} is not supported{eng_txt} on {where}, although the hardware has the instructions ({r.source})."
            return Verdict(f.id, Support.UNSUPPORTED, why, r.source, (), why, False, keys)
        why = f"{table[engine].name} records no path for {f.name} on {hardware.architecture}, so support{eng_txt} is unknown."
        return Verdict(f.id, Support.UNKNOWN, why, "", (), why, False, keys)

    # The hardware lacks (or emulates, or does not document) a required key.
    def _hw_gap() -> str:
        parts = []
        for k in lacking + emulated + missing:
            e = hardware.support.get(k)
            if e is None:
                parts.append(f"the catalog has no {k} claim for {where}")
            else:
                detail = f" ({e.notes.rstrip('.')})" if e.notes else ""
                word = (
                    "has no native"
                    if e.level in (Support.UNSUPPORTED, Support.WEIGHT_ONLY)
                    else f"only {e.level.value}"
                )
                parts.append(f"{where} {word} {k} matrix support{detail}")
        return "; ".join(parts)

    gap = _hw_gap()
    if by_level[Support.NATIVE] and not lacking and not emulated:
        # The catalog lacks a hardware claim but an engine documents a native path: trust the engine.
        r = by_level[Support.NATIVE][0]
        reason = (
            f"{f.name} is native: {_route_text(r)} documents a native path on {hardware.architecture} ({r.source})."
        )
        return Verdict(f.id, Support.NATIVE, reason, r.source, tuple(by_level[Support.NATIVE]), "", False, keys)
    if by_level[Support.WEIGHT_ONLY]:
        r = by_level[Support.WEIGHT_ONLY][0]
        why = (
            f"{f.name} is not native: {gap}; {_route_text(r)} runs this checkpoint dequantized to 16-bit "
            f"({r.source}): memory win only."
        )
        return Verdict(f.id, Support.WEIGHT_ONLY, why, r.source, tuple(by_level[Support.WEIGHT_ONLY]), why, True, keys)
    if emulated and not lacking and not missing:
        src = hardware.support[emulated[0]].source
        why = f"{f.name} is not native: {gap} ({src}); it runs without a speed-up."
        return Verdict(f.id, Support.EMULATED, why, src, tuple(by_level[Support.EMULATED]), why, False, keys)
    if lacking:
        src = hardware.support[lacking[0]].source
        why = f"{f.name} is not supported: {gap} ({src}), and no engine file records a dequantizing path{eng_txt}."
        return Verdict(f.id, Support.UNSUPPORTED, why, src, (), why, False, keys)
    why = f"{f.name} support is unknown: {gap}."
    return Verdict(f.id, Support.UNKNOWN, why, first_src, (), why, False, keys)


def resolve_all(
    hardware: HardwareTarget, engine: str | None = None, *, ctx: Context | None = None
) -> dict[str, Verdict]:
    """Verdicts for every format of the context, keyed by format id (sorted)."""
    ctx = ctx or default_context()
    return {fid: resolve_support(hardware, ctx.formats[fid], engine, ctx=ctx) for fid in sorted(ctx.formats)}
