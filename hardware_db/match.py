"""Match what a probe or a benchmark file reports to a catalog SKU or architecture.

Pure Python over a loaded :class:`~hardware_db.catalog.Catalog`; no torch, no pynvml.

GPU order of evidence (first hit wins):

1. the reported name equals an alias, the name or the id of a SKU (case-, space- and
   punctuation-insensitive), method ``"name"``;
2. the PCI device id (``"0x2330"``, ``0x2330``, the NVML/nvidia-smi form ``0x233010DE`` or
   ``"10de:2330"``), method ``"pci_device_id"``;
3. the normalized name: vendor words (NVIDIA, GeForce, AMD, Instinct ...) and memory types
   dropped, a capacity token such as ``80GB`` used as a memory hint, method ``"name"``;
   where several SKUs fit, the device memory picks one, method ``"name+memory"``;
4. the compute capability: the one architecture whose ``compute_capability`` equals the
   probed one *exactly* (capabilities are never compared across families with ``>=``),
   method ``"compute_capability"``, SKU unknown.

Between 2 and 3, a cloud instance type (``Standard_ND96asr_v4``, ``p3dn.24xlarge``) is looked up in
``data/cloud_instances.toml``, method ``"cloud_instance"`` (:func:`match_cloud_instance`, which also
gives the GPU count); :func:`match_name` falls back to it the same way.

CPU: the lscpu model name against aliases/names (``"cpu_model"``), else the architecture
inferred from the instruction-set flags (``"cpu_flags"``), with a note saying so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from hardware_db.catalog import Catalog, default_catalog
from hardware_db.schema import CloudInstance, DeviceKind, Sku

__all__ = [
    "DeviceMatch",
    "match_cloud_instance",
    "match_cpu",
    "match_gpu",
    "match_name",
    "normalize_pci_device_id",
]

#: Words that say who made a device but not which one it is.
_NOISE = frozenset(
    {
        "nvidia",
        "geforce",
        "tesla",
        "amd",
        "instinct",
        "radeon",
        "intel",
        "apple",
        "google",
        "cloud",
        "aws",
        "amazon",
        "graphics",
        "gpu",
        "r",
        "tm",
        "processor",
        "cpu",
        "chip",
    }
)
_MEMORY_TYPES = frozenset(
    {"hbm", "hbm2", "hbm2e", "hbm3", "hbm3e", "gddr6", "gddr6x", "gddr7", "lpddr5", "lpddr5x", "ddr5"}
)
_CAPACITY = re.compile(r"^(\d+(?:\.\d+)?)(gb|gib)$")
_CORE_COUNT = re.compile(r"^\d+core$")
_CLOCK = re.compile(r"^\d+(?:\.\d+)?(ghz|mhz)$")
#: Relative tolerance between reported memory and a SKU's memory_gb (NVML reports GiB-ish totals
#: minus reserved memory: an 80 GB H100 shows 79.6 GiB, a 141 GB H200 140.4 GiB).
_MEMORY_TOLERANCE = 0.06


@dataclass(frozen=True)
class DeviceMatch:
    sku_id: str | None  # matched catalog SKU, or None
    architecture_id: str | None  # the SKU's architecture, or inferred
    method: str  # "pci_device_id" | "name" | "name+memory" | "cloud_instance" | "compute_capability" | "cpu_model" | "cpu_flags" | "none"
    note: str  # human sentence


# --------------------------------------------------------------------------- normalization


def _squash(text: str) -> str:
    """Case-, space- and punctuation-insensitive key: "NVIDIA H100 80GB HBM3" -> "nvidiah10080gbhbm3"."""
    return re.sub(r"[^a-z0-9+]", "", text.lower())


def _tokens(text: str) -> tuple[frozenset[str], float | None]:
    """Model tokens of a device name and the capacity it names (GB), vendor words dropped."""
    text = text.lower().replace("(r)", " ").replace("(tm)", " ")
    text = re.sub(r"(\d+)-core", r"\1core", text)
    text = re.sub(r"@.*$", " ", text)  # "... CPU @ 2.10GHz"
    text = re.sub(r"(\d+(?:\.\d+)?)\s+(gb|gib)\b", r"\1\2", text)  # "80 GB" -> "80gb"
    memory: float | None = None
    kept: set[str] = set()
    for tok in re.split(r"[^a-z0-9+.]+", text):
        tok = tok.strip(".")
        if not tok or tok in _NOISE or tok in _MEMORY_TYPES or _CORE_COUNT.match(tok) or _CLOCK.match(tok):
            continue
        cap = _CAPACITY.match(tok)
        if cap:
            memory = float(cap.group(1))
            continue
        kept.add(tok)
    return frozenset(kept), memory


def normalize_pci_device_id(value: str | int | None) -> str | None:
    """ "0x2330", 0x2330, "2330", 0x233010DE (NVML pciDeviceId), "10de:2330" -> "0x2330"; None if unusable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = value.strip().lower()
        if ":" in text:  # "10de:2330" (vendor:device, lspci -n)
            text = text.split(":")[-1]
        try:
            number = int(text, 16)
        except ValueError:
            return None
    if number > 0xFFFF:  # NVML packs device << 16 | vendor
        number >>= 16
    if number <= 0:
        return None
    return f"0x{number:04x}"


