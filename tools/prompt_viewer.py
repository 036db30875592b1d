"""Print the exact text a model receives for test items of a dataset, to debug prompts.

    python tools/prompt_viewer.py configs/eval_demo.py                  # a run config: its first model
    python tools/prompt_viewer.py mmlu_ppl --dataset mmlu-marketing --index 3
    python tools/prompt_viewer.py ceval_gen --model hf_smollm2_135m --count 2

The prompts are built by the same code as inference (reader, circular copies, retriever,
templates) and rendered by the model's own ``render`` (plain text, meta template or chat
template), so the text equals the ``prompt`` a predictions file records for that row.  For
PPL, every label's text is printed with the scored tokens between the markers.  A Hugging
Face model's weights are never loaded: its tokenizer is all rendering needs.
"""
from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.api.model import RUN_ONLY_MODEL_KEYS, BaseModel  # noqa: E402
from evalkit.cli.run_config import datasets_from_file, models_from_file  # noqa: E402
from evalkit.config import config_index  # noqa: E402
from evalkit.config.errors import ConfigError  # noqa: E402
from evalkit.config.loading import load_config  # noqa: E402
from evalkit.config.secrets import resolve_env_references  # noqa: E402
from evalkit.config.validation import validate_run_config  # noqa: E402
from evalkit.models import HuggingFaceCausalLM  # noqa: E402
from evalkit.openicl.inferencers import BaseInferencer  # noqa: E402
from evalkit.openicl.prompt_builder import PromptBuilder  # noqa: E402
from evalkit.registry import MODELS, build, resolve_type  # noqa: E402
from evalkit.tasks.infer import prepare  # noqa: E402

DEFAULT_MODEL = 'hf_smollm2_135m_instruct'
SCORED_BEGIN, SCORED_END = '⟦', '⟧'


class TokenizerOnlyCausalLM(HuggingFaceCausalLM):
    """A ``HuggingFaceCausalLM`` with its own settings and ``render``, but only its tokenizer
    loaded: rendering a prompt needs no weights, and loading them takes longer than the rest."""

    def _load(self, path: str, tokenizer_path: str, tokenizer_kwargs: dict, model_kwargs: dict,
              dtype: str) -> None:
        from transformers import AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(tokenizer_path, **tokenizer_kwargs)
        except OSError as exc:
            raise ConfigError(f"model '{self.abbr}': cannot load the tokenizer from '{tokenizer_path}': {exc}. "
                              f"Point 'tokenizer_path' (or 'path') at a local model folder.") from None


def renderer(model_cfg: Mapping[str, Any]) -> BaseModel:
    """The model as far as rendering needs it: a Hugging Face model without weights, any other whole."""
    where = f"model '{model_cfg.get('abbr')}'"
    cfg = resolve_env_references({k: v for k, v in model_cfg.items() if k not in RUN_ONLY_MODEL_KEYS}, where)
    if resolve_type(cfg['type'], MODELS, f'{where}.type') is HuggingFaceCausalLM:
        cfg = {**cfg, 'type': TokenizerOnlyCausalLM}
    return build(cfg, MODELS, where)


def load_target(name: str, model_name: str | None) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """(datasets, model config, source) from a config file or a dataset config name; the model is
    ``model_name``'s, else the config file's first, else the default model."""
    path = Path(name)
    if path.suffix == '.py' or path.exists():
        cfg = load_config(path)
        datasets = list(cfg['datasets']) if 'datasets' in cfg else datasets_from_file(path)
        models = list(cfg.get('models') or [])
    else:
        datasets, models = datasets_from_file(config_index.find('datasets', name)), []
    if model_name:
        models = models_from_file(config_index.find('models', model_name))
    if not models:
        models = models_from_file(config_index.find('models', DEFAULT_MODEL))
    validate_run_config({'models': models[:1], 'datasets': datasets}, name)
    return datasets, models[0], name


