"""Turn a question file into a full dataset config, so a custom benchmark needs no code.

``--custom-dataset-path FILE`` and ``dict(type=CustomDataset, path=FILE)`` in a config both
come here before validation, and expand to the same config: reader, prompt template,
retriever, inferencer and evaluator, chosen from the file's columns (see
``evalkit.datasets.custom``) and overridable by a ``FILE.meta.json`` beside it.  What the
meta file changes is part of the expanded config, so it is hashed with the prompts.
Settings are taken from, in order: the config key or flag, the meta file, the file's columns.
"""
from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalkit import registry as reg
from evalkit.config.errors import ConfigError
from evalkit.datasets.custom import (
    CustomDataset,
    Layout,
    Table,
    check_columns,
    locate,
    option_columns,
    read_table,
)
from evalkit.datasets.data_root import find_local

DATA_TYPES = ('mcq', 'qa')
INFER_METHODS = ('gen', 'ppl')
# What the short form may say besides the dataset keys it overrides (abbr, reader_cfg, ...).
SHORT_FORM_KEYS = {'type', 'path', 'data_type', 'infer_method', 'meta_path',
                   'abbr', 'reader_cfg', 'infer_cfg', 'eval_cfg', 'summary_groups'}
META_KEYS = {'abbr', 'data_type', 'infer_method', 'question_column', 'answer_column', 'option_columns',
             'prompt_template', 'max_out_len', 'evaluator', 'pred_postprocessor'}
_FULL_FORM_KEYS = ('reader_cfg', 'infer_cfg', 'eval_cfg')
_MAX_OUT_LEN = {'mcq': 16, 'qa': 64}  # a letter (and a few words around it); a short answer


def _unknown_key(key: str, allowed: set[str], where: str) -> ConfigError:
    close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
    hint = f" Did you mean '{close[0]}'?" if close else ''
    return ConfigError(f"{where}: unknown key '{key}'.{hint} Allowed keys: {', '.join(sorted(allowed))}.")


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> Any:
    if value is not None and value not in allowed:
        raise ConfigError(f"{where}: expected one of {', '.join(allowed)}, got {value!r}.")
    return value


def read_meta(path: Path) -> dict[str, Any]:
    """The overrides in a ``.meta.json`` file, checked key by key."""
    try:
        meta = json.loads(path.read_text(encoding='utf-8'))
    except FileNotFoundError:
        raise ConfigError(f"Custom dataset meta file '{path}' does not exist. Give the path of a JSON file, "
                          f"or leave it out to use '<data file>.meta.json' when present.") from None
    except ValueError as exc:
        raise ConfigError(f"Custom dataset meta file '{path}' is not valid JSON ({exc}). Fix the file.") from None
    if not isinstance(meta, dict):
        raise ConfigError(f"Custom dataset meta file '{path}': expected a JSON object of overrides "
                          f"({', '.join(sorted(META_KEYS))}), got {type(meta).__name__}.")
    for key in meta:
        if key not in META_KEYS:
            raise _unknown_key(key, META_KEYS, f"Custom dataset meta file '{path}'")
    for key in ('abbr', 'question_column', 'answer_column'):
        if key in meta and (not isinstance(meta[key], str) or not meta[key]):
            raise ConfigError(f"Custom dataset meta file '{path}': {key}: expected a non-empty string, "
                              f"got {meta[key]!r}.")
    options = meta.get('option_columns')
    if options is not None and (not isinstance(options, list) or len(options) < 2
                                or not all(isinstance(c, str) for c in options)):
        raise ConfigError(f"Custom dataset meta file '{path}': option_columns: expected a list of at least two "
                          f"column names, got {options!r}.")
    _choice(meta.get('data_type'), DATA_TYPES, f"Custom dataset meta file '{path}': data_type")
    _choice(meta.get('infer_method'), INFER_METHODS, f"Custom dataset meta file '{path}': infer_method")
    return meta


def _layout(table: Table, data_type: str | None, meta: Mapping[str, Any]) -> Layout:
    """Question, answer and option columns: the meta file's, else detected (options A, B, ... make MCQ)."""
    options = tuple(meta['option_columns']) if 'option_columns' in meta else (
        () if data_type == 'qa' else option_columns(table))
    data_type = data_type or ('mcq' if len(options) >= 2 else 'qa')
    if data_type == 'mcq' and len(options) < 2:
        raise ConfigError(f"Custom dataset file '{table.path}' is declared multiple choice but has no option "
                          f"columns A, B, ...; its columns are {', '.join(table.columns)}. Add them, or list the "
                          f"option columns as option_columns in '{table.path.name}.meta.json'.")
    return Layout(data_type, meta.get('question_column', 'question'), meta.get('answer_column', 'answer'),
                  options if data_type == 'mcq' else ())


def _component(value: Any) -> dict[str, Any]:
    """A meta file's evaluator or postprocessor: a registered name or a dict with ``type``."""
    return {'type': value} if isinstance(value, str) else dict(value)