def _memory_fits(sku: Sku, memory_gb: float) -> bool:
    if sku.memory_gb is None:
        return False
    return abs(memory_gb - sku.memory_gb) / sku.memory_gb <= _MEMORY_TOLERANCE


def _reported_memory_gb(memory_bytes: int | None) -> list[float]:
    """The reported total read both as GiB and as GB (vendors mix them)."""
    if not memory_bytes or memory_bytes <= 0:
        return []
    return [memory_bytes / 2**30, memory_bytes / 1e9]


def _pick_by_memory(catalog: Catalog, ids: list[str], memories_gb: list[float]) -> list[str]:
    if not memories_gb or len(ids) <= 1:
        return ids
    fitting = [i for i in ids if any(_memory_fits(catalog.skus[i], m) for m in memories_gb)]
    if len(fitting) <= 1:
        return fitting

    # several fit: keep the nearest capacity (A100 40 vs 80 GB never both fit; H200 141 vs 144 might)
    def distance(i: str) -> float:
        cap = catalog.skus[i].memory_gb or 0.0
        return min(abs(m - cap) / cap for m in memories_gb)

    best = min(distance(i) for i in fitting)
    return [i for i in fitting if distance(i) - best < 1e-9]


def _sku_names(sku: Sku) -> list[str]:
    return [sku.name, sku.id, *sku.aliases]


def _is_kind(catalog: Catalog, sku: Sku, kinds: set[DeviceKind] | None) -> bool:
    return kinds is None or catalog.architectures[sku.architecture].kind in kinds


def _exact_alias(catalog: Catalog, text: str, kinds: set[DeviceKind] | None) -> list[str]:
    key = _squash(text)
    if not key:
        return []
    return [
        sku.id
        for sku in catalog.skus.values()
        if _is_kind(catalog, sku, kinds) and any(_squash(n) == key for n in _sku_names(sku))
    ]


def _token_matches(catalog: Catalog, text: str, kinds: set[DeviceKind] | None) -> tuple[list[str], float | None]:
    """SKUs whose normalized name equals the query's; failing that, SKUs the query names less specifically."""
    query, memory_hint = _tokens(text)
    if not query:
        return [], memory_hint
    equal: list[str] = []
    partial: list[str] = []
    for sku in catalog.skus.values():
        if not _is_kind(catalog, sku, kinds):
            continue
        named = [_tokens(n) for n in _sku_names(sku)]
        # equal only where the capacities agree too: "NVIDIA H100" is not the alias "NVIDIA H100 80GB HBM3"
        if any(t == query and (mem is None or mem == memory_hint) for t, mem in named):
            equal.append(sku.id)
        elif any(_covers(query, t) for t, _ in named):
            partial.append(sku.id)
    return (equal or partial), memory_hint


