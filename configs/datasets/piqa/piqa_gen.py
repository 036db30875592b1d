# PIQA, generation, zero-shot: a goal and two lettered solutions; the option letter is scored.
from evalkit.datasets import PIQADataset
from evalkit.openicl import AccEvaluator, GenInferencer, PromptTemplate, ZeroRetriever
from evalkit.openicl.postprocessors import OptionLetter

piqa_datasets = [dict(
    abbr='piqa',
    type=PIQADataset,
    path='piqa',
    reader_cfg=dict(input_columns=['question', 'options'], output_column='answer', train_split='valid',
                    test_split='valid'),
    infer_cfg=dict(
        prompt_template=dict(type=PromptTemplate, template=dict(round=[
            dict(role='HUMAN', prompt='Goal: {question}\nWhich solution reaches the goal?\n{options}\nAnswer:'),
            dict(role='BOT', prompt='{answer}'),
        ])),
        retriever=dict(type=ZeroRetriever),
        inferencer=dict(type=GenInferencer, max_out_len=32)),
    eval_cfg=dict(evaluator=dict(type=AccEvaluator), pred_postprocessor=dict(type=OptionLetter, options='AB')),
)]
