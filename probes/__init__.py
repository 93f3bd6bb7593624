"""Live hardware probes: what this machine, driver and torch build really run natively, measured.

Entry points (torch and pynvml are imported inside functions, never at package import):

* ``python -m probes [--bench] [--out FILE] [--submit] [--timeout-s N]`` -- the CLI;
* :func:`probes.collect.collect_report` -- the same as a function (``progress`` gets each step);
* :func:`probes.report.load_report` -- validate a report from JSON text, bytes or a dict;
* :mod:`probes.store` -- ``save_report`` / ``list_reports`` / ``get_report`` in the user database;
* :func:`probes.target.report_to_targets` -- per-device measured figures for the advisor.

The report's JSON layout is documented in ``probes/README.md``.
"""
