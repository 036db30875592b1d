"""In-context-learning building blocks that dataset configs refer to by class."""
from evalkit.openicl.evaluators import AccEvaluator, BaseEvaluator, EMEvaluator
from evalkit.openicl.inferencers import BaseInferencer, GenInferencer, PPLInferencer
from evalkit.openicl.postprocessors import FirstCapital, FirstOption, Gsm8kGold, LastNumber
from evalkit.openicl.prompt_template import PromptTemplate
from evalkit.openicl.retrievers import BaseRetriever, FixKRetriever, ZeroRetriever

__all__ = ['AccEvaluator', 'BaseEvaluator', 'BaseInferencer', 'BaseRetriever', 'EMEvaluator', 'FirstCapital',
           'FirstOption', 'FixKRetriever', 'GenInferencer', 'Gsm8kGold', 'LastNumber', 'PPLInferencer',
           'PromptTemplate', 'ZeroRetriever']
