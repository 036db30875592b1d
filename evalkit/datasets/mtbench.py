"""MT-Bench: 80 two-turn questions in 8 categories, graded by a judge model.

Local layout (as released with FastChat's llm_judge): ``mtbench/question.jsonl`` (question_id,
category, turns), ``mtbench/reference_answer/gpt-4.jsonl`` (question_id, choices[0].turns: the
reference answers of the math, reasoning and coding questions) and ``mtbench/judge_prompts.jsonl``
(read by the judge configs, see ``evalkit.subjective.prompts``).  ``name`` picks one category:
the configs load each category as its own dataset, since each has its own sampling temperature.
Rows: question_id, category, turns (the user messages), reference (one per turn, or empty).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.config.errors import ConfigError
from evalkit.datasets.base import BaseDataset, read_jsonl_rows, to_dataset_dict
from evalkit.datasets.data_root import describe_roots
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

CATEGORIES = ('writing', 'roleplay', 'reasoning', 'math', 'coding', 'extraction', 'stem', 'humanities')


@LOAD_DATASETS.register_module()
class MTBenchDataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {'test': f'{path}/question.jsonl', 'reference': f'{path}/reference_answer/gpt-4.jsonl'}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        if name is not None and name not in CATEGORIES:
            raise ConfigError(f"MT-Bench has no category {name!r}; name one of {', '.join(CATEGORIES)} (or none "
                              f'for all 80 questions).')
        files = cls.local_files(path, name)
        if files is None:
            raise ConfigError(f"MT-Bench files not found: looked for {path}/question.jsonl and "
                              f"{path}/reference_answer/gpt-4.jsonl under the data roots ({describe_roots()}). "
                              f'Put the released files there or point --data-root at them.')
        references = {row['question_id']: row['choices'][0]['turns']
                      for row in read_jsonl_rows(files['reference'], ['question_id', 'choices'])}
        rows = [_row(q, references) for q in read_jsonl_rows(files['test'], ['question_id', 'category', 'turns'])
                if name is None or q['category'] == name]
        return to_dataset_dict({'test': rows})


def _row(question: dict[str, Any], references: dict[int, list[str]]) -> dict[str, Any]:
    return {'question_id': question['question_id'], 'category': question['category'],
            'turns': list(question['turns']), 'reference': list(references.get(question['question_id'], []))}

