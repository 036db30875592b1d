# MATH-500 (PRM800K's 500 held-out MATH test problems), generation, zero-shot chain of thought; the last
# \boxed{} of the reply is compared with the given answer by math-verify.
# The instruction is OpenCompass's (math_prm800k_500_gen -> ..._0shot_cot_gen_11c4b5), so scores compare.
from evalkit.datasets import MATH500Dataset
from evalkit.openicl import GenInferencer, PromptTemplate, ZeroRetriever
from evalkit.openicl.evaluators import MathEquivalenceEvaluator
from evalkit.openicl.postprocessors import MathAnswer

math500_datasets = [dict(
    abbr='math-500',
    type=MATH500Dataset,
    path='math500',
    reader_cfg=dict(input_columns=['problem'], output_column='answer', train_split='test', test_split='test'),
    infer_cfg=dict(
        prompt_template=dict(type=PromptTemplate, template=dict(round=[
            dict(role='HUMAN', prompt='{problem}\nPlease reason step by step, and put your final answer within '
                                      '\\boxed{}.'),
            dict(role='BOT', prompt='{answer}'),
        ])),
        retriever=dict(type=ZeroRetriever),
        inferencer=dict(type=GenInferencer, max_out_len=1024)),
    eval_cfg=dict(evaluator=dict(type=MathEquivalenceEvaluator), pred_postprocessor=dict(type=MathAnswer)),
)]
