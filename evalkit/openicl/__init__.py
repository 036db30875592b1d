"""In-context-learning building blocks that dataset configs refer to by class.

Heavy libraries (sentence-transformers, rank-bm25, sacrebleu, math-verify) are imported by the
components that use them when they first run, so importing this package stays cheap.
"""
from evalkit.openicl.evaluators import (
                                        AccEvaluator,
                                        BaseEvaluator,
                                        BleuEvaluator,
                                        CircularEvaluator,
                                        EMEvaluator,
                                        F1Evaluator,
                                        HumanEvalEvaluator,
                                        LLAccEvaluator,
                                        MathEquivalenceEvaluator,
                                        MBPPEvaluator,
                                        OptionAccEvaluator,
                                        RougeEvaluator,
)
from evalkit.openicl.inferencers import (
                                        BaseInferencer,
                                        ChatInferencer,
                                        CLPInferencer,
                                        GenInferencer,
                                        LLInferencer,
                                        PPLInferencer,
                                        SCInferencer,
)
from evalkit.openicl.postprocessors import (
                                        BBHFreeformAnswer,
                                        BBHOptionAnswer,
                                        CodeBlock,
                                        FirstCapital,
                                        FirstOption,
                                        Gsm8kGold,
                                        LastNumber,
                                        MathAnswer,
                                        MBPPCode,
                                        OptionLetter,
)
from evalkit.openicl.prompt_template import PromptTemplate
from evalkit.openicl.retrievers import (
                                        BaseRetriever,
                                        BM25Retriever,
                                        DPPRetriever,
                                        FixKRetriever,
                                        MDLRetriever,
                                        RandomRetriever,
                                        SlidingWindowRetriever,
                                        TopkRetriever,
                                        VotekRetriever,
                                        ZeroRetriever,
)

__all__ = ['AccEvaluator', 'BBHFreeformAnswer', 'BBHOptionAnswer', 'BM25Retriever', 'BaseEvaluator',
           'BaseInferencer', 'BaseRetriever', 'BleuEvaluator', 'CLPInferencer', 'ChatInferencer', 'CircularEvaluator',
           'CodeBlock', 'DPPRetriever', 'EMEvaluator', 'F1Evaluator', 'FirstCapital', 'FirstOption', 'FixKRetriever',
           'GenInferencer', 'Gsm8kGold', 'HumanEvalEvaluator', 'LLAccEvaluator', 'LLInferencer', 'LastNumber',
           'MBPPCode', 'MBPPEvaluator', 'MDLRetriever', 'MathAnswer', 'MathEquivalenceEvaluator', 'OptionAccEvaluator',
           'OptionLetter', 'PPLInferencer', 'PromptTemplate', 'RandomRetriever', 'RougeEvaluator', 'SCInferencer',
           'SlidingWindowRetriever', 'TopkRetriever', 'VotekRetriever', 'ZeroRetriever']
