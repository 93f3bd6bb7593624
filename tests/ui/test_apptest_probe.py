"""AppTest of the Probe page: server probe (recorded and real quick run), upload checks, stored reports."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

import ui.probe_page as probe_page
from probes import runner
from probes.report import MAX_REPORT_BYTES, ProbeReportError, load_report
from probes.store import list_reports
from store.db import create_db_engine
from store.migrate import prepare_database

SCRIPT = "from ui.probe_page import render\nrender()\n"

# Recorded on the 2-core build VM (AMD EPYC, Zen 4 flags, torch 2.13 CPU) with
# collect_report(bench=True, budget_s=20) on 2026-11-27: real verdicts of all three kinds.
RECORDED_CPU_REPORT = {
    "schema_version": 1,
    "created_at": "2026-11-27T07:38:55.845178Z",
    "probe_version": "1.0",
    "catalog_version": "s1-ebd89b15cdfc",
    "elapsed_s": 16.629,
    "host": {
        "status": "ok",
        "reason": "",
        "hostname": "vm",
        "os": "Linux (Debian GNU/Linux 12 (bookworm))",
        "kernel": "6.18.44-fc-v669",
        "machine": "x86_64",
        "cpu_vendor": "AuthenticAMD",
        "cpu_model": "AMD EPYC",
        "sockets": 1,
        "cores": 2,
        "threads": 2,
        "memory_total_bytes": 25276502016,
        "memory_available_bytes": 24375320576,
        "cpu_flags": {
            "avx2": True,
            "avx512f": True,
            "avx512_vnni": True,
            "avx_vnni": False,
            "avx512_bf16": True,
            "avx512_fp16": False,
            "amx_tile": False,
            "amx_int8": False,
            "amx_bf16": False,
            "amx_fp16": False,
        },
        "match": {
            "sku_id": None,
            "architecture_id": "amd_zen4",
            "method": "cpu_flags",
            "note": "inferred from CPU flags: AMD with AVX512-BF16 and no Zen 5-only flag: Zen 4 "
            "(could be Zen 5); SKU not in catalog",
        },
    },
    "nvml": {
        "status": "unavailable",
        "reason": "NVML library (libnvidia-ml.so) not found: no NVIDIA driver here",
        "driver_version": None,
        "cuda_driver_version": None,
        "nvml_version": None,
        "device_count": None,
        "devices": [],
    },
    "torch": {
        "status": "ok",
        "reason": "",
        "torch_version": "2.13.0+cpu",
        "cuda_runtime_version": None,
        "hip_version": None,
        "cudnn_version": None,
        "nvidia_ml_py_version": "13.615.71",
        "cpu_capability": "AVX512",
        "num_threads": 2,
        "cuda_available": False,
        "rocm_available": False,
        "mps_available": False,
        "xpu_available": False,
        "accelerators": [],
    },
    "devices": [
        {
            "id": "cpu",
            "kind": "cpu",
            "name": "AMD EPYC",
            "backend": "cpu",
            "memory_total_bytes": 25276502016,
            "memory_free_bytes": 24375320576,
            "match": {
                "sku_id": None,
                "architecture_id": "amd_zen4",
                "method": "cpu_flags",
                "note": "inferred from CPU flags: AMD with AVX512-BF16 and no Zen 5-only flag: Zen 4 "
                "(could be Zen 5); SKU not in catalog",
            },
            "checks": {
                "fp32": {"result": "runs", "op": "torch.matmul, row-major", "reason": ""},
                "bf16": {"result": "runs", "op": "torch.matmul, row-major", "reason": ""},
                "fp16": {"result": "runs", "op": "torch.matmul, row-major", "reason": ""},
                "int8": {"result": "runs", "op": "torch._int_mm, B column-major", "reason": ""},
                "fp8_e4m3": {"result": "runs", "op": "torch._scaled_mm, tensor-wise scales, bf16 out", "reason": ""},
                "fp8_e5m2": {"result": "runs", "op": "torch._scaled_mm, tensor-wise scales, bf16 out", "reason": ""},
                "fp4": {
                    "result": "fails",
                    "op": "torch.nn.functional.scaled_mm (NVFP4/MXFP4)",
                    "reason": "nvfp4: ValueError: CPU does not support swizzle.; mxfp4: "
                    "ValueError: CPU does not support swizzle.",
                },
            },
            "formats": {
                "fp32": {
                    "verdict": "measured_native",
                    "achieved_tflops": 0.0253,
                    "peak_tflops": None,
                    "fraction_of_peak": None,
                    "shape": "256x256x256",
                    "method": "torch.matmul, row-major",
                    "reason": "the reference format: every CPU and GPU runs fp32 FMA natively",
                },
                "bf16": {
                    "verdict": "measured_native",
                    "achieved_tflops": 0.0892,
                    "peak_tflops": None,
                    "fraction_of_peak": None,
                    "shape": "1024x1024x1024",
                    "method": "torch.matmul, row-major",
                    "reason": "2.46x fp32 at 1024^3 (median of 5 alternating pairs): a real speed-up",
                },
                "fp16": {
                    "verdict": "runs_no_speedup",
                    "achieved_tflops": 0.0017,
                    "peak_tflops": None,
                    "fraction_of_peak": None,
                    "shape": "256x256x256",
                    "method": "torch.matmul, row-major",
                    "reason": "1.09x fp32 at 256^3 (median of 5 alternating pairs): below the 1.3x needed for native",
                },
                "int8": {
                    "verdict": "measured_native",
                    "achieved_tflops": 0.0034,
                    "peak_tflops": None,
                    "fraction_of_peak": None,
                    "shape": "256x256x256",
                    "method": "torch._int_mm, B column-major",
                    "reason": "2.00x fp32 at 256^3 (median of 5 alternating pairs): a real speed-up",
                },
                "fp8_e4m3": {
                    "verdict": "runs_no_speedup",
                    "achieved_tflops": 0.0108,
                    "peak_tflops": None,
                    "fraction_of_peak": None,
                    "shape": "512x512x512",
                    "method": "torch._scaled_mm, tensor-wise scales, bf16 out",
                    "reason": "0.44x fp32 at 512^3 (median of 5 alternating pairs): below the 1.3x needed for native",
                },
                "fp8_e5m2": {
                    "verdict": "runs_no_speedup",
                    "achieved_tflops": 0.0525,
                    "peak_tflops": None,
                    "fraction_of_peak": None,
                    "shape": "512x512x512",
                    "method": "torch._scaled_mm, tensor-wise scales, bf16 out",
                    "reason": "0.25x fp32 at 512^3 (median of 5 alternating pairs): below the 1.3x needed for native",
                },
                "fp4": {
                    "verdict": "not_available",
                    "achieved_tflops": None,
                    "peak_tflops": None,
                    "fraction_of_peak": None,
                    "shape": None,
                    "method": "torch.nn.functional.scaled_mm (NVFP4/MXFP4)",
                    "reason": "functional check failed: nvfp4: ValueError: CPU does not "
                    "support swizzle.; mxfp4: ValueError: CPU does not support "
                    "swizzle.",
                },
            },
            "memory_bandwidth_gbps": 10.69,
            "bench_reason": "copy of 256 MiB (read + write counted)",
        }
    ],
    "bench": {
        "requested": True,
        "status": "ok",
        "reason": "",
        "budget_s": 20.0,
        "per_format_budget_s": 2.0,
        "elapsed_s": 14.195,
    },
}


def _report():
    return load_report(json.loads(json.dumps(RECORDED_CPU_REPORT)))


def _page(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    return AppTest.from_string(SCRIPT, default_timeout=60).run()


def _button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r} in {[b.label for b in at.button]}"
    return matches[0]


def _engine(url: str):
    engine = create_db_engine(url)
    prepare_database(engine)
    return engine


def _device_table(at: AppTest):
    tables = [d.value for d in at.dataframe if "verdict" in d.value.columns]
    assert tables, "no verdict table on the page"
    return tables[0].set_index("format")


@pytest.fixture
def recorded(monkeypatch):
    """Replace the collector with the recorded report; remember how it was called."""
    calls: list[dict] = []

    def fake_collect(*, bench, budget_s, progress=None, catalog=None):
        calls.append({"bench": bench, "budget_s": budget_s, "catalog": catalog})
        if progress:
            progress("checking formats on cpu (AMD EPYC)")
            if bench:
                progress("benchmarking cpu (AMD EPYC): 6 formats, <= 2 s each")
        return _report()

    monkeypatch.setattr(runner, "collect_report", fake_collect)
    return calls


def test_page_renders_and_says_it_probes_the_server(monkeypatch, sqlite_url):
    at = _page(monkeypatch, sqlite_url)
    assert not at.exception
    assert at.title[0].value == "Probe"
    assert "on the server that hosts this app" in at.info[0].value
    assert "says nothing about the computer you are browsing from" in at.info[0].value
    assert any("No probe reports stored yet" in c.value for c in at.caption)


def test_quick_probe_shows_cpu_features_and_verdicts(monkeypatch, sqlite_url, recorded):
    at = _page(monkeypatch, sqlite_url)
    _button(at, "Run the quick probe (a few seconds)").click().run()
    assert not at.exception
    assert recorded[0]["bench"] is False and recorded[0]["catalog"] is not None
    host = at.dataframe[0].value.set_index("field")["value"]
    assert host["CPU"] == "AMD EPYC"
    assert host["sockets / cores / threads"] == "1 / 2 / 2"
    features = next(m.value for m in at.markdown if m.value.startswith("CPU features"))
    present, absent = features.split(" · absent ")
    assert "`avx512_bf16`" in present and "`avx_vnni`" in absent and "`avx_vnni`" not in present
    table = _device_table(at)
    assert table.loc["bf16", "verdict"] == "✅ measured native"
    assert table.loc["bf16", "achieved TFLOPS (TOPS int8)"] == pytest.approx(0.0892)
    assert table.loc["fp16", "verdict"] == "🟠 runs, no speed-up"
    assert table.loc["fp4", "verdict"] == "⛔ not available"
    assert "CPU does not support swizzle" in table.loc["fp4", "reason"]
    assert any("inferred architecture `amd_zen4`" in c.value for c in at.caption)
    assert any("10.7 GB/s" in c.value for c in at.caption)  # the recorded copy bandwidth, 10.69 GB/s


def test_bench_run_is_time_boxed_and_shows_progress(monkeypatch, sqlite_url, recorded):
    at = _page(monkeypatch, sqlite_url)
    _button(at, f"Run with micro-benchmarks (up to {runner.BENCH_BUDGET_S:g} s)").click().run()
    assert not at.exception
    assert recorded[0]["bench"] is True
    assert recorded[0]["budget_s"] == runner.BENCH_BUDGET_S
    assert any("benchmarking cpu (AMD EPYC)" in c.value for c in at.code)


def test_real_quick_probe_describes_this_machine(monkeypatch, sqlite_url):
    from probes.cpu_probe import collect_host

    host, _flags = collect_host()
    at = _page(monkeypatch, sqlite_url)
    _button(at, "Run the quick probe (a few seconds)").click().run()
    assert not at.exception
    shown = at.dataframe[0].value.set_index("field")["value"]
    assert shown["CPU"] == (host.cpu_model or "unknown")
    table = _device_table(at)
    assert "fp32" in table.index
    assert set(table["verdict"]) <= {"❔ not measured", "⛔ not available"}  # quick: nothing is timed


def test_saving_a_server_report_stores_it(monkeypatch, sqlite_url, recorded):
    at = _page(monkeypatch, sqlite_url)
    _button(at, "Run the quick probe (a few seconds)").click().run()
    at.text_input[0].set_value("build vm")
    _button(at, "Save this report to the database").click().run()
    assert not at.exception
    stored = list_reports(_engine(sqlite_url))
    assert [(s.label, s.origin, s.hostname) for s in stored] == [("build vm", "server", "vm")]
    assert any(stored[0].id in s.value for s in at.success)


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, "application/json"))
    return _button(at, "Check and store").click().run()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"schema_version": 1, "host": ', "not valid JSON at line 1, column 31"),
        (b'{"what": "raw values"}', "field schema_version: expected 1, got None"),
        (b"[1, 2]", "expected a JSON object at the top level"),
    ],
)
def test_bad_probe_json_is_a_message_and_nothing_is_stored(monkeypatch, sqlite_url, data, expected):
    at = _page(monkeypatch, sqlite_url)
    _upload(at, "report.json", data)
    assert not at.exception
    assert "report.json is not a valid probe report" in at.error[0].value
    assert expected in at.error[0].value
    assert list_reports(_engine(sqlite_url)) == []


def test_report_with_a_wrong_field_names_the_field(monkeypatch, sqlite_url):
    bad = json.loads(json.dumps(RECORDED_CPU_REPORT))
    bad["devices"][0]["formats"]["bf16"]["verdict"] = "fast"
    at = _page(monkeypatch, sqlite_url)
    _upload(at, "edited.json", json.dumps(bad).encode())
    assert "field devices[0].formats.bf16.verdict" in at.error[0].value
    assert "'fast'" in at.error[0].value
    assert list_reports(_engine(sqlite_url)) == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty"),
        (b"   \n", "the file is empty"),
        (b"{" + b" " * MAX_REPORT_BYTES + b"}", f"the limit is {MAX_REPORT_BYTES:,}"),
        (b'{"host": "caf\xe9"}', "not UTF-8"),  # Latin-1
    ],
)
def test_upload_handler_refuses_bad_files(sqlite_url, data, expected):
    engine = _engine(sqlite_url)
    with pytest.raises(ProbeReportError, match=expected):
        probe_page.store_uploaded_report(data, label="x", engine=engine)
    assert list_reports(engine) == []


def test_uploaded_report_is_stored_and_selectable_as_hardware(monkeypatch, sqlite_url):
    at = _page(monkeypatch, sqlite_url)
    at.text_input(key="probe_upload_label").set_value("laptop")
    _upload(at, "laptop.json", json.dumps(RECORDED_CPU_REPORT).encode())
    assert not at.exception
    stored = list_reports(_engine(sqlite_url))
    assert [(s.label, s.origin) for s in stored] == [("laptop", "upload")]
    assert _device_table(at).loc["bf16", "verdict"] == "✅ measured native"
    assert "hardware_probe_id" not in at.session_state
    at.selectbox(key="probe_pick").select(stored[0].id).run()
    assert not at.exception
    assert at.session_state["hardware_probe_id"] == stored[0].id
    assert any("Advise page offers this report" in s.value for s in at.success)


def test_only_one_probe_runs_at_a_time(monkeypatch):
    monkeypatch.setattr(runner, "collect_report", lambda **kw: _report())
    lock = runner.PROBE_LOCK
    assert lock.acquire(blocking=False)
    try:
        with pytest.raises(runner.ProbeBusy, match="another probe is running"):
            runner.run_probe(bench=True)
    finally:
        lock.release()
    assert runner.run_probe(bench=False).host.cpu_model == "AMD EPYC"
