# Benchmark job 1 (benchmarks/compare_peers.py): MMLU PPL, 5-shot from dev, on the four subjects the
# peers run, with evalkit's standard mmlu_ppl prompt (the same text OpenCompass's mmlu_ppl scores).
from mmengine.config import read_base

with read_base():
    from ...configs.datasets.mmlu.mmlu_ppl import mmlu_datasets
    from ...configs.models.smollm2.hf_smollm2_135m import models as _models

_SUBJECTS = ['abstract_algebra', 'college_computer_science', 'high_school_geography', 'marketing']
datasets = [d for d in mmlu_datasets if d['name'] in _SUBJECTS]
# One task process, as the peers run one inference process, on the same two threads.
# OpenCompass reads up to the model's 8192 positions; nothing is cut here either.
models = [dict(_models[0], max_seq_len=8192)]
infer = dict(runner=dict(type='LocalRunner', max_num_workers=1))
