# C-Eval, perplexity: 5-shot from dev; the option whose completed prompt is most likely wins.
from mmengine.config import read_base

from evalkit.datasets import CEvalDataset
from evalkit.openicl import AccEvaluator, FixKRetriever, PPLInferencer, PromptTemplate

with read_base():
    from ._ceval_subjects import ceval_subjects

ceval_datasets = []
for _name, (_english, _chinese, _category) in ceval_subjects.items():
    _question = f'以下是{_chinese}考试的单项选择题，请选出正确答案。\n{{question}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\n答案：'
    ceval_datasets.append(dict(
        abbr=f'ceval-{_name}',
        summary_groups=['ceval', f"ceval-{_category.lower().replace(' ', '-')}"],
        type=CEvalDataset,
        path='ceval',
        name=_name,
        reader_cfg=dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer',
                        train_split='dev', test_split='val'),
        infer_cfg=dict(
            ice_template=dict(type=PromptTemplate, template={
                _opt: dict(begin='</E>', round=[dict(role='HUMAN', prompt=_question), dict(role='BOT', prompt=_opt)])
                for _opt in 'ABCD'}, ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=PPLInferencer)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
    ))
