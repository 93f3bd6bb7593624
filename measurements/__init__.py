"""Measured benchmark results: import real tool output, validate it, store it, compare it with predictions.

Entry points: ``measurements.service.import_file`` (bytes in, ``ImportResult`` out),
``list_results`` / ``results_as_measurements`` (read back), ``measurements.compare`` (measured vs
predicted) and ``python -m measurements import FILE`` (the CLI behind ``python -m advisor import``).
"""
