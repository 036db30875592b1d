# OpenBookQA, generation, zero-shot: the question with its four lettered choices; the option letter is scored.
from evalkit.datasets import OBQADataset
from evalkit.openicl import AccEvaluator, GenInferencer, PromptTemplate, ZeroRetriever
from evalkit.openicl.postprocessors import OptionLetter

obqa_datasets = [dict(
    abbr='openbookqa',
    type=OBQADataset,
    path='openbookqa',
    reader_cfg=dict(input_columns=['question', 'options'], output_column='answer', train_split='train',
                    test_split='test'),
    infer_cfg=dict(
        prompt_template=dict(type=PromptTemplate, template=dict(round=[
            dict(role='HUMAN', prompt='Question: {question}\n{options}\nAnswer:'),
            dict(role='BOT', prompt='{answer}'),
        ])),
        retriever=dict(type=ZeroRetriever),
        inferencer=dict(type=GenInferencer, max_out_len=32)),
    eval_cfg=dict(evaluator=dict(type=AccEvaluator), pred_postprocessor=dict(type=OptionLetter, options='ABCD')),
)]
