# Test config: the first 8 questions of one real MMLU subject (../shared/datasets/mmlu), zero-shot PPL
# with the embedded model read as a base model; tests split it into shards and compare with an unsplit run.
from mmengine.config import read_base

with read_base():
    from ...configs.datasets.mmlu.mmlu_ppl import mmlu_datasets
    from ...configs.models.smollm2.hf_smollm2_135m import models  # noqa: F401 (read_base keeps it)

datasets = [dict(d, reader_cfg=dict(d['reader_cfg'], limit=8),
                 infer_cfg=dict(d['infer_cfg'], retriever=dict(type='ZeroRetriever')))
            for d in mmlu_datasets if d['abbr'] == 'mmlu-abstract_algebra']
