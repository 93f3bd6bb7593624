"""Cloud instance types -> catalog SKU and GPU count: data lint on ``data/cloud_instances.toml`` (one rule per test),
loader checks, and name matching on a small fixture catalog (so data edits don't break the logic tests)."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from hardware_db.catalog import CLOUD_INSTANCES_FILE, DATA_DIR, CatalogError, default_catalog, load_catalog
from hardware_db.match import match_cloud_instance, match_gpu, match_name
from tests.hardware_db._paths import FIXTURE_CATALOG

# --------------------------------------------------------------------------- data lint (shipped file)

INSTANCES = list(default_catalog().cloud_instances.values())


def test_the_shipped_file_loads_and_is_not_empty():
    assert (DATA_DIR / CLOUD_INSTANCES_FILE).exists()
    assert len(INSTANCES) >= 10


def test_every_sku_resolves():
    skus = default_catalog().skus
    assert [i.name for i in INSTANCES if i.sku not in skus] == []


def test_every_entry_is_sourced_and_dated():
    for inst in INSTANCES:
        assert inst.source.startswith("https://"), inst.name
        assert inst.checked.isoformat() == "2026-12-07", inst.name


def test_every_source_is_the_providers_own_page():
    hosts = {
        "azure": "https://learn.microsoft.com/",
        "aws": "https://docs.aws.amazon.com/",
        "gcp": "https://cloud.google.com/",
    }
    assert [i.name for i in INSTANCES if not i.source.startswith(hosts[i.provider])] == []


def test_names_and_aliases_are_unique_across_entries():
    raw = tomllib.loads((DATA_DIR / CLOUD_INSTANCES_FILE).read_text())
    spellings = [s.lower() for e in raw["instance"] for s in (e["name"], *e.get("aliases", []))]
    assert len(spellings) == len(set(spellings))


def test_azure_names_carry_the_standard_prefix():
    assert [i.name for i in INSTANCES if i.provider == "azure" and not i.name.startswith("Standard_")] == []


def test_every_entry_matches_itself_with_its_gpu_count():
    for inst in INSTANCES:
        for spelling in (inst.name, *inst.aliases):
            found = match_cloud_instance(spelling)
            assert found is not None, spelling
            assert (found[0].sku_id, found[1], found[0].method) == (inst.sku, inst.gpus, "cloud_instance")


def test_vllm_nightly_azure_vm_size_is_the_a100_40gb():
    # the GPU column of tests/fixtures/imports/vllm_nightly/surajssd_aks_ND96asr_v4x1_*: "1xStandard_ND96asr_v4 x 1"
    found = match_cloud_instance("1xStandard_ND96asr_v4 x 1")
    assert found is not None and (found[0].sku_id, found[1]) == ("a100_sxm4_40gb", 8)
    assert match_name("Standard_ND96asr_v4") == "a100_sxm4_40gb"
    assert match_name("Standard_ND96asr_v4-GPUDirect-RDMA-Infiniband") == "a100_sxm4_40gb"


# --------------------------------------------------------------------------- fixture catalog with instances

FIXTURE_INSTANCES = """\
schema_version = 1

[[instance]]
name = "Standard_ND96asr_v4"
provider = "azure"
series = "ND A100 v4"
aliases = ["Standard_ND96asr_A100_v4"]
sku = "a100_sxm4_40gb"
gpus = 8
source = "https://example.invalid/fixture"
checked = 2026-12-07
notes = "test fixture: exercises the name shapes, not a catalog fact"

[[instance]]
name = "p4d.24xlarge"
provider = "aws"
sku = "a100_sxm4_40gb"
gpus = 8
source = "https://example.invalid/fixture"
checked = 2026-12-07

[[instance]]
name = "a3-highgpu-8g"
provider = "gcp"
sku = "h100_sxm5_80gb"
gpus = 8
source = "https://example.invalid/fixture"
checked = 2026-12-07

