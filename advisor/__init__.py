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
    from advisor.estimate import estimate, calibrate, Estimate, Calibration
        estimate(model, format_or_id, hardware, workload=None, engine=None, *, calibration=None,
                 measurements=(), finetune=False) -> Estimate          # Estimate.to_dict() is the CLI JSON
        calibrate(measurements: list[advisor.evidence.Measurement], targets: {sku: HardwareTarget} | callable,
                  models: {id: ModelSpec} | None) -> Calibration
    from advisor.recommend import Request, recommend, Recommendation, Candidate, Rejected, MixedPrecision
        recommend(Request(model, hardware, profile=Profile.SERVING, workload=None, engine=None,
                          tolerance="moderate", formats=None, calibration=None, measurements=())) -> Recommendation
            Recommendation.ranked (best first), .rejected (with why), .best, .mixed_precision, .kv_cache,
            .to_dict()
    from advisor.validation import validate, markdown, calibrated_on_dev
        validate() -> ValidationReport  # estimates vs published measurements (bench/validation/published.csv)
            report.mdape(split="dev" | "holdout" | None, phase="decode" | "prefill", metric=None,
                         naive=False) -> (median APE in %, rows)

Data: ``advisor/data/formats.toml`` (formats), ``advisor/data/models/`` (models),
``hardware_db/data/engines/*.toml`` (engine paths), ``bench/validation/published.csv`` (published measurements, the one validation set).
Every default constant (efficiencies, overheads, usable-memory fractions) is documented with its source in the
module that uses it: ``advisor.memory``, ``advisor.speed``, ``advisor.quality``, ``advisor.recommend``.

CLI: ``python -m advisor (recommend | estimate | list | import) --help``.
"""
