# HellaSwag, perplexity, zero-shot: the context followed by each ending; the most likely continuation wins.
from evalkit.datasets import HellaSwagDataset
from evalkit.openicl import AccEvaluator, PPLInferencer, PromptTemplate, ZeroRetriever

hellaswag_datasets = [dict(
    abbr='hellaswag',
    type=HellaSwagDataset,
    path='hellaswag',
    reader_cfg=dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer', train_split='val',
                    test_split='val'),
    infer_cfg=dict(
        prompt_template=dict(type=PromptTemplate, template={
            _opt: dict(round=[dict(role='HUMAN', prompt='{question}'), dict(role='BOT', prompt=f'{{{_opt}}}')])
            for _opt in 'ABCD'}),
        retriever=dict(type=ZeroRetriever),
        inferencer=dict(type=PPLInferencer)),
    eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
)]
