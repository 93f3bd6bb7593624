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


# Every file type llama.cpp prints (llama_ftype_name in src/llama-model-loader.cpp, ggml-org/llama.cpp at
# 00347649deb8a4cb47fa2a22007704174f9994e1) -> the format id it maps to, "mostly"/"(guessed)" prefixes included.
LLAMA_FTYPE_NAMES = {
    "all F32": "fp32",
    "F16": "fp16",
    "BF16": "bf16",
    "Q4_0": "gguf_q4_0",
    "Q4_1": "gguf_q4_1",
    "Q5_0": "gguf_q5_0",
    "Q5_1": "gguf_q5_1",
    "Q8_0": "gguf_q8_0",
    "MXFP4 MoE": "gguf_mxfp4",
    "Q2_K - Medium": "gguf_q2_k",
    "Q2_K - Small": "gguf_q2_k_s",
    "Q3_K - Small": "gguf_q3_k_s",
    "Q3_K - Medium": "gguf_q3_k_m",
    "Q3_K - Large": "gguf_q3_k_l",
    "Q4_K - Small": "gguf_q4_k_s",
    "Q4_K - Medium": "gguf_q4_k_m",
    "Q5_K - Small": "gguf_q5_k_s",
    "Q5_K - Medium": "gguf_q5_k_m",
    "Q6_K": "gguf_q6_k",
    "TQ1_0 - 1.69 bpw ternary": "gguf_tq1_0",
    "TQ2_0 - 2.06 bpw ternary": "gguf_tq2_0",
    "IQ2_XXS - 2.0625 bpw": "gguf_iq2_xxs",
    "IQ2_XS - 2.3125 bpw": "gguf_iq2_xs",
    "IQ2_S - 2.5 bpw": "gguf_iq2_s",
    "IQ2_M - 2.7 bpw": "gguf_iq2_m",
    "IQ3_XS - 3.3 bpw": "gguf_iq3_xs",
    "IQ3_XXS - 3.0625 bpw": "gguf_iq3_xxs",
    "IQ1_S - 1.5625 bpw": "gguf_iq1_s",
    "IQ1_M - 1.75 bpw": "gguf_iq1_m",
    "IQ4_NL - 4.5 bpw": "gguf_iq4_nl",
    "IQ4_XS - 4.25 bpw": "gguf_iq4_xs",
    "IQ3_S - 3.4375 bpw": "gguf_iq3_s",
    "IQ3_S mix - 3.66 bpw": "gguf_iq3_m",
}


@pytest.mark.parametrize(("label", "fid"), sorted(LLAMA_FTYPE_NAMES.items()))
def test_every_llama_cpp_file_type_has_a_format(label, fid):
    from advisor.context import default_context
    from measurements.normalize import Resolver

    resolver = Resolver(default_context())
    assert resolver.format(label) == fid
    assert resolver.format(f"mostly {label}") == fid  # 2023 builds
    assert resolver.format(f"(guessed) {label}") == fid  # a file type llama.cpp had to guess


@pytest.mark.parametrize(
    ("fid", "bpw", "whole_file"),
    [
        # ggml-common.h block structs (bytes per block x 8 / weights per block)
        ("gguf_q4_0", 4.5, False),  # 2 + 16 bytes / 32
        ("gguf_q4_1", 5.0, False),  # 2 + 2 + 16 / 32
        ("gguf_q5_0", 5.5, False),  # 2 + 4 + 16 / 32
        ("gguf_q5_1", 6.0, False),  # 2 + 2 + 4 + 16 / 32
        ("gguf_tq1_0", 1.6875, False),  # 48 + 4 + 2 / 256
        ("gguf_tq2_0", 2.0625, False),  # 64 + 2 / 256
        ("gguf_mxfp4", 4.25, False),  # 1 + 16 / 32
        # tools/quantize/README.md, Llama-3.1-8B whole-file averages
        ("gguf_iq1_s", 2.0042, True),
        ("gguf_iq3_m", 3.7628, True),
        ("gguf_q3_k_l", 4.2979, True),
        ("gguf_q5_k_s", 5.5704, True),
        ("mlx_3bit", 3.5, False),  # 3 + 32/64
        ("mlx_8bit", 8.5, False),
        ("hqq_4bit", 4.5, False),
        ("fp32", 32.0, False),
    ],
)
def test_new_formats_bits_per_weight_from_their_sources(fid, bpw, whole_file):
    f = get_format(fid)
    assert f.bits_per_weight == pytest.approx(bpw)
    assert f.whole_model_average is whole_file
    assert "2026-12-06" in f.checked


def test_variable_bitrate_formats_carry_their_range():
    assert get_format("exl2").bits_per_weight_range == (2.0, 8.0)
    assert get_format("exl3").bits_per_weight_range is None  # the docs give no bound
    assert get_format("gguf_q4_k_m").bits_per_weight_range is None


def test_ids_the_speed_parameters_name_are_formats():
    import tomllib

    from advisor.formats import FORMATS_FILE

    groups = tomllib.loads((FORMATS_FILE.parent / "speed_params.toml").read_text())["format_groups"]
    assert set(groups) <= set(default_formats())


def test_bits_per_weight_range_must_bracket_the_value(tmp_path):
    bad = tmp_path / "formats.toml"
    bad.write_text(
        '[formats.x]\nname="x"\nkind="weights"\nfamily="f"\nweight_bits=4\nactivation_bits=16\nbits_per_weight=4.0\n'
        'bits_per_weight_range=[5.0, 8.0]\ndesign="weight_only"\nmath_format="fp16_or_bf16"\nrequires=[]\n'
        'source="https://a"\nchecked=2026-12-06\n'
    )
    with pytest.raises(FormatError, match="bits_per_weight_range"):
        load_formats(bad)


_BASE = (
    '[formats.x]\nname="x"\nkind="weights"\nfamily="gguf"\nweight_bits=4\nactivation_bits=16\nbits_per_weight=4.8\n'
    'design="weight_only"\nmath_format="fp16_or_bf16"\nrequires=[]\nsource="https://a"\nchecked=2026-12-07\n'
)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ("output_bpw = 6.5625\n", "only applies to whole_model_average"),
        ("whole_model_average = true\noutput_bpw = 'Q6_K'\n", "must be a number of bits"),
        (
            "whole_model_average = true\noutput_bpw = 6.5625\n[gguf_average_reference]\nparams_b = 8.03\n",
            "needs numeric",
        ),
    ],
)
def test_gguf_tensor_bits_are_checked(tmp_path, extra, match):
    bad = tmp_path / "formats.toml"
    bad.write_text(_BASE + extra)
    with pytest.raises(FormatError, match=match):
        load_formats(bad)


def test_every_gguf_average_knows_its_output_tensor_bits():
    for f in default_formats().values():
        if f.whole_model_average:
            assert f.output_bpw in (5.5, 6.5625, 8.5), f.id
            assert f.average_ref == pytest.approx((8.03e9, 525336576.0)), f.id
