# MT-Bench, single-answer grading: the judge rates each turn 1-10 (turn 2 with the whole dialogue shown),
# math/reasoning/coding against the reference answers; prompts read in place from judge_prompts.jsonl.
from mmengine.config import read_base

with read_base():
    from ._mtbench import mtbench_judge_prompts, mtbench_questions, mtbench_reference_categories

mtbench_single_datasets = [dict(d, judge_cfg=dict(
    mode='single', question_column='turns', reference_column='reference', category_column='category', prompts=[
        dict(from_file=mtbench_judge_prompts, name='single-v1', turn=1),
        dict(from_file=mtbench_judge_prompts, name='single-math-v1', turn=1, categories=mtbench_reference_categories),
        dict(from_file=mtbench_judge_prompts, name='single-v1-multi-turn', turn=2),
        dict(from_file=mtbench_judge_prompts, name='single-math-v1-multi-turn', turn=2,
             categories=mtbench_reference_categories),
    ])) for d in mtbench_questions]
