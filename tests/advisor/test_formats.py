import pytest

from advisor.formats import FormatError, FormatId, default_formats, get_format, load_formats


def test_every_format_id_is_defined_and_there_are_at_least_30():
    formats = default_formats()
    assert set(formats) == {f.value for f in FormatId}
    assert len(formats) >= 30


@pytest.mark.parametrize(
    ("fid", "bpw"),
    [
        ("int4_awq_w4a16", 4.156),
        ("int4_gptq_w4a16", 4.125),
        ("nvfp4_w4a4", 4.5),
        ("mxfp4_w4a4", 4.25),
        ("mxfp8_w8a8", 8.25),
        ("gguf_q4_k_m", 4.8944),
        ("gguf_q5_k_m", 5.7036),
        ("gguf_q6_k", 6.5633),
        ("gguf_q8_0", 8.5008),
        ("gguf_q2_k", 3.1593),
        ("bnb_nf4", 4.127),
        ("bf16", 16.0),
    ],
)
def test_effective_bits_per_weight(fid, bpw):
    assert get_format(fid).bits_per_weight == pytest.approx(bpw)


def test_native_formats_name_math_and_requirements():
    f = get_format("nvfp4_w4a4")
    assert f.math_format == "fp4" and set(f.requires) == {"fp4", "nvfp4"}
    assert get_format("fp8_w8a8").requires == ("fp8",)
    assert get_format("int4_awq_w4a16").is_weight_only
    assert get_format("gguf_q4_k_m").whole_model_average


def test_every_format_is_sourced():
    for f in default_formats().values():
        assert f.source.startswith("https://"), f.id
        if f.ppl_increase_pct is not None or f.accuracy_level is not None:
            assert f.quality_source.startswith("https://"), f.id


def test_unknown_format_names_the_closest():
    with pytest.raises(FormatError, match="fp8_w8a8"):
        get_format("fp8_w8a9")


def test_malformed_file_is_rejected(tmp_path):
    bad = tmp_path / "formats.toml"
    bad.write_text(
        '[formats.x]\nname="x"\nkind="weights"\nfamily="f"\nweight_bits=8\nactivation_bits=8\nbits_per_weight=8.0\n'
        'design="native"\nmath_format="fp8"\nrequires=["fp9"]\nsource="https://a"\nchecked=2026-11-27\n'
    )
    with pytest.raises(FormatError, match="fp9"):
        load_formats(bad)
