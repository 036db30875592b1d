# MMLU, generation, 5-shot from dev as a dialogue; the first option letter of the reply is the answer.
from mmengine.config import read_base

from evalkit.datasets import MMLUDataset
from evalkit.openicl import AccEvaluator, FirstOption, FixKRetriever, GenInferencer, PromptTemplate

with read_base():
    from ._mmlu_subjects import mmlu_subjects

mmlu_datasets = []
for _name, _category in mmlu_subjects.items():
    _hint = f"There is a single choice question about {_name.replace('_', ' ')}. Answer with the option letter.\n"
    mmlu_datasets.append(dict(
        abbr=f'mmlu-{_name}',
        summary_groups=['mmlu', f"mmlu-{_category.lower().replace(' ', '-')}"],
        type=MMLUDataset,
        path='mmlu',
        name=_name,
        reader_cfg=dict(input_columns=['input', 'A', 'B', 'C', 'D'], output_column='target',
                        train_split='dev', test_split='test'),
        infer_cfg=dict(
            ice_template=dict(type=PromptTemplate, template=dict(begin='</E>', round=[
                dict(role='HUMAN', prompt=f'{_hint}Question: {{input}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\nAnswer: '),
                dict(role='BOT', prompt='{target}'),
            ]), ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=GenInferencer, max_out_len=16)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator), pred_postprocessor=dict(type=FirstOption, options='ABCD')),
    ))
