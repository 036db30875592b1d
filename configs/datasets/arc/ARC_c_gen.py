# ARC-Challenge, generation, zero-shot: every test question with its lettered options; the option letter is scored.
from mmengine.config import read_base

from evalkit.datasets import ARCDataset

with read_base():
    from ._arc_prompts import arc_gen_eval_cfg, arc_gen_infer_cfg, arc_gen_reader_cfg

ARC_c_datasets = [dict(abbr='ARC-c', type=ARCDataset, path='arc', name='ARC-Challenge',
                       reader_cfg=arc_gen_reader_cfg, infer_cfg=arc_gen_infer_cfg, eval_cfg=arc_gen_eval_cfg)]
