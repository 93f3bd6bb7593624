"""Load the curated catalog's TOML files into one immutable, typed ``Catalog``.

Pure Python (tomllib + pydantic): the advisor uses it directly, the database layer copies it
into tables. Every load error names the file and the field.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from hardware_db.schema import (
    SCHEMA_VERSION,
    Architecture,
    CloudInstance,
    CloudInstanceFile,
    Engine,
    MathFormat,
    Sku,
    Support,
    SupportClaim,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
#: Cloud instance type -> SKU and GPU count, one file (optional: a catalog without it has no instances).
CLOUD_INSTANCES_FILE = "cloud_instances.toml"
#: Data trees whose contents make up the catalog version (hardware, engines, formats, models).
VERSIONED_DIRS = (DATA_DIR, Path(__file__).resolve().parent.parent / "advisor" / "data")


class CatalogError(ValueError):
    """A data file is missing, malformed or inconsistent; the message names the file."""


@dataclass(frozen=True)
class Catalog:
    version: str
    architectures: dict[str, Architecture]
    skus: dict[str, Sku]
    engines: dict[str, Engine]
    files: dict[str, Path] = field(default_factory=dict)  # "sku:h100_sxm5_80gb" -> path
    cloud_instances: dict[str, CloudInstance] = field(default_factory=dict)  # "Standard_ND96asr_v4" -> entry

    def architecture_of(self, sku_id: str) -> Architecture:
        return self.architectures[self.skus[sku_id].architecture]

    def support(self, sku_id: str, key: str) -> SupportClaim | None:
        """The claim for one support key: the SKU's own, else its architecture's, else None."""
        sku = self.skus[sku_id]
        if key in sku.support:
            return sku.support[key]
        return self.architectures[sku.architecture].support.get(key)

    def support_level(self, sku_id: str, key: str) -> Support:
        claim = self.support(sku_id, key)
        return claim.level if claim else Support.UNKNOWN

    def compute_capability(self, sku_id: str) -> str | None:
        sku = self.skus[sku_id]
        return sku.compute_capability or self.architectures[sku.architecture].compute_capability

    def dense_tflops(self, sku_id: str, fmt: MathFormat | str) -> float | None:
        return self.skus[sku_id].dense_tflops.get(str(fmt))


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML: {exc}") from exc


def _validate(model: type, path: Path, raw: dict, *, id_is_file_name: bool = True):
    try:
        obj = model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(file)'}: {err['msg']}" for err in exc.errors()
        )
        raise CatalogError(f"{path}: {problems}") from exc
    if obj.schema_version != SCHEMA_VERSION:
        raise CatalogError(f"{path}: schema_version {obj.schema_version}, this code reads {SCHEMA_VERSION}")
    if id_is_file_name and obj.id != path.stem:
        raise CatalogError(f"{path}: id {obj.id!r} must equal the file name {path.stem!r}")
    return obj


def hash_data_files(roots: tuple[Path, ...] = VERSIONED_DIRS) -> str:
    digest = hashlib.sha256()
    for root in roots:
        if not root.exists():
            continue
        for path in sorted(root.rglob("*.toml")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def catalog_version(roots: tuple[Path, ...] = VERSIONED_DIRS) -> str:
    """Schema version plus a content hash of every data file: ``s1-3f2a9c0b1d4e``."""
    return f"s{SCHEMA_VERSION}-{hash_data_files(roots)}"


def _load_cloud_instances(path: Path, skus: dict[str, Sku]) -> dict[str, CloudInstance]:
    """Validate ``cloud_instances.toml``: schema, known SKUs, names and aliases unique (case-insensitive)."""
    if not path.exists():
        return {}
    parsed = _validate(CloudInstanceFile, path, _read_toml(path), id_is_file_name=False)  # one file, no id
    out: dict[str, CloudInstance] = {}
    seen: dict[str, str] = {}  # lower-cased name or alias -> the entry that has it
    for i, inst in enumerate(parsed.instance):
        where = f"{path}: instance[{i}] ({inst.name})"
        if inst.sku not in skus:
            raise CatalogError(f"{where}: sku {inst.sku!r} has no file in skus/")
        for spelling in (inst.name, *inst.aliases):
            key = spelling.lower()
            if key in seen:
                raise CatalogError(f"{where}: {spelling!r} is already used by {seen[key]!r}")
            seen[key] = inst.name
        out[inst.name] = inst
    return out


def load_catalog(data_dir: Path = DATA_DIR, version_roots: tuple[Path, ...] | None = None) -> Catalog:
    """Read, validate and cross-check every data file under ``data_dir``."""
    architectures: dict[str, Architecture] = {}
    skus: dict[str, Sku] = {}
    engines: dict[str, Engine] = {}
    files: dict[str, Path] = {}
    for kind, model, target, pattern in (
        ("architecture", Architecture, architectures, "architectures/*.toml"),
        ("sku", Sku, skus, "skus/**/*.toml"),
        ("engine", Engine, engines, "engines/*.toml"),
    ):
        for path in sorted(data_dir.glob(pattern)):
            obj = _validate(model, path, _read_toml(path))
            if obj.id in target:
                raise CatalogError(f"{path}: duplicate {kind} id {obj.id!r} (also {files[f'{kind}:{obj.id}']})")
            target[obj.id] = obj
            files[f"{kind}:{obj.id}"] = path
    for sku in skus.values():
        if sku.architecture not in architectures:
            raise CatalogError(
                f"{files['sku:' + sku.id]}: architecture {sku.architecture!r} has no file in architectures/"
            )
    for engine in engines.values():
        if engine.kernels_of is not None and engine.kernels_of not in engines:
            raise CatalogError(
                f"{files['engine:' + engine.id]}: kernels_of names unknown engine {engine.kernels_of!r}; "
                f"known: {', '.join(sorted(engines))}"
            )
    for engine in engines.values():
        for i, p in enumerate(engine.paths):
            missing = [a for a in p.architectures if a not in architectures]
            if missing:
                raise CatalogError(f"{files['engine:' + engine.id]}: paths[{i}] names unknown architectures {missing}")
    cloud_instances = _load_cloud_instances(data_dir / CLOUD_INSTANCES_FILE, skus)
    roots = version_roots if version_roots is not None else (data_dir, *VERSIONED_DIRS[1:])
    return Catalog(
        version=catalog_version(roots),
        architectures=architectures,
        skus=skus,
        engines=engines,
        files=files,
        cloud_instances=cloud_instances,
    )


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The shipped catalog, loaded once per process."""
    return load_catalog()