[[instance]]
name = "a3-highgpu-1g"
provider = "gcp"
sku = "h100_sxm5_80gb"
gpus = 1
source = "https://example.invalid/fixture"
checked = 2026-12-07
"""


def _catalog_with(tmp_path: Path, text: str):
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE_CATALOG, root)
    (root / CLOUD_INSTANCES_FILE).write_text(text)
    return load_catalog(root, version_roots=(root,))


@pytest.fixture
def catalog(tmp_path):
    return _catalog_with(tmp_path, FIXTURE_INSTANCES)


@pytest.mark.parametrize(
    ("name", "sku", "gpus"),
    [
        ("Standard_ND96asr_v4", "a100_sxm4_40gb", 8),
        ("ND96asr_v4", "a100_sxm4_40gb", 8),  # no Standard_ prefix
        ("standard_nd96asr_v4", "a100_sxm4_40gb", 8),  # case
        ("Standard_ND96asr_A100_v4", "a100_sxm4_40gb", 8),  # alias
        ("Standard-ND96asr-v4", "a100_sxm4_40gb", 8),  # separators
        ("Standard_ND96asr_v4-GPUDirect-RDMA-Infiniband", "a100_sxm4_40gb", 8),  # decoration suffix
        ("1xStandard_ND96asr_v4 x 1", "a100_sxm4_40gb", 8),  # vLLM nightly GPU column, one VM
        ("1xStandard_ND96asr_v4-GPUDirect-RDMA-Infiniband x 2", "a100_sxm4_40gb", 16),  # two VMs
        ("ND96asr_v4x2_IB", "a100_sxm4_40gb", 16),  # file-name shape
        ("2x Standard_ND96asr_v4", "a100_sxm4_40gb", 16),
        ("p4d.24xlarge", "a100_sxm4_40gb", 8),  # AWS
        ("P4D.24XLARGE", "a100_sxm4_40gb", 8),
        ("4 x p4d.24xlarge", "a100_sxm4_40gb", 32),
        ("p4d.24xlarge-efa", "a100_sxm4_40gb", 8),
        ("a3-highgpu-8g", "h100_sxm5_80gb", 8),  # GCP
        ("a3-highgpu-1g", "h100_sxm5_80gb", 1),  # the longer key is not taken for the shorter one
        ("A3-HIGHGPU-8G x 2", "h100_sxm5_80gb", 16),
    ],
)
def test_variants_match(catalog, name, sku, gpus):
    found = match_cloud_instance(name, catalog)
    assert found is not None, name
    match, total = found
    assert (match.sku_id, total, match.method) == (sku, gpus, "cloud_instance")
    assert match.architecture_id == catalog.skus[sku].architecture
    assert name.strip() in match.note


@pytest.mark.parametrize(
    "name",
    [
        "NVIDIA A100-SXM4-40GB",  # a GPU name, not an instance
        "A100",
        "Standard_D16s_v5",  # a real VM size without a GPU entry
        "Standard_ND96asr_v4-foo",  # unknown trailing word
        "Standard_ND96asr_v5",
        "p4d.24xlarge.extra",
        "a3-highgpu",  # a prefix of an instance is not the instance
        "0xStandard_ND96asr_v4",  # zero VMs
        "",
        "   ",
        None,
    ],
)
def test_non_instances_return_none(catalog, name):
    assert match_cloud_instance(name, catalog) is None


def test_match_name_falls_back_to_the_instance(catalog):
    assert match_name("Standard_ND96asr_v4", catalog) == "a100_sxm4_40gb"
    assert match_name("a3-highgpu-8g", catalog) == "h100_sxm5_80gb"
    assert match_name("Standard_D16s_v5", catalog) is None
    assert match_name("NVIDIA A100-SXM4-40GB", catalog) == "a100_sxm4_40gb"  # GPU names unchanged


def test_match_gpu_falls_back_to_the_instance(catalog):
    m = match_gpu("Standard_ND96asr_v4-GPUDirect-RDMA-Infiniband", catalog=catalog)
    assert (m.sku_id, m.method) == ("a100_sxm4_40gb", "cloud_instance")
    assert match_gpu("NVIDIA A100-SXM4-40GB", catalog=catalog).method == "name"  # an alias still wins
    warned = match_gpu("p4d.24xlarge", compute_capability=(9, 0), catalog=catalog)
    assert warned.sku_id == "a100_sxm4_40gb" and "compute capability 9.0" in warned.note


def test_a_catalog_without_the_file_has_no_instances(fixture_catalog):
    assert fixture_catalog.cloud_instances == {}
    assert match_cloud_instance("Standard_ND96asr_v4", fixture_catalog) is None
    assert match_name("Standard_ND96asr_v4", fixture_catalog) is None


# --------------------------------------------------------------------------- loader checks


@pytest.mark.parametrize(
    ("edit", "phrase"),
    [
        (lambda t: t.replace('sku = "h100_sxm5_80gb"\ngpus = 8', 'sku = "h999"\ngpus = 8'), "sku 'h999' has no file"),
        (lambda t: t.replace('name = "a3-highgpu-1g"', 'name = "P4D.24xlarge"'), "already used by 'p4d.24xlarge'"),
        (lambda t: t.replace("gpus = 1\n", "gpus = 0\n"), "gpus"),
        (
            lambda t: t.replace('source = "https://example.invalid/fixture"\nchecked = 2026-12-07\nnotes', "notes"),
            "source",
        ),
        (lambda t: t.replace('provider = "aws"', 'provider = "oracle"'), "provider"),
        (lambda t: t.replace("schema_version = 1", "schema_version = 2"), "schema_version 2"),
        (lambda t: t + '\n[[instance]]\nname = "x"\nbogus = 1\n', "bogus"),
    ],
)
def test_bad_files_are_refused_with_the_file_named(tmp_path, edit, phrase):
    text = edit(FIXTURE_INSTANCES)
    assert text != FIXTURE_INSTANCES
    with pytest.raises(CatalogError) as err:
        _catalog_with(tmp_path, text)
    assert CLOUD_INSTANCES_FILE in str(err.value) and phrase in str(err.value)


def test_instances_change_the_catalog_version(tmp_path):
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE_CATALOG, root)
    before = load_catalog(root, version_roots=(root,)).version
    (root / CLOUD_INSTANCES_FILE).write_text(FIXTURE_INSTANCES)
    assert load_catalog(root, version_roots=(root,)).version != before
