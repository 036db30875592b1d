# GSM8K, generation: 4-shot chain of thought from the train split; the last number of the reply is the answer.
from evalkit.datasets import GSM8KDataset
from evalkit.openicl import AccEvaluator, FixKRetriever, GenInferencer, Gsm8kGold, LastNumber, PromptTemplate

_question = "Question: {question}\nLet's think step by step\nAnswer:"
gsm8k_datasets = [dict(
    abbr='gsm8k',
    type=GSM8KDataset,
    path='gsm8k',
    reader_cfg=dict(input_columns=['question'], output_column='answer', train_split='train', test_split='test'),
    infer_cfg=dict(
        ice_template=dict(type=PromptTemplate, template=dict(round=[
            dict(role='HUMAN', prompt=_question), dict(role='BOT', prompt='{solution}\n')])),
        prompt_template=dict(type=PromptTemplate, template=dict(begin='</E>', round=[
            dict(role='HUMAN', prompt=_question), dict(role='BOT', prompt='{answer}')]), ice_token='</E>'),
        retriever=dict(type=FixKRetriever, fix_id_list=[0, 1, 2, 3]),
        inferencer=dict(type=GenInferencer, max_out_len=256, stop_words=['Question:'])),
    eval_cfg=dict(evaluator=dict(type=AccEvaluator), pred_postprocessor=dict(type=LastNumber, stop_at='Question:'),
                  dataset_postprocessor=dict(type=Gsm8kGold)),
)]
