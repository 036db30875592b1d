# MT-Bench, pairwise against a baseline (judge.base_models / --judge-base-models): the judge picks the
# better of two answers, asked twice with the answers swapped; math/reasoning/coding with the references.
from mmengine.config import read_base

with read_base():
    from ._mtbench import mtbench_judge_prompts, mtbench_questions, mtbench_reference_categories

mtbench_pair_datasets = [dict(d, judge_cfg=dict(
    mode='pairwise', question_column='turns', reference_column='reference', category_column='category', prompts=[
        dict(from_file=mtbench_judge_prompts, name='pair-v2', turn=1),
        dict(from_file=mtbench_judge_prompts, name='pair-math-v1', turn=1, categories=mtbench_reference_categories),
        dict(from_file=mtbench_judge_prompts, name='pair-v2-multi-turn', turn=2),
        dict(from_file=mtbench_judge_prompts, name='pair-math-v1-multi-turn', turn=2,
             categories=mtbench_reference_categories),
    ])) for d in mtbench_questions]
