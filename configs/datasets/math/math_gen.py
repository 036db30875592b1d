# MATH (the full release, 5,000 test problems), generation: 4 worked problems from train, then the problem;
# the last \boxed{} of the reply is compared with the gold solution's by math-verify.
from evalkit.datasets import MATHDataset
from evalkit.openicl import FixKRetriever, GenInferencer, PromptTemplate
from evalkit.openicl.evaluators import MathEquivalenceEvaluator
from evalkit.openicl.postprocessors import MathAnswer

_problem = 'Problem:\n{problem}\nSolution:'
math_datasets = [dict(
    abbr='math',
    type=MATHDataset,
    path='math',
    reader_cfg=dict(input_columns=['problem'], output_column='solution', train_split='train', test_split='test'),
    infer_cfg=dict(
        ice_template=dict(type=PromptTemplate, template=dict(round=[
            dict(role='HUMAN', prompt=_problem), dict(role='BOT', prompt='{solution}\n')])),
        prompt_template=dict(type=PromptTemplate, template=dict(begin='</E>', round=[
            dict(role='HUMAN', prompt=_problem), dict(role='BOT', prompt='{solution}')]), ice_token='</E>'),
        retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3]),
        inferencer=dict(type=GenInferencer, max_out_len=512, stop_words=['Problem:'])),
    eval_cfg=dict(evaluator=dict(type=MathEquivalenceEvaluator), pred_postprocessor=dict(type=MathAnswer),
                  dataset_postprocessor=dict(type=MathAnswer)),
)]