def _covers(query: frozenset[str], sku_tokens: frozenset[str]) -> bool:
    """Every query token is a SKU token; a purely alphabetic one may be a prefix ("sxm" of "sxm5")."""
    if not sku_tokens:
        return False
    for q in query:
        if q in sku_tokens:
            continue
        if q.isalpha() and any(t.startswith(q) for t in sku_tokens):
            continue
        return False
    return True


def _result(catalog: Catalog, ids: list[str], method: str, why: str) -> DeviceMatch | None:
    """One SKU -> a match; several of one architecture -> the architecture; else None."""
    if len(ids) == 1:
        sku = catalog.skus[ids[0]]
        return DeviceMatch(ids[0], sku.architecture, method, f"{why}: {sku.name}")
    if len(ids) > 1:
        archs = {catalog.skus[i].architecture for i in ids}
        if len(archs) == 1:
            arch = archs.pop()
            return DeviceMatch(None, arch, method, f"{why}: ambiguous between {', '.join(sorted(ids))}; {arch} assumed")
    return None


# --------------------------------------------------------------------------- GPUs


def _architecture_by_cc(catalog: Catalog, cc: tuple[int, int]) -> list[str]:
    text = f"{cc[0]}.{cc[1]}"
    found = {a.id for a in catalog.architectures.values() if a.compute_capability == text}
    if not found:  # a SKU-level override (GB10 is 12.1) names the architecture too
        found = {s.architecture for s in catalog.skus.values() if s.compute_capability == text}
    return sorted(found)


def _with_cc_check(catalog: Catalog, match: DeviceMatch, cc: tuple[int, int] | None) -> DeviceMatch:
    if cc is None or match.architecture_id is None:
        return match
    expected = (
        catalog.compute_capability(match.sku_id)
        if match.sku_id
        else catalog.architectures[match.architecture_id].compute_capability
    )
    probed = f"{cc[0]}.{cc[1]}"
    if expected is not None and expected != probed:
        return DeviceMatch(
            match.sku_id,
            match.architecture_id,
            match.method,
            f"{match.note}; warning: the device reports compute capability {probed}, the catalog says {expected}",
        )
    return match


_GPU_KINDS = {DeviceKind.GPU, DeviceKind.NPU, DeviceKind.TPU}


