"""Provenance: what produced a prediction or a result, recorded so results can be trusted and compared.

* ``file_hashes``    - cheap, cached content digests of data and model files.
* ``model_identity`` - a model's identity from its files (no loading, no weight hashing).
* ``data_files``     - the files a dataset reads, and their digests.
* ``versions``       - evalkit, engine, python and library versions, git commit.
* ``machine``        - CPU, cores, GPUs.
* ``invocation``     - the run's command line (secrets redacted) and start time.
* ``record``         - the provenance written into results and summaries.

The prediction fingerprint (``evalkit.tasks.fingerprint``) is built from the same parts.
"""
from evalkit.provenance.invocation import announce_run
from evalkit.provenance.record import provenance_footer, result_provenance, summary_provenance

__all__ = ['announce_run', 'provenance_footer', 'result_provenance', 'summary_provenance']
