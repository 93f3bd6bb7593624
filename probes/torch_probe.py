"""torch's view of the machine, and the matrix-multiply calls used for checks and timings.

torch is imported inside functions only. :func:`make_matmul` builds, for one format on one device,
the fastest call torch offers (int8 ``torch._int_mm`` with a column-major right-hand matrix, FP8
``torch._scaled_mm``, FP4 ``torch.nn.functional.scaled_mm`` with NVFP4/MXFP4 block scales), so the
functional checks here and the timings in :mod:`probes.bench_probe` exercise exactly the same code.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from probes.report import CheckResult, FormatCheck, ProbeFormat, TorchAccelerator, TorchInfo

#: Exceptions torch raises for an op, dtype or layout this build/device can't run.
TORCH_OP_ERRORS: tuple[type[BaseException], ...] = (
    RuntimeError,
    ValueError,
    TypeError,
    NotImplementedError,
    AttributeError,
)

#: Size of the functional checks (multiples of 128 so every block-scaled layout fits).
CHECK_SIZE = 128


def import_torch() -> tuple[Any | None, str]:
    """(torch, "") or (None, why it can't be imported)."""
    try:
        import torch
    except ImportError as exc:
        return None, f"torch is not installed ({exc})"
    except OSError as exc:  # a broken CUDA/ROCm library set
        return None, f"torch failed to load a shared library: {exc}"
    return torch, ""


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def collect_torch(torch: Any | None, import_reason: str = "") -> TorchInfo:
    """Versions and accelerator backends as torch sees them."""
    nvml_py = _version("nvidia-ml-py")
    if torch is None:
        return TorchInfo(status="unavailable", reason=import_reason, nvidia_ml_py_version=nvml_py)
    problems: list[str] = []
    info: dict[str, Any] = {
        "torch_version": str(torch.__version__),
        "cuda_runtime_version": getattr(torch.version, "cuda", None),
        "hip_version": getattr(torch.version, "hip", None),
        "nvidia_ml_py_version": nvml_py,
        "num_threads": torch.get_num_threads(),
    }
    try:
        info["cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    except TORCH_OP_ERRORS as exc:
        problems.append(f"cpu capability: {exc}")
    try:
        cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
        info["cudnn_version"] = str(cudnn) if cudnn is not None else None
    except TORCH_OP_ERRORS as exc:
        problems.append(f"cudnn: {exc}")
    accelerators: list[TorchAccelerator] = []
    is_hip = info["hip_version"] is not None
    try:
        available = bool(torch.cuda.is_available())
        info["cuda_available"] = available and not is_hip
        info["rocm_available"] = available and is_hip
        for i in range(torch.cuda.device_count() if available else 0):
            props = torch.cuda.get_device_properties(i)
            accelerators.append(
                TorchAccelerator(
                    id=f"cuda:{i}",
                    backend="rocm" if is_hip else "cuda",
                    name=props.name,
                    compute_capability=None if is_hip else f"{props.major}.{props.minor}",
                    gcn_arch_name=getattr(props, "gcnArchName", None) if is_hip else None,
                    total_memory_bytes=int(props.total_memory),
                    multi_processor_count=getattr(props, "multi_processor_count", None),
                    pci_bus_id=_pci_bus_id(props),
                )
            )
    except TORCH_OP_ERRORS as exc:
        problems.append(f"CUDA/ROCm: {exc}")
    try:
        mps = getattr(torch.backends, "mps", None)
        info["mps_available"] = bool(mps and mps.is_available())
        if info["mps_available"]:
            accelerators.append(TorchAccelerator(id="mps", backend="mps", name="Apple MPS"))
    except TORCH_OP_ERRORS as exc:
        problems.append(f"MPS: {exc}")
    try:
        xpu = getattr(torch, "xpu", None)
        info["xpu_available"] = bool(xpu and xpu.is_available())
        for i in range(xpu.device_count() if info["xpu_available"] else 0):
            props = xpu.get_device_properties(i)
            accelerators.append(
                TorchAccelerator(
                    id=f"xpu:{i}",
                    backend="xpu",
                    name=getattr(props, "name", None),
                    total_memory_bytes=getattr(props, "total_memory", None),
                )
            )
    except TORCH_OP_ERRORS as exc:
        problems.append(f"XPU: {exc}")
    return TorchInfo(
        status="error" if problems else "ok", reason="; ".join(problems), accelerators=accelerators, **info
    )


def _pci_bus_id(props: Any) -> str | None:
    """torch's pci_domain_id/pci_bus_id/pci_device_id (slot) -> NVML's "00000000:00:06.0"."""
    try:
        return f"{int(props.pci_domain_id):08x}:{int(props.pci_bus_id):02x}:{int(props.pci_device_id):02x}.0"
    except (AttributeError, TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- matmul calls


@dataclass(frozen=True)
class Matmul:
    """One ready-to-run matrix multiply: ``run()`` computes (M x K) @ (K x N) in ``fmt``."""

    fmt: ProbeFormat
    run: Callable[[], Any]
    method: str
    m: int
    n: int
    k: int

    @property
    def flops(self) -> float:
        return 2.0 * self.m * self.n * self.k


def synchronizer(torch: Any, device: str) -> Callable[[], None]:
    if device.startswith("cuda"):
        return lambda: torch.cuda.synchronize(device)
    if device == "mps":
        return torch.mps.synchronize
    if device.startswith("xpu"):
        return lambda: torch.xpu.synchronize(device)
    return lambda: None


def _fp8_dtypes(torch: Any, device: str) -> dict[ProbeFormat, Any]:
    """OCP FP8 (E4M3FN/E5M2), or the FNUZ variants on AMD CDNA3 (gfx94x)."""
    fnuz = False
    if device.startswith("cuda") and getattr(torch.version, "hip", None):
        arch = getattr(torch.cuda.get_device_properties(device), "gcnArchName", "") or ""
        fnuz = arch.startswith("gfx94")
    if fnuz:
        return {ProbeFormat.FP8_E4M3: torch.float8_e4m3fnuz, ProbeFormat.FP8_E5M2: torch.float8_e5m2fnuz}
    return {ProbeFormat.FP8_E4M3: torch.float8_e4m3fn, ProbeFormat.FP8_E5M2: torch.float8_e5m2}


def _small_ints(torch: Any, rows: int, cols: int, device: str) -> Any:
    """Integer values in [-2, 2]: exact in every format tested, so results can be compared exactly."""
    return torch.randint(-2, 3, (rows, cols), device=device, dtype=torch.float32)


def variants(fmt: ProbeFormat, device: str) -> tuple[str, ...]:
    """Layouts/options worth timing for a format; the best one is kept."""
    gpu = device.startswith("cuda")
    if fmt in (ProbeFormat.FP8_E4M3, ProbeFormat.FP8_E5M2):
        return ("fast_accum", "default") if gpu else ("default",)
    if fmt in (ProbeFormat.BF16, ProbeFormat.FP16) and gpu:
        return ("nn", "nt")
    if fmt == ProbeFormat.FP4:
        return ("nvfp4", "nvfp4_global", "mxfp4")
    if fmt == ProbeFormat.INT8 and not gpu:
        return ("int_mm", "ao_quantized_linear")
    return ("default",)


def make_matmul(
    torch: Any,
    fmt: ProbeFormat,
    device: str,
    m: int,
    n: int,
    k: int,
    variant: str = "default",
    *,
    a32: Any = None,
    b32: Any = None,
) -> Matmul:
    """Build the call for one format/variant; raises a TORCH_OP_ERRORS exception when it can't be built."""
    a32 = a32 if a32 is not None else torch.randn(m, k, device=device)
    b32 = b32 if b32 is not None else torch.randn(k, n, device=device)
    if fmt in (ProbeFormat.FP32, ProbeFormat.BF16, ProbeFormat.FP16):
        dtype = {ProbeFormat.FP32: torch.float32, ProbeFormat.BF16: torch.bfloat16, ProbeFormat.FP16: torch.float16}[
            fmt
        ]
        a = a32.to(dtype)
        if variant == "nt":  # B stored transposed (column-major): cuBLAS picks a different kernel
            b = b32.to(dtype).t().contiguous().t()
            return Matmul(fmt, lambda: torch.matmul(a, b), "torch.matmul, B column-major", m, n, k)
        b = b32.to(dtype)
        return Matmul(fmt, lambda: torch.matmul(a, b), "torch.matmul, row-major", m, n, k)
    if fmt == ProbeFormat.INT8:
        a = a32.to(torch.int8)
        if variant == "ao_quantized_linear":
            return _ao_int8_linear(torch, a32, b32, m, n, k)
        b = b32.to(torch.int8).t().contiguous().t()  # column-major right-hand side: the fast path
        return Matmul(fmt, lambda: torch._int_mm(a, b), "torch._int_mm, B column-major", m, n, k)
    if fmt in (ProbeFormat.FP8_E4M3, ProbeFormat.FP8_E5M2):
        dtypes = _fp8_dtypes(torch, device)
        a = a32.to(dtypes[fmt])
        # E5M2 is a gradient format, only ever one operand: cuBLASLt has no E5M2 x E5M2 kernel (torch raises
        # "Multiplication of two Float8_e5m2 matrices is not supported"), so B stays E4M3 as in a backward GEMM.
        b = b32.to(dtypes[ProbeFormat.FP8_E4M3]).t().contiguous().t()  # _scaled_mm requires column-major B
        one = torch.tensor(1.0, device=device)
        fast = variant == "fast_accum"

        def run() -> Any:
            return torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16, use_fast_accum=fast)

        how = "torch._scaled_mm, tensor-wise scales, bf16 out" + (", fast accumulation" if fast else "")
        if fmt == ProbeFormat.FP8_E5M2:
            how = how.replace("torch._scaled_mm", "torch._scaled_mm E5M2 x E4M3", 1)
        return Matmul(fmt, run, how, m, n, k)
    if fmt == ProbeFormat.FP4:
        return _fp4_matmul(torch, device, m, n, k, variant)
    raise ValueError(f"unknown format {fmt}")


def _ao_int8_linear(torch: Any, a32: Any, b32: Any, m: int, n: int, k: int) -> Matmul:
    """CPU fallback when torch._int_mm is missing: the int8 x int8 GEMM behind torch.ao quantized Linear."""
    import warnings

    from torch.ao.nn.quantized import Linear as QLinear

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quantized tensors are deprecated but still the CPU int8 GEMM path
        layer = QLinear(k, n, bias_=False)
        weight = torch.quantize_per_tensor(b32.t().contiguous(), 1.0, 0, torch.qint8)
        layer.set_weight_bias(weight, None)
        x = torch.quantize_per_tensor(a32, 1.0, 128, torch.quint8)
    return Matmul(ProbeFormat.INT8, lambda: layer(x), "torch.ao.nn.quantized.Linear (fbgemm/onednn int8 GEMM)", m, n, k)


def _fp4_matmul(torch: Any, device: str, m: int, n: int, k: int, variant: str) -> Matmul:
    """FP4 (E2M1, two per byte) through the block-scaled scaled_mm: NVFP4 (1x16, E4M3 scales) or MXFP4 (1x32, E8M0)."""
    fp4 = getattr(torch, "float4_e2m1fn_x2", None)
    functional = torch.nn.functional
    scaled_mm = getattr(functional, "scaled_mm", None)
    if fp4 is None or scaled_mm is None:
        raise NotImplementedError(f"torch {torch.__version__} has no float4_e2m1fn_x2 / nn.functional.scaled_mm")
    if k % 128 or m % 128 or n % 128:
        raise ValueError("FP4 block-scaled matmul needs M, N, K multiples of 128")
    a = torch.zeros(m, k // 2, dtype=torch.uint8, device=device).view(fp4)
    b = torch.zeros(n, k // 2, dtype=torch.uint8, device=device).view(fp4)
    if variant == "mxfp4":
        block, recipe, scale_dtype, name = 32, functional.ScalingType.BlockWise1x32, torch.float8_e8m0fnu, "MXFP4"
    else:
        block, recipe, scale_dtype, name = 16, functional.ScalingType.BlockWise1x16, torch.float8_e4m3fn, "NVFP4"
    # swizzled (32x4x4) scale layout: rows padded to 128, scale columns to 4 -> exact for multiples of 128
    scale_a = torch.ones(m * (k // block), device=device).to(scale_dtype)
    scale_b = torch.ones(n * (k // block), device=device).to(scale_dtype)
    swizzle = functional.SwizzleType.SWIZZLE_32_4_4
    how = f"torch.nn.functional.scaled_mm, {name} block scales (1x{block})"
    if variant == "nvfp4_global":  # the two-level NVFP4 recipe: block scales plus a per-tensor fp32 scale
        one = torch.ones((), device=device)
        recipes = [recipe, functional.ScalingType.TensorWise]
        swizzles = [swizzle, functional.SwizzleType.NO_SWIZZLE]

        def run_global() -> Any:
            return scaled_mm(
                a,
                b.t(),
                [scale_a, one],
                recipes,
                [scale_b, one],
                recipes,
                swizzles,
                swizzles,
                output_dtype=torch.bfloat16,
            )

        return Matmul(ProbeFormat.FP4, run_global, how + " + tensor-wise global scale", m, n, k)

    def run() -> Any:
        return scaled_mm(
            a,
            b.t(),
            scale_a,
            recipe,
            scale_b,
            recipe,
            swizzle_a=swizzle,
            swizzle_b=swizzle,
            output_dtype=torch.bfloat16,
        )

    return Matmul(ProbeFormat.FP4, run, how, m, n, k)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def check_format(torch: Any, fmt: ProbeFormat, device: str) -> FormatCheck:
    """Run one tiny matmul of ``fmt`` on ``device`` and compare it with an fp32 reference."""
    size = CHECK_SIZE
    sync = synchronizer(torch, device)
    failures: list[str] = []
    for variant in variants(fmt, device):
        try:
            a32 = _small_ints(torch, size, size, device)
            b32 = _small_ints(torch, size, size, device)
            mm = make_matmul(torch, fmt, device, size, size, size, variant, a32=a32, b32=b32)
            out = mm.run()
            sync()
            if fmt == ProbeFormat.FP4:  # all-zero inputs: the result must be exactly zero
                wrong = float(out.float().abs().max())
            elif fmt == ProbeFormat.INT8 and variant == "ao_quantized_linear":
                # a quantized uint8 output saturates, so only the shape is checked on this fallback
                wrong = 0.0 if tuple(out.shape) == (size, size) else float("inf")
            else:
                wrong = float((out.float() - a32 @ b32).abs().max())
        except TORCH_OP_ERRORS as exc:
            failures.append(f"{variant}: {_first_line(exc)}" if len(variants(fmt, device)) > 1 else _first_line(exc))
            continue
        if wrong != 0.0:
            failures.append(f"{mm.method}: wrong result (max abs error {wrong:g} on exact small integers)")
            continue
        return FormatCheck(result=CheckResult.RUNS, op=mm.method)
    return FormatCheck(result=CheckResult.FAILS, op=_op_name(fmt), reason="; ".join(failures))


def _op_name(fmt: ProbeFormat) -> str:
    return {
        ProbeFormat.INT8: "torch._int_mm",
        ProbeFormat.FP8_E4M3: "torch._scaled_mm",
        ProbeFormat.FP8_E5M2: "torch._scaled_mm",
        ProbeFormat.FP4: "torch.nn.functional.scaled_mm (NVFP4/MXFP4)",
    }.get(fmt, "torch.matmul")


def check_formats(torch: Any, device: str) -> dict[ProbeFormat, FormatCheck]:
    return {fmt: check_format(torch, fmt, device) for fmt in ProbeFormat}
