# Benchmark jobs of benchmarks/compare_catalog.py: the catalog configs on the slices OpenCompass runs,
# rendered the way OpenCompass renders them, so predictions can be compared question by question.
# The catalog's prompt texts already are OpenCompass's (bbh_gen_ee62e9, ARC_c_ppl_a450bd,
# winogrande_ppl_9307fd, humaneval_openai_sample_evals_gen_dcae0e, math_prm800k_500_0shot_cot_gen_11c4b5);
# what differs here: every chat user turn ends in "\n" (OpenCompass's chat template parser appends it),
# replies end only at the model's end-of-turn token (no '\nQ:' stop word for BBH) or after 512 new
# tokens (OpenCompass's model max_out_len in the driver), and nothing is cut at 2048 positions.
# The per-job files (catalog_bbh.py, ...) pick one list each, so every job is one run and one model load.
from mmengine.config import read_base

with read_base():
    from ...configs.datasets.arc.ARC_c_ppl import ARC_c_datasets as _arc_c
    from ...configs.datasets.bbh.bbh_gen import bbh_datasets as _bbh
    from ...configs.datasets.humaneval.humaneval_gen import humaneval_datasets as _humaneval
    from ...configs.datasets.math.math500_gen import math500_datasets as _math500
    from ...configs.datasets.winogrande.winogrande_ppl import winogrande_datasets as _winogrande
    from ...configs.models.smollm2.hf_smollm2_135m import models as _base_models
    from ...configs.models.smollm2.hf_smollm2_135m_instruct import models as _chat_models

BBH_TASKS = ['date_understanding', 'logical_deduction_three_objects', 'boolean_expressions']
MAX_OUT_LEN = 512


def _as_opencompass_chat(dataset):
    """The dataset with OpenCompass's chat rendering: "\n" after the user turn, no extra stop words."""
    infer = dataset['infer_cfg']
    template = infer['prompt_template']['template']
    human, *rest = template['round']
    rounds = [dict(human, prompt=human['prompt'] + '\n'), *rest]
    return dict(dataset, infer_cfg=dict(
        infer, prompt_template=dict(infer['prompt_template'], template=dict(template, round=rounds)),
        inferencer=dict(infer['inferencer'], max_out_len=MAX_OUT_LEN, stop_words=[])))


bbh_datasets = [_as_opencompass_chat(d) for d in _bbh if d['name'] in BBH_TASKS]
humaneval_datasets = [_as_opencompass_chat(d) for d in _humaneval]
math500_datasets = [_as_opencompass_chat(d) for d in _math500]
arc_c_ppl_datasets = list(_arc_c)
winogrande_ppl_datasets = list(_winogrande)

# OpenCompass reads up to the model's 8192 positions; evalkit runs in its fastest configuration, as the
# peer does: one task process, decode batch sized by KV memory.
chat_models = [dict(_chat_models[0], max_seq_len=8192, batch_size='auto')]
base_models = [dict(_base_models[0], max_seq_len=8192)]
infer = dict(runner=dict(type='LocalRunner', max_num_workers=1))
