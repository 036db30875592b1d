"""Evaluators: compare processed predictions with references and return metrics in percent,
each with its standard error (``stderr.py``)."""
from evalkit.openicl.evaluators.accuracy import AccEvaluator, EMEvaluator
from evalkit.openicl.evaluators.base import BaseEvaluator, check_pairs
from evalkit.openicl.evaluators.bleu import BleuEvaluator
from evalkit.openicl.evaluators.circular import CircularEvaluator
from evalkit.openicl.evaluators.code import HumanEvalEvaluator, MBPPEvaluator
from evalkit.openicl.evaluators.keywords import KeywordEvaluator
from evalkit.openicl.evaluators.loglikelihood import LLAccEvaluator
from evalkit.openicl.evaluators.math_equivalence import MathEquivalenceEvaluator
from evalkit.openicl.evaluators.options import OptionAccEvaluator
from evalkit.openicl.evaluators.rouge import RougeEvaluator
from evalkit.openicl.evaluators.token_f1 import F1Evaluator

__all__ = ['AccEvaluator', 'BaseEvaluator', 'BleuEvaluator', 'CircularEvaluator', 'EMEvaluator', 'F1Evaluator',
           'HumanEvalEvaluator', 'KeywordEvaluator', 'LLAccEvaluator', 'MBPPEvaluator', 'MathEquivalenceEvaluator',
           'OptionAccEvaluator',
           'RougeEvaluator', 'check_pairs']
