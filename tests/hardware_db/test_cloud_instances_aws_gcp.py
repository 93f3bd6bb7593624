"""AWS and GCP instance types in the shipped ``data/cloud_instances.toml``: the spellings benchmark files use resolve to
the SKU and GPU count the provider's page gives, through ``match_cloud_instance``, ``match_name`` and ``match_gpu``.

These are data tests on the real catalog (the matcher's logic is covered on a fixture catalog in
``test_cloud_instances.py``); each expected value is the one quoted in the entry's ``notes``."""

from __future__ import annotations

import pytest

from hardware_db.catalog import default_catalog
from hardware_db.match import match_cloud_instance, match_gpu, match_name

CATALOG = default_catalog()

#: instance type -> (provider, SKU, GPUs in one instance), as the provider's page gives them.
EXPECTED = {
    "p4d.24xlarge": ("aws", "a100_sxm4_40gb", 8),
    "p4de.24xlarge": ("aws", "a100_sxm4_80gb", 8),
    "a3-highgpu-8g": ("gcp", "h100_sxm5_80gb", 8),
    "g2-standard-4": ("gcp", "l4", 1),
    "g2-standard-8": ("gcp", "l4", 1),
}


def test_the_expected_entries_are_shipped():
    got = {name: (i.provider, i.sku, i.gpus) for name, i in CATALOG.cloud_instances.items() if name in EXPECTED}
    assert got == EXPECTED


def test_every_aws_and_gcp_note_quotes_its_gpu_count():
    # the count in the entry is the one the quoted page prints ("8 GPUs", "1 GPU")
    for inst in CATALOG.cloud_instances.values():
        if inst.provider in {"aws", "gcp"}:
            assert f"{inst.gpus} GPU" in inst.notes, inst.name


@pytest.mark.parametrize(
    ("text", "sku", "gpus"),
    [
        ("p4d.24xlarge", "a100_sxm4_40gb", 8),
        ("P4D.24XLARGE", "a100_sxm4_40gb", 8),
        ("p4d.24xlarge-efa", "a100_sxm4_40gb", 8),  # decoration
        ("2 x p4d.24xlarge", "a100_sxm4_40gb", 16),  # two instances
        ("p4d.24xlarge x 4", "a100_sxm4_40gb", 32),
        ("p4de.24xlarge", "a100_sxm4_80gb", 8),  # not taken for p4d
        ("P4de.24xlarge", "a100_sxm4_80gb", 8),
        ("a3-highgpu-8g", "h100_sxm5_80gb", 8),  # GCP name shape
        ("A3-HIGHGPU-8G", "h100_sxm5_80gb", 8),
        ("a3_highgpu_8g", "h100_sxm5_80gb", 8),
        ("a3-highgpu-8g-spot", "h100_sxm5_80gb", 8),
        ("2xa3-highgpu-8g", "h100_sxm5_80gb", 16),
        ("a3-highgpu-8g x 2", "h100_sxm5_80gb", 16),
        ("g2-standard-4", "l4", 1),
        ("g2-standard-8", "l4", 1),
        ("g2-standard-8 x 3", "l4", 3),
        ("g2-standard-4-preemptible", "l4", 1),
    ],
)
def test_variants_resolve_to_the_sku_and_gpu_count(text, sku, gpus):
    found = match_cloud_instance(text, CATALOG)
    assert found is not None, text
    match, total = found
    assert (match.sku_id, total, match.method) == (sku, gpus, "cloud_instance")
    assert match.architecture_id == CATALOG.skus[sku].architecture


@pytest.mark.parametrize("text", ["p4de-24xlarge", "p4de_24xlarge", "2 x p4d-24xlarge"])
def test_aws_names_with_the_dot_replaced(text):
    assert match_cloud_instance(text, CATALOG) is not None


@pytest.mark.parametrize(
    "text",
    [
        "g2-standard-48",  # a longer size is not the shorter one (and is not in the file yet)
        "g2-standard-12",
        "a3-highgpu-4g",  # not in the file yet
        "a3-highgpu",
        "p4d",
        "p4d.24xlarge.extra",
        "p5.48xlarge",  # left out until AWS's own page is read
        "g5.xlarge",  # no A10G SKU
    ],
)
def test_sizes_not_in_the_file_do_not_match(text):
    assert match_cloud_instance(text, CATALOG) is None


@pytest.mark.parametrize(("text", "sku"), [(name, sku) for name, (_, sku, _) in EXPECTED.items()])
def test_match_name_falls_back_to_the_instance(text, sku):
    assert match_name(text, CATALOG) == sku


@pytest.mark.parametrize(
    ("text", "cc", "sku"),
    [
        ("p4d.24xlarge", (8, 0), "a100_sxm4_40gb"),
        ("p4de.24xlarge-efa", (8, 0), "a100_sxm4_80gb"),
        ("a3-highgpu-8g", (9, 0), "h100_sxm5_80gb"),
        ("g2-standard-4", (8, 9), "l4"),
    ],
)
def test_match_gpu_takes_the_instance_and_agrees_with_the_probed_capability(text, cc, sku):
    m = match_gpu(text, compute_capability=cc, catalog=CATALOG)
    assert (m.sku_id, m.method) == (sku, "cloud_instance")
    assert "warning" not in m.note


def test_match_gpu_warns_when_the_probe_contradicts_the_instance():
    m = match_gpu("a3-highgpu-8g", compute_capability=(8, 0), catalog=CATALOG)
    assert m.sku_id == "h100_sxm5_80gb" and "compute capability 8.0" in m.note
