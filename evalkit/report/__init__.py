"""The run report: ``summary/report.html`` (one self-contained page) and PNG plots in ``summary/plots/``.

* ``collect`` - a run folder (results, summary groups, provenance) as plain data.
* ``samples`` - each row's prompt, prediction, gold, verdict and evaluator extras, for the sample browser.
* ``plots``   - matplotlib PNGs: per-dataset bars, category radars.
* ``html``    - the page, rendered from ``templates/`` with everything inlined.
* ``build``   - all of it for one run, and the hook the CLI calls after the summary.
"""
from evalkit.report.build import report_after_summary, write_report

__all__ = ['report_after_summary', 'write_report']
