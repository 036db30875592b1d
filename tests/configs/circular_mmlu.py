# Test config: CircularEval on two real MMLU subjects (../shared/datasets), PPL and generation, 5 questions each
# (20 rotated copies; answers cut at 4 tokens, the letter comes first), scored by CircularEvaluator and
# summarised with acc_origin beside perf_circular.
from mmengine.config import read_base

from evalkit.openicl import FirstOption
from evalkit.openicl.evaluators import CircularEvaluator
from evalkit.summarizers import CircularSummarizer

with read_base():
    from ...configs.datasets.mmlu.mmlu_gen import mmlu_datasets as mmlu_gen_datasets
    from ...configs.datasets.mmlu.mmlu_ppl import mmlu_datasets as mmlu_ppl_datasets
    from ...configs.models.smollm2.hf_smollm2_135m import models

_subjects = ('mmlu-abstract_algebra', 'mmlu-marketing')
_circular = dict(option_keys=['A', 'B', 'C', 'D'], answer_key='target', patterns='circular')
datasets = [dict(d, abbr=d['abbr'] + '-circular-ppl', reader_cfg=dict(d['reader_cfg'], limit=5), circular=_circular,
                 eval_cfg=dict(evaluator=dict(type=CircularEvaluator)))
            for d in mmlu_ppl_datasets if d['abbr'] in _subjects] + \
           [dict(d, abbr=d['abbr'] + '-circular-gen', reader_cfg=dict(d['reader_cfg'], limit=5), circular=_circular,
                 infer_cfg=dict(d['infer_cfg'], inferencer=dict(d['infer_cfg']['inferencer'], max_out_len=4)),
                 eval_cfg=dict(evaluator=dict(type=CircularEvaluator), pred_postprocessor=dict(type=FirstOption)))
            for d in mmlu_gen_datasets if d['abbr'] in _subjects]
summarizer = dict(type=CircularSummarizer)