def match_gpu(
    name: str | None,
    *,
    pci_device_id: str | int | None = None,
    compute_capability: tuple[int, int] | None = None,
    memory_bytes: int | None = None,
    catalog: Catalog | None = None,
) -> DeviceMatch:
    """Match an accelerator as reported by NVML / torch / rocm-smi to a SKU (or at least an architecture)."""
    catalog = catalog if catalog is not None else default_catalog()
    memories = _reported_memory_gb(memory_bytes)
    cc = tuple(compute_capability) if compute_capability is not None else None

    if name:
        ids = _exact_alias(catalog, name, _GPU_KINDS)
        picked = _pick_by_memory(catalog, ids, memories)
        method = "name+memory" if len(picked) < len(ids) else "name"
        found = _result(catalog, picked or ids, method, f"name {name!r} is a catalog alias")
        if found and found.sku_id:
            return _with_cc_check(catalog, found, cc)

    pci = normalize_pci_device_id(pci_device_id)
    if pci is not None:
        ids = [s.id for s in catalog.skus.values() if pci in {normalize_pci_device_id(p) for p in s.pci_device_ids}]
        picked = _pick_by_memory(catalog, ids, memories)
        found = _result(catalog, picked or ids, "pci_device_id", f"PCI device id {pci}")
        if found and found.sku_id:
            return _with_cc_check(catalog, found, cc)

    if name:
        cloud = match_cloud_instance(name, catalog)
        if cloud is not None:
            return _with_cc_check(catalog, cloud[0], cc)

    partial: DeviceMatch | None = None
    if name:
        ids, hint = _token_matches(catalog, name, _GPU_KINDS)
        hints = memories or ([hint] if hint else [])
        picked = _pick_by_memory(catalog, ids, hints)
        if picked:
            method = "name+memory" if len(picked) < len(ids) else "name"
            found = _result(catalog, picked, method, f"normalized name {name!r}")
            if found and found.sku_id:
                return _with_cc_check(catalog, found, cc)
            partial = found
        isa = re.match(r"^\s*(gfx[0-9a-f]+)", name.lower())  # torch gcnArchName "gfx942:sramecc+:xnack-"
        if isa and partial is None:
            archs = sorted(a.id for a in catalog.architectures.values() if (a.isa or "").lower() == isa.group(1))
            if len(archs) == 1:
                return DeviceMatch(None, archs[0], "name", f"architecture from ISA {isa.group(1)}: SKU not known")

    if partial is not None:
        return _with_cc_check(catalog, partial, cc)

    if cc is not None:
        archs = _architecture_by_cc(catalog, cc)
        text = f"{cc[0]}.{cc[1]}"
        if len(archs) == 1:
            return DeviceMatch(
                None, archs[0], "compute_capability", f"inferred from compute capability {text}: SKU not in catalog"
            )
        if len(archs) > 1:
            return DeviceMatch(None, None, "none", f"compute capability {text} is claimed by {', '.join(archs)}")
        return DeviceMatch(None, None, "none", f"no catalog architecture has compute capability {text}")

    return DeviceMatch(None, None, "none", f"device {name!r} is not in the catalog")


# --------------------------------------------------------------------------- CPUs


def _cpu_arch_from_name(model_name: str) -> tuple[str | None, str]:
    """Best-effort architecture from a model name the catalog does not list."""
    low = model_name.lower()
    m = re.search(r"neoverse[- ]?(v1|v2|n1|n2|v3)", low)
    if m:
        return f"arm_neoverse_{m.group(1)}", f"lscpu names the core Neoverse-{m.group(1).upper()}"
    m = re.search(r"epyc\s+(\d{4})", low)
    if m and m.group(1)[0] in "49":  # 9xx4/4xx4 Genoa/Bergamo/Siena, 9xx5/4xx5 Turin/Grado
        last = m.group(1)[3]
        if last == "4":
            return "amd_zen4", f"EPYC {m.group(1)}: model number ending in 4 is Zen 4"
        if last == "5":
            return "amd_zen5", f"EPYC {m.group(1)}: model number ending in 5 is Zen 5"
    m = re.search(r"ryzen\s+(?:\d+\s+)?(\d{4})", low)
    if m and m.group(1)[0] in "79":
        arch = "amd_zen4" if m.group(1)[0] == "7" else "amd_zen5"
        return arch, f"Ryzen {m.group(1)}: {'7000' if arch == 'amd_zen4' else '9000'} series desktop part"
    return None, ""