def pick_dataset(datasets: Sequence[Mapping[str, Any]], abbr: str | None, source: str) -> Mapping[str, Any]:
    if abbr is None:
        return datasets[0]
    abbrs = [d['abbr'] for d in datasets]
    if abbr not in abbrs:
        close = difflib.get_close_matches(abbr, abbrs, n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ''
        raise ConfigError(f"{source}: no dataset '{abbr}'.{hint} Its datasets: {', '.join(abbrs[:10])}"
                          f"{', ...' if len(abbrs) > 10 else ''}.")
    return datasets[abbrs.index(abbr)]


def marked_scored_span(model: BaseModel, text: str) -> str:
    """``text`` with PPL's scored tokens between markers: every token the model reads after the
    first (over-long prompts lose their beginning first).  Unmarked when token boundaries are unknown."""
    if not isinstance(model, HuggingFaceCausalLM):
        return text
    ids = model._encode(text)  # the exact ids perplexity() scores
    kept_from = max(0, len(ids) - model.max_seq_len)
    prefix = model.tokenizer.decode(ids[:kept_from + 1])
    start = len(prefix) if text.startswith(prefix) else 0  # a BOS token is not part of the text
    return text[:start] + SCORED_BEGIN + text[start:] + SCORED_END


def describe_tokens(model: BaseModel, text: str) -> str:
    if not isinstance(model, HuggingFaceCausalLM):
        return ''
    count = len(model._encode(text))
    over = count - model.max_seq_len
    return f'{count} tokens' + (f'; over max_seq_len by {over}: the first {over} are cut' if over > 0 else '')


def show_item(model: BaseModel, builder: PromptBuilder, inferencer: BaseInferencer, i: int) -> str:
    """The text(s) the model is asked for test row ``i``, each under a header."""
    prompts, max_out_len = inferencer.row_requests(builder, i, getattr(model, 'max_out_len', 256))
    texts = [model.render(p) for p in prompts]
    row = builder.test[i]
    tags = ''.join(f', {k}={row[k]!r}' for k in ('circular_id', 'circular_pattern') if k in row)
    parts = [f'=== item {i} of {len(builder.test)}: gold {row.get(builder.output_column)!r}{tags} ===']
    if inferencer.mode == 'ppl':
        labels = getattr(inferencer, 'labels', None) or builder.labels
        for label, text in zip(labels, texts):
            parts.append(f'--- label {label!r} ({describe_tokens(model, text)}; {SCORED_BEGIN}...{SCORED_END} '
                         f'marks the tokens whose mean NLL is its score, lowest wins) ---')
            parts.append(marked_scored_span(model, text))
        return '\n'.join(parts)
    for text in texts:
        parts.append(f'--- prompt ({describe_tokens(model, text)}; then up to {max_out_len} generated tokens) ---')
        parts.append(text)
    return '\n'.join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('target', metavar='CONFIG_OR_DATASET_NAME',
                        help='a config file (run or dataset config) or a dataset config name (e.g. mmlu_ppl)')
    parser.add_argument('--model', help=f'model config name (default: the config\'s first model, else {DEFAULT_MODEL})')
    parser.add_argument('--dataset', help='abbr of the dataset to show (default: the first)')
    parser.add_argument('--index', type=int, default=0, help='first test item to show (default 0)')
    parser.add_argument('--count', type=int, default=1, help='how many items to show (default 1)')
    args = parser.parse_args(argv)
    try:
        datasets, model_cfg, source = load_target(args.target, args.model)
        dataset_cfg = pick_dataset(datasets, args.dataset, source)
        builder, inferencer = prepare(dataset_cfg)
        rows = len(builder.test)
        if not 0 <= args.index < rows:
            raise ConfigError(f"--index {args.index} is out of range: dataset '{dataset_cfg['abbr']}' has {rows} "
                              f"test rows (after limit and circular copies), so use 0 to {rows - 1}.")
        if args.count < 1:
            raise ConfigError(f'--count must be at least 1, got {args.count}.')
        model = renderer(model_cfg)
    except ConfigError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    print(f"dataset '{dataset_cfg['abbr']}' ({inferencer.mode}, {type(inferencer).__name__}), "
          f"model '{model_cfg.get('abbr')}'")
    for i in range(args.index, min(args.index + args.count, rows)):
        print(show_item(model, builder, inferencer, i))
    return 0


if __name__ == '__main__':
    sys.exit(main())
