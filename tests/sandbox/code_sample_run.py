# Test config: the real HumanEval and MBPP (../shared/datasets), first 2 problems each,
# short answers, the chat model; opted in to running the model's code.
from mmengine.config import read_base

with read_base():
    from ...configs.datasets.humaneval.humaneval_gen import humaneval_datasets
    from ...configs.datasets.mbpp.mbpp_gen import mbpp_datasets
    from ...configs.models.smollm2.hf_smollm2_135m_instruct import models  # noqa: F401 - the run's models

allow_code_execution = True
datasets = [dict(d, reader_cfg=dict(d['reader_cfg'], limit=2),
                 infer_cfg=dict(d['infer_cfg'], inferencer=dict(d['infer_cfg']['inferencer'], max_out_len=48)))
            for d in [*humaneval_datasets, *mbpp_datasets]]
