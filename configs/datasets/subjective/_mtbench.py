# MT-Bench's questions, one dataset per category at the benchmark's sampling temperature (creative
# categories sample, exact ones decode greedily), answered in two turns by the multi-turn ChatInferencer
# (the model's first answer is fed back before the second question). Imported by mtbench_single and
# mtbench_pair with read_base(), which add the judge prompts (judge_cfg).
from evalkit.datasets import MTBenchDataset
from evalkit.openicl import ChatInferencer, ZeroRetriever

mtbench_temperatures = {'writing': 0.7, 'roleplay': 0.7, 'reasoning': 0.0, 'math': 0.0, 'coding': 0.0,
                        'extraction': 0.0, 'stem': 0.1, 'humanities': 0.1}
# graded against the reference answers
mtbench_reference_categories = ['math', 'reasoning', 'coding']
mtbench_judge_prompts = 'mtbench/judge_prompts.jsonl'

mtbench_questions = [dict(
    abbr=f'mtbench-{_category}', type=MTBenchDataset, path='mtbench', name=_category,
    reader_cfg=dict(input_columns=['turns'], output_column='reference', train_split='test', test_split='test'),
    infer_cfg=dict(retriever=dict(type=ZeroRetriever),
                   inferencer=dict(type=ChatInferencer, infer_mode='every', max_out_len=1024,
                                   temperature=_temperature, seed=42)),
    summary_groups=['mtbench'],
) for _category, _temperature in mtbench_temperatures.items()]
