# ARC-Challenge, perplexity, zero-shot: the most likely answer text wins; 4-choice questions, as OpenCompass loads them.
from mmengine.config import read_base

from evalkit.datasets import ARCFourChoiceDataset

with read_base():
    from ._arc_prompts import arc_ppl_eval_cfg, arc_ppl_infer_cfg, arc_ppl_reader_cfg

ARC_c_datasets = [dict(abbr='ARC-c', type=ARCFourChoiceDataset, path='arc', name='ARC-Challenge',
                       reader_cfg=arc_ppl_reader_cfg, infer_cfg=arc_ppl_infer_cfg, eval_cfg=arc_ppl_eval_cfg)]
