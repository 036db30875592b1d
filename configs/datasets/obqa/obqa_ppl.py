# OpenBookQA, perplexity, zero-shot: the question completed by each choice's text; the most likely wins.
from evalkit.datasets import OBQADataset
from evalkit.openicl import AccEvaluator, PPLInferencer, PromptTemplate, ZeroRetriever

obqa_datasets = [dict(
    abbr='openbookqa',
    type=OBQADataset,
    path='openbookqa',
    reader_cfg=dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer', train_split='train',
                    test_split='test'),
    infer_cfg=dict(
        prompt_template=dict(type=PromptTemplate, template={
            _opt: dict(round=[dict(role='HUMAN', prompt='Question: {question}\nAnswer:'),
                              dict(role='BOT', prompt=f'{{{_opt}}}')])
            for _opt in 'ABCD'}),
        retriever=dict(type=ZeroRetriever),
        inferencer=dict(type=PPLInferencer)),
    eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
)]
