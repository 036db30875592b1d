# Benchmark job 2 (benchmarks/compare_peers.py): GSM8K generation with OpenCompass's standard prompt
# (gsm8k_gen_1d7fe4), so greedy outputs can be compared one to one.  What differs from evalkit's own
# gsm8k_gen: the four examples are train rows 7364, 1708, 669 and 6724; every user turn ends in "\n"
# (OpenCompass's chat template parser appends it); up to 512 new tokens; the reply ends only at the
# model's end-of-turn token, as OpenCompass's does.
from mmengine.config import read_base

with read_base():
    from ...configs.datasets.gsm8k.gsm8k_gen import gsm8k_datasets
    from ...configs.models.smollm2.hf_smollm2_135m_instruct import models as _models

_question = "Question: {question}\nLet's think step by step\nAnswer:\n"
_standard = gsm8k_datasets[0]
datasets = [dict(
    _standard,
    abbr='gsm8k-oc-prompt',
    reader_cfg=dict(_standard['reader_cfg'], limit=100),
    infer_cfg=dict(
        ice_template=dict(type='PromptTemplate', template=dict(round=[
            dict(role='HUMAN', prompt=_question), dict(role='BOT', prompt='{solution}\n')])),
        prompt_template=dict(type='PromptTemplate', template=dict(begin='</E>', round=[
            dict(role='HUMAN', prompt=_question), dict(role='BOT', prompt='{answer}')]), ice_token='</E>'),
        retriever=dict(type='FixKRetriever', fix_id_list=[7364, 1708, 669, 6724]),
        inferencer=dict(type='GenInferencer', max_out_len=512)),
)]
# OpenCompass reads up to the model's 8192 positions; nothing is cut here either.  evalkit runs in its
# fastest configuration, as every peer does: 'auto' sizes the decode batch by KV memory (64 rows here).
models = [dict(_models[0], max_seq_len=8192, batch_size='auto')]
infer = dict(runner=dict(type='LocalRunner', max_num_workers=1))
