# HellaSwag, generation, zero-shot: the scene with its four lettered endings; the option letter is scored.
from evalkit.datasets import HellaSwagDataset
from evalkit.openicl import AccEvaluator, GenInferencer, PromptTemplate, ZeroRetriever
from evalkit.openicl.postprocessors import OptionLetter

hellaswag_datasets = [dict(
    abbr='hellaswag',
    type=HellaSwagDataset,
    path='hellaswag',
    reader_cfg=dict(input_columns=['question', 'options'], output_column='answer', train_split='val',
                    test_split='val'),
    infer_cfg=dict(
        prompt_template=dict(type=PromptTemplate, template=dict(round=[
            dict(role='HUMAN', prompt='{question}\nWhich ending continues this most sensibly?\n{options}\n'
                                      'Answer with A, B, C or D.\nAnswer:'),
            dict(role='BOT', prompt='{answer}'),
        ])),
        retriever=dict(type=ZeroRetriever),
        inferencer=dict(type=GenInferencer, max_out_len=32)),
    eval_cfg=dict(evaluator=dict(type=AccEvaluator), pred_postprocessor=dict(type=OptionLetter, options='ABCD')),
)]
