"""A serving result's model from its file name (measurements/serving.py ``model_from_file_name``)."""

from __future__ import annotations

import pytest

from measurements.rowbuild import ImportContext
from measurements.serving import FILE_NAME_KEY, model_from_file_name


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("datacrunch_h200_llama_3_3_70b_online_output.jsonl", "llama-3.3-70b"),
        ("serving_qwen2_5_7B_tp1_qps_1.json", "qwen2.5-7B"),  # the size after a version is not a third digit
        ("bench_llama2-70b.json", "llama2-70b"),  # the resolver maps it to llama-2-70b
        ("results.json", ""),
    ],
)
def test_the_file_name_names_the_model(name, model):
    ctx = ImportContext.build(None)
    assert model_from_file_name({FILE_NAME_KEY: name}, ctx) == model
    if model:
        assert ctx.resolver.model((model,)).model_id is not None
