"""Loader errors on a broken copy of the fixture catalog: each names the offending file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import hardware_db
from hardware_db.catalog import CatalogError, load_catalog
from tests.hardware_db._paths import FIXTURE_CATALOG


@pytest.fixture
def data(tmp_path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE_CATALOG, root)
    return root


def _load(root: Path):
    return load_catalog(root, version_roots=(root,))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_fixture_catalog_loads(data):
    catalog = _load(data)
    assert len(catalog.skus) == 10
    assert catalog.skus["h100_sxm5_80gb"].dense_tflops["fp8"] == 1979


def test_malformed_toml_names_the_file(data):
    bad = data / "skus" / "nvidia" / "rtx_4080.toml"
    bad.write_text(bad.read_text() + "\nmemory_gb = = 16\n")
    with pytest.raises(CatalogError, match="not valid TOML") as err:
        _load(data)
    assert str(bad) in str(err.value)


def test_unknown_key_names_the_file_and_key(data):
    bad = data / "skus" / "nvidia" / "h200_sxm_141gb.toml"
    bad.write_text(bad.read_text().replace("tdp_w = 700", "tdp_w = 700\nboost_clock_mhz = 1980"))
    with pytest.raises(CatalogError, match="boost_clock_mhz") as err:
        _load(data)
    assert str(bad) in str(err.value)


def test_bad_url_names_the_file(data):
    bad = data / "architectures" / "nvidia_ada.toml"
    _edit(bad, 'source = "https://nvidia.github.io', 'source = "nvidia.github.io')
    with pytest.raises(CatalogError, match="source must be a URL") as err:
        _load(data)
    assert str(bad) in str(err.value)


def test_missing_architecture_names_the_file(data):
    bad = data / "skus" / "amd" / "mi300x.toml"
    _edit(bad, 'architecture = "amd_cdna3"', 'architecture = "amd_cdna9"')
    with pytest.raises(CatalogError, match="amd_cdna9") as err:
        _load(data)
    assert str(bad) in str(err.value)


def test_deleted_architecture_file_names_the_sku(data):
    (data / "architectures" / "nvidia_ampere_ga100.toml").unlink()
    with pytest.raises(CatalogError, match="nvidia_ampere_ga100") as err:
        _load(data)
    assert "a100_sxm4_" in str(err.value)


def test_duplicate_sku_id_across_vendor_folders(data):
    shutil.copy(data / "skus" / "nvidia" / "rtx_4080.toml", data / "skus" / "amd" / "rtx_4080.toml")
    with pytest.raises(CatalogError, match="duplicate sku id 'rtx_4080'"):
        _load(data)


def test_id_must_equal_file_name(data):
    bad = data / "skus" / "nvidia" / "rtx_4080.toml"
    _edit(bad, 'id = "rtx_4080"', 'id = "rtx4080"')
    with pytest.raises(CatalogError, match="must equal the file name") as err:
        _load(data)
    assert str(bad) in str(err.value)


def test_catalog_version_changes_with_the_data(data):
    before = _load(data).version
    _edit(data / "skus" / "nvidia" / "rtx_4080.toml", "tdp_w = 320", "tdp_w = 321")
    assert _load(data).version != before


def test_unknown_support_key_in_an_architecture_names_the_file_and_key(data):
    bad = data / "architectures" / "nvidia_ada.toml"
    _edit(bad, "[support.fp16]", "[support.fp12]")
    with pytest.raises(CatalogError, match=r"unknown support keys \['fp12'\]") as err:
        _load(data)
    assert str(bad) in str(err.value)


def test_unknown_support_key_in_a_sku_names_the_file_and_key(data):
    bad = data / "skus" / "nvidia" / "rtx_4080.toml"
    bad.write_text(
        bad.read_text()
        + '\n[support.int3]\nlevel = "native"\nsource = "https://example.org/datasheet"\nchecked = 2026-11-27\n'
    )
    with pytest.raises(CatalogError, match=r"unknown support keys \['int3'\]") as err:
        _load(data)
    assert str(bad) in str(err.value)


def test_bad_sku_source_url_names_the_file(data):
    bad = data / "skus" / "nvidia" / "rtx_4080.toml"
    _edit(bad, 'source = "https://resources.nvidia.com', 'source = "resources.nvidia.com')
    with pytest.raises(CatalogError, match="source must be a URL") as err:
        _load(data)
    assert str(bad) in str(err.value)


def test_kernels_of_must_name_a_known_engine(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(Path(hardware_db.__file__).parent / "data", data)  # the shipped catalog: it has engine files
    bad = data / "engines" / "ollama.toml"
    _edit(bad, 'kernels_of = "llama_cpp"', 'kernels_of = "llamacpp"')
    with pytest.raises(CatalogError, match="kernels_of names unknown engine 'llamacpp'") as err:
        _load(data)
    assert str(bad) in str(err.value)
