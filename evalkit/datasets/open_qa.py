"""Open-domain question answering with a list of accepted answers: NQ-Open and TriviaQA.

Rows are ``question`` and ``answers`` (every accepted string); a prediction is right when it
matches any of them after normalisation (``EMEvaluator``).

* NQ-Open, local layout (as released): ``nq_open/NQ-open.dev.jsonl`` with fields question,
  answer (list).  Hub: google-research-datasets/nq_open.
* TriviaQA, local layout: the hub's ``rc.nocontext`` configuration as JSON lines,
  ``triviaqa/rc.nocontext/{train,validation}.jsonl``: question, question_id, question_source,
  answer {aliases, normalized_aliases, value, normalized_value, ...}; accepted answers are the
  aliases and the value.  Hub: mandarjoshi/trivia_qa, config rc.nocontext.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalkit.config.errors import ConfigError
from evalkit.datasets.base import BaseDataset, load_from_hub, read_jsonl_rows, to_dataset_dict
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict


@LOAD_DATASETS.register_module()
class NQOpenDataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {'dev': f'{path}/NQ-open.dev.jsonl'}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('google-research-datasets/nq_open', name, lambda ds: to_dataset_dict(
                {'dev': [_nq_row(r) for r in ds['validation']]}), f'{path}/NQ-open.dev.jsonl')
        raw = read_jsonl_rows(files['dev'], ['question', 'answer'])
        return to_dataset_dict({'dev': [_nq_row(r) for r in raw]})


def _nq_row(raw: dict[str, Any]) -> dict[str, Any]:
    return {'question': raw['question'], 'answers': list(raw['answer'])}


@LOAD_DATASETS.register_module()
class TriviaQADataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {split: f'{path}/rc.nocontext/{split}.jsonl' for split in ('train', 'validation')}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is None:
            return load_from_hub('mandarjoshi/trivia_qa', name or 'rc.nocontext', lambda ds: to_dataset_dict(
                {split: [_trivia_row(r, 'mandarjoshi/trivia_qa') for r in ds[split]]
                 for split in ('train', 'validation')}), f'{path}/rc.nocontext/{{train,validation}}.jsonl')
        return to_dataset_dict({split: [_trivia_row(r, f"Data file '{file}'")
                                        for r in read_jsonl_rows(file, ['question', 'question_id', 'answer'])]
                                for split, file in files.items()})


def _trivia_row(raw: dict[str, Any], where: str) -> dict[str, Any]:
    answer = raw['answer']
    if not isinstance(answer, dict) or 'aliases' not in answer or 'value' not in answer:
        raise ConfigError(f"{where}: question {raw.get('question_id')!r} has no answer.aliases / "
                          f"answer.value; rc.nocontext rows carry both. Fix or remove that row.")
    accepted = list(dict.fromkeys([answer['value'], *answer['aliases']]))
    return {'question': raw['question'], 'question_id': raw['question_id'], 'answers': accepted}
