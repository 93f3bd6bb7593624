"""Format Advisor engine: pure Python (no streamlit, torch, pynvml or sqlalchemy imports).

Import surface for the UI, probes and CLI::

    from hardware_db.catalog import default_catalog
    from advisor.hardware import HardwareTarget, SupportEntry
        HardwareTarget.from_catalog(catalog, sku_id) -> HardwareTarget
        HardwareTarget.from_probe(name=..., architecture=..., base=None, measured_tflops=..., measured_bandwidth_gbps=...,
                                  memory_gb=..., free_memory_gb=..., support=...) -> HardwareTarget
        target.with_overrides(free_memory_gb=...) -> HardwareTarget
    from advisor.formats import FormatId, Format, default_formats, get_format, weight_formats
    from advisor.models import default_models, get_model, custom_model          # model catalog (ModelSpec)
    from advisor.workload import Workload, Profile, PROFILE_DEFAULTS
        Workload(batch=1, input_len=1024, output_len=256, gpus=1, kv_format=None, lora_rank=16)
    from advisor.support import resolve_support, resolve_all, Verdict
        resolve_support(hardware, format_or_id, engine=None, *, engines=None) -> Verdict
            Verdict(format_id, level: Support, reason, source, engine_paths, why_not, fallback, hardware_keys)
    from advisor.memory import estimate_memory, MemoryEstimate, weight_bytes, kv_cache_bytes
    from advisor.speed import estimate_speed, SpeedEstimate
    from advisor.quality import expected_quality, within_tolerance, QualityEstimate
    from advisor.estimate import estimate, Estimate
        estimate(model, format_or_id, hardware, workload=None, engine=None, *, calibration=None,
                 measurements=(), finetune=False, ctx=None) -> Estimate   # Estimate.to_dict() is the CLI JSON
    from advisor.calibration import calibrate, Calibration
        calibrate(comparisons: Iterable[Comparison]) -> Calibration      # per device x engine x format x phase
    from advisor.measurement import Measurement, Metric, Load, Scope      # the one measured-result type
    from advisor.comparison import expectation, compare, Comparison       # which estimate a measurement is compared with
    from advisor.recommend import Request, recommend, Recommendation, Candidate, Rejected, MixedPrecision
        recommend(Request(model, hardware, profile=Profile.SERVING, workload=None, engine=None,
                          tolerance="moderate", formats=None (only these ids), calibration=None,
                          measurements=()), ctx=None) -> Recommendation
            Recommendation.ranked (best first), .rejected (with why), .best, .mixed_precision, .kv_cache,
            .to_dict()
    from advisor.context import Context, default_context, reload_default_context
        every function takes ``ctx`` (the data files it reads); default_context() is the shipped one

Data: ``advisor/data/formats.toml`` (formats), ``advisor/data/models/`` (models),
``hardware_db/data/engines/*.toml`` (engine paths), ``advisor/data/speed_params.toml`` (the speed model's fitted
parameters, written by ``bench/validation/fit.py`` from the evidence corpus in ``bench/validation/corpus``),
``advisor/data/quality/`` (published quality figures), ``advisor/data/deploy.toml`` (deploy commands). The
validation harness lives in ``bench/validation`` (not imported at run time).

CLI: ``python -m advisor (recommend | estimate | list | import) --help``.
"""
