# MMLU, generation, CircularEval: every question in the 4 rotations of its options (5-shot prompts as mmlu_gen),
# scored by CircularEvaluator (acc_origin, acc_circular, perf_circular, more_{j}_circular).
# Summarise with summarizer=dict(type='CircularSummarizer') to see acc_origin beside perf_circular.
from mmengine.config import read_base

from evalkit.openicl import FirstOption
from evalkit.openicl.evaluators import CircularEvaluator

with read_base():
    from .mmlu_gen import mmlu_datasets as _plain_datasets

mmlu_circular_datasets = [
    dict(d, abbr=d['abbr'] + '-circular', summary_groups=[g + '-circular' for g in d['summary_groups']],
         circular=dict(option_keys=['A', 'B', 'C', 'D'], answer_key='target', patterns='circular'),
         eval_cfg=dict(evaluator=dict(type=CircularEvaluator),
                       pred_postprocessor=dict(type=FirstOption, options='ABCD')))
    for d in _plain_datasets]
