# MBPP, generation, 3-shot (task ids 2-4 of the prompt split) on the 500 test tasks (ids 11-510):
# each answer is the code between [BEGIN] and [DONE], run with the task's three asserts in the code
# sandbox (needs --allow-code-execution or allow_code_execution=True); pass@1.
from evalkit.datasets import MBPPDataset
from evalkit.openicl import FixKRetriever, GenInferencer, PromptTemplate
from evalkit.openicl.evaluators import MBPPEvaluator

_task = 'You are an expert Python programmer. Your task: {text}\nYour code has to pass these tests:\n\n{test_text}\n'
_answer = "[BEGIN]\n'{code}'\n[DONE]\n"
mbpp_datasets = [dict(
    abbr='mbpp',
    type=MBPPDataset,
    path='mbpp',
    reader_cfg=dict(input_columns=['text', 'test_text'], output_column='code', train_split='prompt',
                    test_split='test'),
    infer_cfg=dict(
        ice_template=dict(type=PromptTemplate, template=dict(round=[
            dict(role='HUMAN', prompt=_task), dict(role='BOT', prompt=_answer)])),
        prompt_template=dict(type=PromptTemplate, template=dict(begin='</E>', round=[
            dict(role='HUMAN', prompt=_task), dict(role='BOT', prompt=_answer)]), ice_token='</E>'),
        retriever=dict(type=FixKRetriever, fix_id_list=[1, 2, 3]),  # rows 1-3 of the prompt split: task ids 2-4
        inferencer=dict(type=GenInferencer, max_out_len=512, stop_words=['[DONE]'])),
    eval_cfg=dict(evaluator=dict(type=MBPPEvaluator)),
)]
