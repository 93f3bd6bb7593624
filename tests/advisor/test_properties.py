"""Hypothesis invariants: more bandwidth or peak never slows an estimate; weight bytes are linear in
parameters and bits; ranking is independent of input order."""

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.context import Context, default_context
from advisor.formats import default_formats, get_format
from advisor.memory import gguf_body_bits, weight_bytes
from advisor.recommend import Request, recommend
from advisor.speed import estimate_speed
from advisor.support import resolve_support
from advisor.workload import Profile, Workload

from .conftest import dense_model, make_target

N = "native"
FORMATS = ["bf16", "fp8_w8a8", "int8_w8a8", "int4_awq_w4a16", "nvfp4_w4a4", "gguf_q4_k_m", "fp8_w8a8_block"]
CTX = default_context()
workloads = st.builds(
    Workload,
    batch=st.integers(1, 256),
    input_len=st.integers(1, 32768),
    output_len=st.integers(0, 4096),
    gpus=st.sampled_from([1, 2, 4, 8]),
)


def _target(bw: float, peak: float):
    from hardware_db.schema import Support

    return make_target(
        "P",
        "fx_hopper",
        bw=bw,
        peaks={"bf16": peak, "fp16": peak, "fp8": 2 * peak, "int8": 2 * peak},
        bf16=Support.NATIVE,
        fp16=Support.NATIVE,
        fp8=Support.NATIVE,
        int8=Support.NATIVE,
    )


def _times(est):
    return (est.ttft_ms or 0.0, est.tpot_ms or 0.0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    w=workloads,
    fid=st.sampled_from(FORMATS),
    bw=st.floats(50, 10000),
    peak=st.floats(10, 5000),
    more=st.floats(1.0, 10.0),
)
def test_more_bandwidth_or_peak_never_slows(w, fid, bw, peak, more):
    model = dense_model(8.0, 32, 4096)
    f = get_format(fid)
    base_t = _target(bw, peak)
    v = resolve_support(base_t, f, ctx=Context.build(engines={}))
    base = _times(estimate_speed(model, f, w, base_t, v, ctx=CTX))
    faster_bw = _times(estimate_speed(model, f, w, _target(bw * more, peak), v, ctx=CTX))
    faster_pk = _times(estimate_speed(model, f, w, _target(bw, peak * more), v, ctx=CTX))
    for a, b in zip(faster_bw + faster_pk, base + base, strict=True):
        assert a <= b * (1 + 1e-9)


@settings(max_examples=60, deadline=None)
@given(params=st.floats(0.5, 1000), k=st.floats(1.0, 5.0), fid=st.sampled_from(list(default_formats())))
def test_weight_bytes_linear_in_params_and_bits(params, k, fid):
    f = default_formats()[fid]
    if f.kind.value != "weights":
        return
    # body at the format's bits, the (tiny) embedding and head at 16-bit where the format keeps them
    small_vocab = replace(dense_model(params), vocab_size=1)
    embed = small_vocab.hidden_size
    kept = embed * (("embeddings" in f.keep_high_precision) + ("lm_head" in f.keep_high_precision))
    bits = f.bits_per_weight
    if f.whole_model_average:
        kept = 0
        if f.output_bpw is not None:  # the reference model's average, less its output / embedding tensors
            bits = gguf_body_bits(f)[0]
    expected = (params * 1e9 - kept) * bits / 8 + kept * 2
    tensors = 2 * embed * 4 if f.output_bpw is not None else 0  # the one-row embedding/output at their own bits
    assert abs(weight_bytes(small_vocab, f) - expected) <= 1e-6 * params * 1e9 + tensors
    # with nothing kept at 16-bit, bytes are exactly linear in parameters and in bits
    flat = replace(f, keep_high_precision=(), output_bpw=None)
    model = dense_model(params)
    assert abs(weight_bytes(model, flat) - params * 1e9 * f.bits_per_weight / 8) <= 1e-6 * params * 1e9
    bigger = replace(model, params_b=params * k)
    assert abs(weight_bytes(bigger, flat) / weight_bytes(model, flat) - k) < 1e-9
    doubled = replace(flat, bits_per_weight=f.bits_per_weight * 2)
    assert abs(weight_bytes(model, doubled) / weight_bytes(model, flat) - 2) < 1e-9


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(perm=st.permutations(sorted(default_formats())), profile=st.sampled_from(list(Profile)))
def test_ranking_independent_of_input_order(perm, profile, hopper, engines):
    model = dense_model(8.0, 32, 4096)
    a = recommend(Request(model, hopper, profile, formats=tuple(perm)), ctx=Context.build(engines=engines))
    b = recommend(Request(model, hopper, profile, formats=tuple(sorted(perm))), ctx=Context.build(engines=engines))
    assert [(c.format_id, c.score) for c in a.ranked] == [(c.format_id, c.score) for c in b.ranked]
    assert [r.format_id for r in a.rejected] == [r.format_id for r in b.rejected]
    assert a.ranked, "the fixture Hopper must run something"
