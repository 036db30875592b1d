# BIG-Bench Hard, generation: each task's 3-shot chain-of-thought prompt (lib_prompt, canary removed), then the
# question; the answer after "answer is" is scored: the option letter for multiple-choice tasks, exact match
# (case and surrounding space aside) for free-form ones. Punctuation is kept: it is the answer in dyck_languages.
# The instruction is OpenCompass's (bbh_gen_ee62e9), so scores compare with theirs.
from mmengine.config import read_base

from evalkit.datasets import BBHDataset
from evalkit.openicl import AccEvaluator, EMEvaluator, GenInferencer, PromptTemplate, ZeroRetriever
from evalkit.openicl.postprocessors.bbh import BBHFreeformAnswer, BBHOptionAnswer

with read_base():
    from ._bbh_tasks import bbh_free_form_tasks, bbh_multiple_choice_tasks

_scoring = {
    **{task: dict(evaluator=dict(type=AccEvaluator), pred_postprocessor=dict(type=BBHOptionAnswer),
                  dataset_postprocessor=dict(type=BBHOptionAnswer)) for task in bbh_multiple_choice_tasks},
    **{task: dict(evaluator=dict(type=EMEvaluator, ignore_punctuation=False, ignore_articles=False),
                  pred_postprocessor=dict(type=BBHFreeformAnswer)) for task in bbh_free_form_tasks},
}
bbh_datasets = []
for _task, _eval_cfg in _scoring.items():
    bbh_datasets.append(dict(
        abbr=f'bbh-{_task}',
        summary_groups=['bbh'],
        type=BBHDataset,
        path='bbh',
        name=_task,
        reader_cfg=dict(input_columns=['prompt', 'input'], output_column='target', train_split='test',
                        test_split='test'),
        infer_cfg=dict(
            prompt_template=dict(type=PromptTemplate, template=dict(round=[
                dict(role='HUMAN', prompt="Follow the given examples and answer the question.\n{prompt}\n\n"
                                          "Q: {input}\nA: Let's think step by step."),
                dict(role='BOT', prompt='{target}'),
            ])),
            retriever=dict(type=ZeroRetriever),
            inferencer=dict(type=GenInferencer, max_out_len=512, stop_words=['\nQ:'])),
        eval_cfg=_eval_cfg,
    ))
