"""The parameter lookup (advisor/speed_params.py): most specific entry wins, and the math dtype refines an
engine-and-device entry rather than replacing it."""

from __future__ import annotations

import pytest

from advisor.speed_params import PARAMETERS, SpeedParamsError, parse_params


def _params(prefill_entries: list[dict]) -> object:
    table = {name: [{"value": 0.5}] for name in PARAMETERS}
    table["prefill_eff"] = [{"value": 0.4}, *prefill_entries]
    return parse_params({"schema_version": 1, "param": table})


def test_an_engine_and_device_entry_outranks_a_math_only_entry():
    """vLLM on MI300X fitted on FP8 rows must also decide FP16 there: a bare ``math = fp16`` entry fitted on other
    engines' rows would make FP16 prefill look 3x faster than FP8 on the same silicon."""
    p = _params(
        [
            {"when": {"math": "fp16"}, "value": 0.40},
            {"when": {"engine": "vllm", "hw": "amd_cdna"}, "value": 0.10},
            {"when": {"engine": "vllm", "hw": "amd_cdna", "math": "fp8"}, "value": 0.12},
        ]
    )
    assert p.get("prefill_eff", engine="vllm", hw="amd_cdna", math="fp16") == 0.10
    assert p.get("prefill_eff", engine="vllm", hw="amd_cdna", math="fp8") == 0.12
    assert p.get("prefill_eff", engine="llama_cpp", hw="amd_cdna", math="fp16") == 0.40
    assert p.get("prefill_eff", engine="vllm", hw="nvidia_hopper", math="bf16") == 0.4  # the default


def test_an_engine_entry_outranks_a_math_only_entry():
    p = _params([{"when": {"math": "int8"}, "value": 0.2}, {"when": {"engine": "tensorrt_llm"}, "value": 0.45}])
    assert p.get("prefill_eff", engine="tensorrt_llm", math="int8") == 0.45
    assert p.lookup("prefill_eff", engine="sglang", math="int8").selector == "math=int8"


def test_a_file_without_a_default_is_refused_with_the_parameter_named():
    table = {name: [{"value": 0.5}] for name in PARAMETERS}
    table["prefill_eff"] = [{"when": {"math": "fp8"}, "value": 0.4}]
    with pytest.raises(SpeedParamsError, match="param.prefill_eff has no default entry"):
        parse_params({"schema_version": 1, "param": table})
