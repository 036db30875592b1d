"""Evaluators: compare processed predictions with references and return metrics in percent,
each with its standard error (``stderr.py``)."""
from evalkit.openicl.evaluators.accuracy import AccEvaluator, EMEvaluator
from evalkit.openicl.evaluators.base import BaseEvaluator, check_pairs

__all__ = ['AccEvaluator', 'BaseEvaluator', 'EMEvaluator', 'check_pairs']
