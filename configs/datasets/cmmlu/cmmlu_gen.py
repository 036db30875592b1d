# CMMLU, generation: 5-shot from dev as a dialogue; the option letter of the reply is the answer.
from mmengine.config import read_base

from evalkit.datasets import CMMLUDataset
from evalkit.openicl import AccEvaluator, FixKRetriever, GenInferencer, PromptTemplate
from evalkit.openicl.postprocessors import OptionLetter

with read_base():
    from ._cmmlu_subjects import cmmlu_subjects, cmmlu_summary_groups

cmmlu_datasets = []
for _name, (_chinese, _category) in cmmlu_subjects.items():
    cmmlu_datasets.append(dict(
        abbr=f'cmmlu-{_name}',
        summary_groups=cmmlu_summary_groups[_name],
        type=CMMLUDataset,
        path='cmmlu',
        name=_name,
        reader_cfg=dict(input_columns=['question', 'options'], output_column='answer',
                        train_split='dev', test_split='test'),
        infer_cfg=dict(
            ice_template=dict(type=PromptTemplate, template=dict(begin='</E>', round=[
                dict(role='HUMAN', prompt=f'以下是关于{_chinese}的单项选择题，请直接选出正确答案的选项。\n'
                                          '题目：{question}\n{options}'),
                dict(role='BOT', prompt='答案是：{answer}'),
            ]), ice_token='</E>'),
            retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4]),
            inferencer=dict(type=GenInferencer, max_out_len=16)),
        eval_cfg=dict(evaluator=dict(type=AccEvaluator), pred_postprocessor=dict(type=OptionLetter, options='ABCD')),
    ))
