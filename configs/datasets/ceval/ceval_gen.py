# C-Eval, generation: 5-shot from dev, the model answers with an option letter.
from mmengine.config import read_base

from evalkit.datasets import CEvalDataset
from evalkit.openicl import AccEvaluator, FirstOption, FixKRetriever, GenInferencer, PromptTemplate

with read_base():
    from ._ceval_subjects import ceval_subjects

ceval_datasets = []
for _name, (_english, _chinese, _category) in ceval_subjects.items():
    ceval_datasets.append(dict(
        abbr=f'ceval-{_name}',
        summary_groups=['ceval', f"ceval-{_category.lower().replace(' ', '-')}"],
        type=CEvalDataset,
        path='ceval',
        name=_name,
        reader_cfg=dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer',
                        train_split='dev', test_split='val'),
        infer_cfg=dict(
            ice_template=dict(
                type=PromptTemplate,
                template=dict(begin='</E>', round=[
                    dict(role='HUMAN', prompt=f'以下是{_chinese}考试的单项选择题，请选出正确答案。\n'
                                              '{question}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\n答案：'),
                    dict(role='BOT', prompt='{answer}'),
                ]),
                ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=GenInferencer, max_out_len=16)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator), pred_postprocessor=dict(type=FirstOption, options='ABCD')),
    ))
