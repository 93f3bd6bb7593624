"""Lint the shipped engine files against the formats catalog and the hardware claims, one rule per test."""

import pytest

from advisor.formats import Design, FormatKind, default_formats
from hardware_db.catalog import default_catalog
from hardware_db.schema import Support

CATALOG = default_catalog()
FORMATS = default_formats()
PATHS = [(e.id, i, p) for e in CATALOG.engines.values() for i, p in enumerate(e.paths)]


def test_there_are_engine_files_for_the_main_engines():
    assert {"vllm", "tensorrt_llm", "sglang", "llama_cpp", "mlx", "transformers"} <= set(CATALOG.engines)


@pytest.mark.parametrize(("engine", "i", "path"), PATHS, ids=[f"{e}[{i}]" for e, i, _ in PATHS])
def test_path_names_a_known_format(engine, i, path):
    assert path.format in FORMATS, f"{engine} paths[{i}]: unknown format {path.format!r}"


def test_weight_only_design_formats_are_never_native():
    bad = [
        (e, i, p.format)
        for e, i, p in PATHS
        if FORMATS[p.format].design is Design.WEIGHT_ONLY
        and FORMATS[p.format].kind is FormatKind.WEIGHTS
        and p.level is Support.NATIVE
    ]
    assert bad == []


def test_native_paths_do_not_contradict_the_hardware():
    """An engine cannot run a format natively on an architecture that lacks the math."""
    bad = []
    for e, i, p in PATHS:
        f = FORMATS[p.format]
        if p.level is not Support.NATIVE or f.design is not Design.NATIVE:
            continue
        for arch in p.architectures:
            claims = CATALOG.architectures[arch].support
            for key in f.requires:
                if key in claims and claims[key].level in (Support.UNSUPPORTED, Support.EMULATED):
                    bad.append((e, i, p.format, arch, key))
    assert bad == []


def test_no_duplicate_format_architecture_in_one_engine():
    seen: dict[tuple[str, str, str], int] = {}
    dups = []
    for e, i, p in PATHS:
        for arch in p.architectures:
            key = (e, p.format, arch)
            if key in seen and p.min_version is None:
                dups.append((key, seen[key], i))
            seen[key] = i
    assert dups == []


@pytest.mark.parametrize(
    "arch", ["nvidia_hopper", "nvidia_blackwell_dc", "nvidia_ada", "amd_cdna3", "apple_m3", "amd_zen4"]
)
def test_llama_cpp_runs_every_k_and_i_quant_file_type(arch):
    """llama.cpp's CUDA/HIP, Metal and CPU backends run every k-/i-quant (MMQ type list in ggml-cuda/mmq.cu);
    only the ternary TQ types are left unknown."""
    gguf = {f.id for f in FORMATS.values() if f.family == "gguf" and not f.id.startswith("gguf_tq")}
    covered = {p.format for p in CATALOG.engines["llama_cpp"].paths if arch in p.architectures}
    assert gguf - {"gguf_mxfp4"} <= covered, sorted(gguf - covered)


def test_reload_default_context_is_the_one_invalidation_point_of_shipped_data_caches():
    from advisor import deploy, quality
    from advisor.context import default_context, reload_default_context

    before = (default_context(), deploy.load_templates(), quality.load_evidence())
    after = reload_default_context()
    assert after is not before[0] and after == default_context()
    assert deploy.load_templates() is not before[1] and quality.load_evidence() is not before[2]
    assert deploy.load_templates() == before[1] and quality.load_evidence() == before[2]
