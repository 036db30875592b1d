# Test config: one real MMLU subject with short questions (../shared/datasets) under every retriever,
# 2 examples from its 5 dev questions, first 3 test questions, PPL templates (generation would cost minutes).
from mmengine.config import read_base

from evalkit.openicl.retrievers import (
    BM25Retriever,
    DPPRetriever,
    MDLRetriever,
    RandomRetriever,
    SlidingWindowRetriever,
    TopkRetriever,
    VotekRetriever,
)

with read_base():
    from ...configs.datasets.mmlu.mmlu_ppl import mmlu_datasets
    from ...configs.models.smollm2.hf_smollm2_135m import models

_retrievers = {
    'random': dict(type=RandomRetriever, ice_num=2, seed=7),
    'window': dict(type=SlidingWindowRetriever, ice_num=2),
    'bm25': dict(type=BM25Retriever, ice_num=2),
    'topk': dict(type=TopkRetriever, ice_num=2),
    'votek': dict(type=VotekRetriever, ice_num=2, votek_k=2),
    'dpp': dict(type=DPPRetriever, ice_num=2, candidate_num=4),
    'mdl': dict(type=MDLRetriever, ice_num=2, candidate_num=3, select_time=2),
}


def _with_retriever(dataset: dict, name: str) -> dict:
    return dict(dataset, abbr=f"{dataset['abbr']}-{name}", reader_cfg=dict(dataset['reader_cfg'], limit=3),
                infer_cfg=dict(dataset['infer_cfg'], retriever=_retrievers[name]))


_subject = 'mmlu-world_religions'
datasets = [_with_retriever(d, name) for d in mmlu_datasets if d['abbr'] == _subject
            for name in _retrievers]
