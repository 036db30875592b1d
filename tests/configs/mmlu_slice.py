# Test config: two real MMLU subjects (from ../shared/datasets), PPL and generation, first 10 questions each.
from mmengine.config import read_base

with read_base():
    from ...configs.datasets.mmlu.mmlu_gen import mmlu_datasets as mmlu_gen_datasets
    from ...configs.datasets.mmlu.mmlu_ppl import mmlu_datasets as mmlu_ppl_datasets
    from ...configs.models.smollm2.hf_smollm2_135m import models

_subjects = ('mmlu-abstract_algebra', 'mmlu-marketing')
datasets = [dict(d, abbr=d['abbr'] + '-ppl', reader_cfg=dict(d['reader_cfg'], limit=10))
            for d in mmlu_ppl_datasets if d['abbr'] in _subjects] + \
           [dict(d, abbr=d['abbr'] + '-gen', reader_cfg=dict(d['reader_cfg'], limit=10))
            for d in mmlu_gen_datasets if d['abbr'] in _subjects]
