# Test config: self-consistency on three real GSM8K questions (../shared/datasets): three sampled answers
# each (temperature 0.7, seed 1), the last number of each taken as its answer, and the majority scored.
from mmengine.config import read_base

from evalkit.openicl import ZeroRetriever
from evalkit.openicl.inferencers import SCInferencer

with read_base():
    from ...configs.datasets.gsm8k.gsm8k_gen import gsm8k_datasets
    from ...configs.models.smollm2.hf_smollm2_135m import models

datasets = [dict(d, abbr='gsm8k-sc', reader_cfg=dict(d['reader_cfg'], limit=3),
                 infer_cfg=dict(d['infer_cfg'], retriever=dict(type=ZeroRetriever),
                                inferencer=dict(type=SCInferencer, sc_size=3, temperature=0.7, seed=1,
                                                max_out_len=24, stop_words=['Question:'])))
            for d in gsm8k_datasets]
