# Test config for the judge stage: the default model answers the generic judge dataset
# (data/subjective/example_questions.jsonl; tests add --limit 2) and grades the answers itself, both
# with short outputs.  Its parser can never match, so every judgement is a parse failure and the run
# must fail; tests then re-summarise with -r -m viz and a parser that reads the judge's text.
from mmengine.config import read_base

with read_base():
    from ...configs.datasets.subjective.subjective_generic import subjective_generic_datasets
    from ...configs.models.smollm2.hf_smollm2_135m_instruct import models

datasets = [dict(d, infer_cfg=dict(d['infer_cfg'], inferencer=dict(d['infer_cfg']['inferencer'], max_out_len=8)))
            for d in subjective_generic_datasets]
judge_models = [dict(models[0], abbr='smollm2-judge', max_out_len=16)]
judge = dict(parser=dict(score_pattern=r'NEVER(\d+)'))