def _cpu_arch_from_flags(model_name: str, flags: set[str]) -> tuple[str | None, str]:
    low = model_name.lower()
    is_amd = "amd" in low or "epyc" in low or "ryzen" in low
    if "amx_fp16" in flags:
        return "intel_xeon_granite_rapids", "AMX-FP16 (amx_fp16) is Granite Rapids only"
    if "amx_bf16" in flags:
        return "intel_xeon_amx", "AMX-BF16 (amx_bf16) without AMX-FP16: Sapphire or Emerald Rapids"
    if is_amd and "avx512_bf16" in flags:
        zen5_only = sorted(flags & {"avx_vnni", "avx512_vp2intersect", "movdiri", "movdir64b"})
        if zen5_only:
            return "amd_zen5", f"AMD with AVX512-BF16 and {', '.join(zen5_only)} (absent on Zen 4): best-effort Zen 5"
        return "amd_zen4", "AMD with AVX512-BF16 and no Zen 5-only flag: Zen 4 (could be Zen 5)"
    arm = {"asimd", "sve", "sve2", "fphp", "asimdhp"} & flags
    if arm:
        if "sve2" in flags and ({"bf16", "svebf16"} & flags):
            return "arm_neoverse_v2", "aarch64 with SVE2 + BF16 + I8MM: best-effort Neoverse V2 (Graviton4 / Grace)"
        if "sve" in flags and ({"bf16", "svebf16"} & flags):
            return "arm_neoverse_v1", "aarch64 with SVE (no SVE2) + BF16: best-effort Neoverse V1 (Graviton3)"
    return None, ""


_CPU_KINDS = {DeviceKind.CPU}


def match_cpu(model_name: str | None, flags: Iterable[str] = (), *, catalog: Catalog | None = None) -> DeviceMatch:
    """Match an lscpu ``Model name`` (and ``Flags``) to a CPU SKU, else infer its architecture."""
    catalog = catalog if catalog is not None else default_catalog()
    flag_set = {f.strip().lower() for f in flags if f and f.strip()}
    model_name = (model_name or "").strip()

    if model_name:
        ids = _exact_alias(catalog, model_name, _CPU_KINDS)
        found = _result(catalog, ids, "cpu_model", f"model name {model_name!r} is a catalog alias")
        if found:
            return found
        ids, _ = _token_matches(catalog, model_name, _CPU_KINDS)
        equal_only = [
            i for i in ids if any(_tokens(n)[0] == _tokens(model_name)[0] for n in _sku_names(catalog.skus[i]))
        ]
        found = _result(catalog, equal_only, "cpu_model", f"normalized model name {model_name!r}")
        if found:
            return found
        arch, why = _cpu_arch_from_name(model_name)
        if arch and arch in catalog.architectures:
            return DeviceMatch(None, arch, "cpu_model", f"inferred from the model name ({why}): SKU not in catalog")

    arch, why = _cpu_arch_from_flags(model_name, flag_set)
    if arch is not None:
        if arch in catalog.architectures:
            return DeviceMatch(None, arch, "cpu_flags", f"inferred from CPU flags: {why}; SKU not in catalog")
        return DeviceMatch(None, None, "none", f"CPU flags suggest {arch} ({why}), which the catalog lacks")
    return DeviceMatch(
        None, None, "none", f"CPU {model_name!r} is not in the catalog and its flags name no known family"
    )


# --------------------------------------------------------------------------- cloud instance types

#: Words people append to an instance type that do not change its hardware ("...-GPUDirect-RDMA-Infiniband").
_INSTANCE_DECORATIONS = frozenset(
    {"gpudirect", "rdma", "infiniband", "ib", "roce", "efa", "spot", "preemptible", "lowpriority", "vm", "vms", "node"}
)
_LEADING_COUNT = re.compile(r"^(\d+)\s*[x×*]\s*(?=[a-z])")  # "1xStandard_ND96asr_v4", "2 x p4d.24xlarge"
_TRAILING_COUNT = re.compile(r"(?:\s+[x×*]\s*|\s*[×*]\s*)(\d+)$")  # "... x 2", "... *2"
_VM_COUNT_TOKEN = re.compile(r"^[x×](\d+)$")  # "ND96asr_v4x2_IB"
_SEPARATORS = re.compile(r"[-_.\s]+")  # "p4de.24xlarge" is also written "p4de-24xlarge" in file names
_MAX_VMS = 10_000


def _instance_key(text: str) -> str:
    """Case- and separator-insensitive key without Azure's ``Standard_`` prefix: "Standard_ND96asr_v4" -> "nd96asr_v4"."""
    key = _SEPARATORS.sub("_", text.strip().lower()).strip("_")
    return key.removeprefix("standard_")


