# CommonsenseQA, generation: 8 fixed examples from train (OpenCompass picks 8 per question by MDL; a fixed
# set keeps one shared prefix), then the question with its five lettered choices; the option letter is scored.
from evalkit.datasets import CommonsenseQADataset
from evalkit.openicl import AccEvaluator, FixKRetriever, GenInferencer, PromptTemplate
from evalkit.openicl.postprocessors import OptionLetter

commonsenseqa_datasets = [dict(
    abbr='commonsense_qa',
    type=CommonsenseQADataset,
    path='commonsenseqa',
    reader_cfg=dict(input_columns=['question', 'options'], output_column='answer', train_split='train',
                    test_split='dev'),
    infer_cfg=dict(
        ice_template=dict(type=PromptTemplate, template=dict(begin='</E>', round=[
            dict(role='HUMAN', prompt='Question: {question}\n{options}\nAnswer:'),
            dict(role='BOT', prompt='{answer}'),
        ]), ice_token='</E>'),
        retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3, 4, 5, 6, 7]),
        inferencer=dict(type=GenInferencer, max_out_len=32)),
    eval_cfg=dict(evaluator=dict(type=AccEvaluator), pred_postprocessor=dict(type=OptionLetter, options='ABCDE')),
)]
