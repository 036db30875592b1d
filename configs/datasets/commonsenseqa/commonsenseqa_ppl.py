# CommonsenseQA, perplexity: 8 fixed examples from train, then the question answered with each choice's text;
# the most likely answer wins.
from evalkit.datasets import CommonsenseQADataset
from evalkit.openicl import AccEvaluator, FixKRetriever, PPLInferencer, PromptTemplate

commonsenseqa_datasets = [dict(
    abbr='commonsense_qa',
    type=CommonsenseQADataset,
    path='commonsenseqa',
    reader_cfg=dict(input_columns=['question', 'A', 'B', 'C', 'D', 'E'], output_column='answer',
                    train_split='train', test_split='dev'),
    infer_cfg=dict(
        ice_template=dict(type=PromptTemplate, template={
            _opt: dict(begin='</E>', round=[dict(role='HUMAN', prompt='Question: {question}\nAnswer:'),
                                            dict(role='BOT', prompt=f'{{{_opt}}}')])
            for _opt in 'ABCDE'}, ice_token='</E>'),
        retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4, 5, 6, 7]),
        inferencer=dict(type=PPLInferencer)),
    eval_cfg=dict(evaluator=dict(type=AccEvaluator)),
)]
