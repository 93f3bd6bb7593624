"""``Context``: everything the engine reads from data files, loaded once and passed in explicitly.

The hardware catalog (SKUs, architectures, engine paths), the format table and the model catalog live in
data files; a ``Context`` is one consistent, immutable view of all of them. Every engine function takes
``ctx`` (``estimate``, ``recommend``, ``resolve_support``, ``compare``, ``calibrate``); tests build a small
one with ``Context.build(...)`` or ``default_context().replace(...)``.

The shipped data is loaded by ``default_context()``, the one process-wide cache; ``reload_default_context()``
is its one invalidation point (the app calls it when the data files change; tests that edit data call it).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from advisor.formats import Format
    from advisor.hardware import HardwareTarget
    from advisor.models import ModelSpec
    from advisor.speed_params import SpeedParams
    from hardware_db.catalog import Catalog
    from hardware_db.schema import Engine


@dataclass(frozen=True)
class Context:
    formats: Mapping[str, Format]
    models: Mapping[str, ModelSpec]
    engines: Mapping[str, Engine]
    catalog: Catalog | None = None  # SKUs and architectures; None in logic tests that build targets by hand
    speed: SpeedParams | None = None  # the speed model's fitted parameters (advisor/data/speed_params.toml)
    _targets: dict[str, HardwareTarget] = field(default_factory=dict, repr=False, compare=False)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # see ``derived``

    @classmethod
    def build(
        cls,
        *,
        catalog: Catalog | None = None,
        formats: Mapping[str, Format] | None = None,
        models: Mapping[str, ModelSpec] | None = None,
        engines: Mapping[str, Engine] | None = None,
        speed: SpeedParams | None = None,
    ) -> Context:
        """A context from explicit parts; a part left out is the shipped one."""
        base = default_context()
        cat = catalog if catalog is not None else base.catalog
        return cls(
            formats=dict(formats) if formats is not None else base.formats,
            models=dict(models) if models is not None else base.models,
            engines=dict(engines) if engines is not None else (cat.engines if cat is not None else base.engines),
            catalog=cat,
            speed=speed if speed is not None else base.speed,
        )

    def replace(self, **changes) -> Context:
        """A copy with some parts replaced (its target cache starts empty)."""
        return replace(self, _targets={}, _derived={}, **changes)

    def derived(self, key: str, build: Callable[[], Any]) -> Any:
        """What ``build()`` makes of this context's data (lookup tables), made once per context and shared: it
        must not be changed by whoever uses it. ``key`` names the table ("module.purpose")."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    # -- lookups -------------------------------------------------------------------------------------
    def target(self, sku_id: str) -> HardwareTarget:
        """The catalog SKU as a ``HardwareTarget`` (built once per context); KeyError naming the closest ids."""
        from advisor.hardware import HardwareTarget

        if self.catalog is None:
            raise KeyError(f"unknown hardware {sku_id!r}: this context has no hardware catalog")
        if sku_id not in self._targets:
            self._targets[sku_id] = HardwareTarget.from_catalog(self.catalog, sku_id)
        return self._targets[sku_id]

    def engine_id(self, name: str) -> str:
        """The engine id for a name as users type it (``llama.cpp``, ``llama_cpp``, ``vllm``, ``trt-llm``, ...):
        the id, the display name or an alias in the engine's data file, ignoring case, spaces, ``-``, ``_`` and
        ``.``; KeyError naming the known engines otherwise."""

        def norm(text: str) -> str:
            return "".join(ch for ch in text.lower() if ch.isalnum())

        wanted = norm(name)
        for eid, e in self.engines.items():
            if wanted in {norm(eid), norm(e.name), *(norm(a) for a in e.aliases)}:
                return eid
        raise KeyError(f"unknown engine {name!r}; known: {', '.join(sorted(self.engines))}")

    def format(self, format_id: str) -> Format:
        from advisor.formats import get_format

        return get_format(format_id, self.formats)

    def model(self, model_id: str) -> ModelSpec:
        from advisor.models import find_model

        return find_model(model_id, self.models)

    @property
    def version(self) -> str:
        return self.catalog.version if self.catalog is not None else "fixture"


@lru_cache(maxsize=1)
def default_context() -> Context:
    """The shipped data files, loaded once per process (see the module docstring)."""
    from advisor.formats import load_formats
    from advisor.models import load_models
    from advisor.speed_params import load_params
    from hardware_db.catalog import default_catalog

    catalog = default_catalog()
    return Context(
        formats=load_formats(), models=load_models(), engines=catalog.engines, catalog=catalog, speed=load_params()
    )


def reload_default_context() -> Context:
    """Forget the loaded data files and read them again: the one invalidation point of every process cache of
    shipped data (the hardware catalog, which name matching below the engine uses; the deploy templates; the
    quality evidence and the catalog's model families it groups by)."""
    from advisor import deploy, quality
    from hardware_db.catalog import default_catalog

    for cache in (
        default_catalog,
        default_context,
        deploy.load_templates,
        quality.load_evidence,
        quality._catalog_families,
    ):
        cache.cache_clear()
    return default_context()
