"""evalkit: config-driven, fast evaluation of large language models.

Stages and where they live: config (``evalkit.config``) -> partition
(``evalkit.partitioners``) -> run (``evalkit.runners``) -> infer and evaluate
(``evalkit.tasks``, ``evalkit.openicl``, ``evalkit.models``, ``evalkit.datasets``)
-> summarize (``evalkit.summarizers``).  Submodules are imported on demand.
"""
__version__ = '0.1.0'

__all__ = ['__version__']