def _instance_index(catalog: Catalog) -> dict[str, CloudInstance]:
    return {_instance_key(s): inst for inst in catalog.cloud_instances.values() for s in (inst.name, *inst.aliases)}


def _decorated(index: dict[str, CloudInstance], key: str) -> tuple[CloudInstance, int] | None:
    """The longest instance key that ``key`` starts with, followed only by decorations and ``x<VMs>`` tokens."""
    for known in sorted(index, key=len, reverse=True):
        rest = key[len(known) :]
        if not key.startswith(known) or not rest or not (rest[0] in "_." or _VM_COUNT_TOKEN.match(rest.split("_")[0])):
            continue
        vms = 1
        for token in (t for t in re.split(r"[_.]+", rest) if t):
            count = _VM_COUNT_TOKEN.match(token)
            if count:
                vms *= int(count.group(1))
            elif token not in _INSTANCE_DECORATIONS:
                break
        else:
            return index[known], vms
    return None


def match_cloud_instance(name: str | None, catalog: Catalog | None = None) -> tuple[DeviceMatch, int] | None:
    """A cloud instance type -> (match to its catalog SKU, GPUs in total); None when it is not a known instance.

    Tolerates Azure's ``Standard_`` prefix or its absence, case, ``-``/``_``/space separators, decorations such as
    ``-GPUDirect-RDMA-Infiniband``, and a VM count written before (``1x...``) or after (``... x 2``, ``...x2_IB``):
    an instance type names a whole VM, so each count multiplies the instance's GPUs.
    """
    catalog = catalog if catalog is not None else default_catalog()
    if not name or not name.strip() or not catalog.cloud_instances:
        return None
    text = name.strip().lower()
    vms = 1
    if lead := _LEADING_COUNT.match(text):
        vms *= int(lead.group(1))
        text = text[lead.end() :]
    if trail := _TRAILING_COUNT.search(text):
        vms *= int(trail.group(1))
        text = text[: trail.start()]
    index = _instance_index(catalog)
    key = _instance_key(text)
    found = (index[key], 1) if key in index else _decorated(index, key)
    if found is None:
        return None
    inst, extra = found
    vms *= extra
    if not 1 <= vms <= _MAX_VMS:
        return None
    sku = catalog.skus[inst.sku]
    gpus = inst.gpus * vms
    series = f" ({inst.series})" if inst.series else ""
    note = f"cloud instance {name.strip()!r} is {inst.provider} {inst.name}{series}: {inst.gpus} x {sku.name} per VM"
    if vms > 1:
        note += f", {vms} VMs = {gpus} GPUs"
    return DeviceMatch(inst.sku, sku.architecture, "cloud_instance", note), gpus


# --------------------------------------------------------------------------- free text


def match_name(text: str, catalog: Catalog | None = None) -> str | None:
    """A free-text hardware name from a benchmark file -> SKU id; None when unknown or ambiguous.

    "NVIDIA GeForce RTX 4080" -> "rtx_4080"; "H100 SXM" -> "h100_sxm5_80gb"; "A100" -> None (40 or 80 GB?);
    a cloud instance type "Standard_ND96asr_v4" -> "a100_sxm4_40gb" (see :func:`match_cloud_instance`).
    A capacity in the text ("A100 80GB") disambiguates.
    """
    catalog = catalog if catalog is not None else default_catalog()
    if not text or not text.strip():
        return None
    ids = _exact_alias(catalog, text, None)
    if len(ids) == 1:
        return ids[0]
    if not ids:
        cloud = match_cloud_instance(text, catalog)
        if cloud is not None:
            return cloud[0].sku_id
        ids, hint = _token_matches(catalog, text, None)
        ids = _pick_by_memory(catalog, ids, [hint] if hint else [])
    return ids[0] if len(ids) == 1 else None