def _prompt(layout: Layout, infer_method: str) -> Any:
    """The default template: the question (with lettered options) then 'Answer:'; for PPL one text
    per option letter, each ending in that letter."""
    body = '{' + layout.question_column + '}\n'
    body += ''.join(f'{letter}. {{{column}}}\n' for letter, column in zip(layout.letters, layout.option_columns))
    body += 'Answer:'
    if infer_method == 'ppl':
        return {letter: f'{body} {letter}' for letter in layout.letters}
    return {'round': [{'role': 'HUMAN', 'prompt': body}, {'role': 'BOT', 'prompt': '{' + layout.answer_column + '}'}]}


def _eval_cfg(layout: Layout, infer_method: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    mcq = layout.data_type == 'mcq'
    eval_cfg: dict[str, Any] = {'evaluator': _component(meta.get('evaluator', 'AccEvaluator' if mcq else 'EMEvaluator'))}
    if 'pred_postprocessor' in meta:
        if meta['pred_postprocessor'] is not None:
            eval_cfg['pred_postprocessor'] = _component(meta['pred_postprocessor'])
    elif mcq and infer_method == 'gen':
        eval_cfg['pred_postprocessor'] = {'type': 'OptionLetter', 'options': layout.letters}
    return eval_cfg


def custom_dataset_config(path: str, data_type: str | None = None, infer_method: str | None = None,
                          meta_path: str | None = None, where: str = 'custom dataset') -> dict[str, Any]:
    """The full dataset config for the question file ``path`` (see the module docstring)."""
    _choice(data_type, DATA_TYPES, f'{where}.data_type')
    _choice(infer_method, INFER_METHODS, f'{where}.infer_method')
    file = locate(path)
    table = read_table(file)
    sibling = Path(f'{file}.meta.json')
    meta_file = Path(meta_path) if meta_path else sibling if sibling.is_file() else None
    meta = read_meta(meta_file) if meta_file else {}
    layout = _layout(table, data_type or meta.get('data_type'), meta)
    check_columns(table, layout, f"the meta file '{meta_file}'" if meta_file else "evalkit's default layout")
    infer_method = infer_method or meta.get('infer_method') or 'gen'
    if layout.data_type == 'qa' and infer_method == 'ppl':
        raise ConfigError(f"{where}: '{file}' is a question-answer file, and PPL scoring needs candidate "
                          f"answers (option columns A, B, ...). Use infer_method 'gen', or add option columns.")
    prompt = meta.get('prompt_template') or _prompt(layout, infer_method)
    inferencer: dict[str, Any] = {'type': 'PPLInferencer'} if infer_method == 'ppl' else {
        'type': 'GenInferencer', 'max_out_len': meta.get('max_out_len', _MAX_OUT_LEN[layout.data_type])}
    # A path found under a data root stays relative to it (like every loader's); else the file's own path.
    stored = path if not Path(path).is_absolute() and find_local([path]) is not None else str(file)
    return {
        'abbr': meta.get('abbr') or file.name[:-len(file.suffix)],
        'type': 'CustomDataset', 'path': stored,
        'reader_cfg': {'input_columns': [layout.question_column, *layout.option_columns],
                       'output_column': layout.answer_column, 'train_split': 'test', 'test_split': 'test'},
        'infer_cfg': {'prompt_template': {'type': 'PromptTemplate', 'template': prompt},
                      'retriever': {'type': 'ZeroRetriever'}, 'inferencer': inferencer},
        'eval_cfg': _eval_cfg(layout, infer_method, meta),
    }


def _is_custom(ds: Any) -> bool:
    if not isinstance(ds, Mapping) or 'type' not in ds:
        return False
    try:
        return reg.resolve_type(ds['type'], reg.LOAD_DATASETS, 'type') is CustomDataset
    except ConfigError:  # an unknown type is validation's to report, with its file and key
        return False


def expand_custom_datasets(datasets: Sequence[Any], source: str) -> list[Any]:
    """``datasets`` with every short ``dict(type=CustomDataset, path=...)`` expanded to a full config;
    keys the short form gives besides its own (abbr, reader_cfg, ...) replace the generated ones."""
    expanded = []
    for i, ds in enumerate(datasets):
        if not _is_custom(ds) or all(key in ds for key in _FULL_FORM_KEYS):
            expanded.append(ds)
            continue
        where = f'{source}: datasets[{i}]'
        for key in ds:
            if key not in SHORT_FORM_KEYS:
                raise _unknown_key(key, SHORT_FORM_KEYS, f'{where} (CustomDataset)')
        if not isinstance(ds.get('path'), str) or not ds['path']:
            raise ConfigError(f"{where} (CustomDataset): 'path' must name a .jsonl or .csv question file, "
                              f"got {ds.get('path')!r}.")
        full = custom_dataset_config(ds['path'], ds.get('data_type'), ds.get('infer_method'), ds.get('meta_path'),
                                     where)
        overrides = {k: v for k, v in ds.items() if k not in ('type', 'path', 'data_type', 'infer_method',
                                                               'meta_path')}
        expanded.append({**full, **overrides})
    return expanded
