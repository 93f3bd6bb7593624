from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ui.params import Param, parse_params

SPEC = [
    Param("hw", "choice", "h100_sxm5_80gb", choices=("h100_sxm5_80gb", "a100_sxm4_80gb")),
    Param("batch", "int", 1, minimum=1, maximum=4096),
    Param("tol", "float", 1.0, minimum=0, maximum=100),
]


def test_valid_values_are_converted():
    values, errors = parse_params({"hw": "a100_sxm4_80gb", "batch": "64", "tol": "2.5"}, SPEC)
    assert values == {"hw": "a100_sxm4_80gb", "batch": 64, "tol": 2.5} and errors == []


def test_bad_values_fall_back_with_a_message_naming_them():
    values, errors = parse_params({"hw": "h100_sxm", "batch": "lots", "tol": "1e999", "zzz": "1"}, SPEC)
    assert values == {"hw": "h100_sxm5_80gb", "batch": 1, "tol": 1.0}
    text = " ".join(errors)
    assert "hw='h100_sxm'" in text and "Did you mean h100_sxm5_80gb" in text
    assert "batch='lots' is not a whole number" in text
    assert "tol='1e999'" in text
    assert "Unknown query parameter 'zzz'" in text


def test_out_of_range_is_rejected():
    values, errors = parse_params({"batch": "0"}, SPEC)
    assert values["batch"] == 1 and "below the minimum 1" in errors[0]


@given(st.dictionaries(st.text(max_size=20), st.text(max_size=300), max_size=8))
def test_any_query_string_gives_valid_values(raw):
    values, errors = parse_params(raw, SPEC)
    assert values["hw"] in SPEC[0].choices
    assert isinstance(values["batch"], int) and 1 <= values["batch"] <= 4096
    assert 0 <= values["tol"] <= 100
    assert all(isinstance(e, str) and len(e) < 2000 for e in errors)
