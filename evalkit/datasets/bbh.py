"""BIG-Bench Hard: 27 hard BIG-Bench tasks, answered with a 3-shot chain of thought.

Local layout (as released): ``bbh/data/{task}.json`` = {"canary": ..., "examples": [{"input", "target"}]}
and ``bbh/lib_prompt/{task}.txt``, the task's 3-shot chain-of-thought prompt, which opens with a
canary line and a ``-----`` separator.  Each row carries the prompt (canary removed) in ``prompt``,
so the config's template places it and the prompt file is part of what a run's reuse key hashes.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.config.errors import ConfigError
from evalkit.datasets.base import BaseDataset, load_from_hub, to_dataset_dict
from evalkit.datasets.data_root import describe_roots, find_local
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

_SEPARATOR = '-----'


@LOAD_DATASETS.register_module()
class BBHDataset(BaseDataset):
    @staticmethod
    def split_files(path: str, name: str | None = None) -> dict[str, str]:
        return {'test': f'{path}/data/{name}.json', 'prompt': f'{path}/lib_prompt/{name}.txt'}

    @classmethod
    def load(cls, path: str, name: str | None = None) -> DatasetDict:
        files = cls.local_files(path, name)
        if files is not None:
            prompt = read_cot_prompt(files['prompt'])
            examples = _read_examples(files['test'])
            return to_dataset_dict({'test': [{**row, 'prompt': prompt} for row in examples]})
        prompt_file = cls.split_files(path, name)['prompt']
        root = find_local([prompt_file])
        if root is None:  # the hub copy has the questions but not the few-shot prompts
            raise ConfigError(
                f"BBH task '{name}': its chain-of-thought prompt {prompt_file} was not found under the data "
                f"roots ({describe_roots()}), and the hub copy (lukaemon/bbh) does not include the prompts. "
                f"Put the BBH release's lib_prompt/ and data/ folders under {path}/ in a data root, or point "
                f"--data-root / EVALKIT_DATA_ROOT at a folder holding them.")
        prompt = read_cot_prompt(root / prompt_file)
        return load_from_hub('lukaemon/bbh', name, lambda ds: to_dataset_dict(
            {'test': [{'input': r['input'], 'target': r['target'], 'prompt': prompt} for r in ds['test']]}),
            f'{path}/data/{name}.json')


def read_cot_prompt(path: Path) -> str:
    """The task description and 3 worked examples, without the canary header that precedes them."""
    lines = path.read_text(encoding='utf-8').splitlines()
    if _SEPARATOR not in [line.strip() for line in lines[:5]]:
        raise ConfigError(f"Prompt file '{path}': expected a canary header ended by a '{_SEPARATOR}' line "
                          f"within its first 5 lines, as BBH's lib_prompt files have. Restore the released "
                          f"file.")
    start = [line.strip() for line in lines].index(_SEPARATOR) + 1
    return '\n'.join(lines[start:]).strip()


def _read_examples(path: Path) -> list[dict[str, Any]]:
    try:
        examples = json.loads(path.read_text(encoding='utf-8'))['examples']
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"Data file '{path}': expected a JSON object with an 'examples' list, as BBH's "
                          f"data files have ({type(exc).__name__}: {exc}). Restore the released "
                          f"file.") from None
    for number, example in enumerate(examples):
        if not isinstance(example, dict) or not {'input', 'target'} <= set(example):
            raise ConfigError(f"Data file '{path}': examples[{number}] lacks 'input' or 'target'.")
    return [{'input': e['input'], 'target': e['target']} for e in examples]
