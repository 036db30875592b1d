# MMLU, perplexity, 5-shot from dev, in the prompt format of OpenCompass's standard MMLU PPL config
# (so results compare one to one): each label's full prompt is scored, the lowest mean NLL wins.
from mmengine.config import read_base

from evalkit.datasets import MMLUDataset
from evalkit.openicl import AccEvaluator, FixKRetriever, PPLInferencer, PromptTemplate

with read_base():
    from ._mmlu_subjects import mmlu_subjects

_body = '{input}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nAnswer: '
mmlu_datasets = []
for _name, _category in mmlu_subjects.items():
    _hint = f"The following are multiple choice questions (with answers) about  {_name.replace('_', ' ')}.\n\n"
    mmlu_datasets.append(dict(
        abbr=f'mmlu-{_name}',
        summary_groups=['mmlu', f"mmlu-{_category.lower().replace(' ', '-')}"],
        type=MMLUDataset,
        path='mmlu',
        name=_name,
        reader_cfg=dict(input_columns=['input', 'A', 'B', 'C', 'D'], output_column='target',
                        train_split='dev', test_split='test'),
        infer_cfg=dict(
            ice_template=dict(type=PromptTemplate, template={_opt: f'{_body}{_opt}\n' for _opt in 'ABCD'}),
            prompt_template=dict(type=PromptTemplate, template={_opt: f'{_hint}</E>{_body}{_opt}' for _opt in 'ABCD'},
                                 ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=PPLInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
    ))
