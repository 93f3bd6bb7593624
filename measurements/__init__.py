"""Measured benchmark results: read real tool output, validate it, map it to catalog ids and store it.

Entry points: ``measurements.service.import_file`` (bytes in, ``ImportResult`` with ``advisor.measurement.Measurement``
values out), ``list_measurements`` (read back) and ``python -m measurements import FILE``. What a measurement is
compared with is the advisor's rule (``advisor.comparison``), not this package's.
"""
