"""Assemble the run config from a config file and/or the one-liner flags."""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from mmengine.config import Config

from evalkit.cli.args import parse_kwargs
from evalkit.config import config_index
from evalkit.config.custom_datasets import custom_dataset_config, expand_custom_datasets
from evalkit.config.errors import ConfigError
from evalkit.config.loading import load_config, run_config
from evalkit.serving.accelerator import accelerate_models


def datasets_from_file(path: Path) -> list[dict[str, Any]]:
    cfg = load_config(path)
    found = [ds for key, value in cfg.items() if key.endswith('_datasets') or key == 'datasets' for ds in value]
    if not found:
        raise ConfigError(f"Dataset config '{path}' defines no variable ending in '_datasets'.")
    return found


def models_from_file(path: Path) -> list[dict[str, Any]]:
    cfg = load_config(path)
    if 'models' not in cfg:
        raise ConfigError(f"Model config '{path}' defines no 'models' list.")
    return list(cfg['models'])


def hf_model_from_args(args: argparse.Namespace) -> dict[str, Any]:
    path = args.hf_path.rstrip('/')
    abbr = path.split(':')[-1].split('/')[-1] or path
    return {
        'type': 'HuggingFaceCausalLM', 'abbr': f'{abbr}-hf' if args.hf_type == 'base' else abbr,
        'path': args.hf_path, 'tokenizer_path': args.tokenizer_path or args.hf_path,
        'tokenizer_kwargs': parse_kwargs(args.tokenizer_kwargs, '--tokenizer-kwargs'),
        'model_kwargs': parse_kwargs(args.model_kwargs, '--model-kwargs'),
        'generation_kwargs': parse_kwargs(args.generation_kwargs, '--generation-kwargs'),
        'mode': args.hf_type, 'dtype': args.dtype, 'max_seq_len': args.max_seq_len,
        'max_out_len': args.max_out_len, 'batch_size': args.batch_size,
        'run_cfg': {'num_gpus': args.num_gpus},
    }


def add_judges(cfg: Config, args: argparse.Namespace) -> None:
    """``--judge-model`` / ``--judge-hf-path`` set ``judge_models``; ``--judge-mode`` and
    ``--judge-base-models`` set keys of the ``judge`` section."""
    judges = [m for name in args.judge_model or [] for m in models_from_file(config_index.find('models', name))]
    if args.judge_hf_path:
        judge = hf_model_from_args(argparse.Namespace(**{**vars(args), 'hf_path': args.judge_hf_path,
                                                         'tokenizer_path': None, 'hf_type': 'chat'}))
        judges.append({**judge, 'abbr': f"{judge['abbr']}-judge"})
    if judges:
        cfg['judge_models'] = judges
    section = {'mode': args.judge_mode, 'base_models': args.judge_base_models}
    if any(v is not None for v in section.values()):
        cfg['judge'] = {**(cfg.get('judge') or {}), **{k: v for k, v in section.items() if v is not None}}


def build_run_config(args: argparse.Namespace) -> tuple[Config, str]:
    """The merged run config and the name of its source (for errors and the experiment folder)."""
    if args.data_root:
        if not Path(args.data_root).is_dir():
            raise ConfigError(f"--data-root '{args.data_root}' is not a folder.")
        os.environ['EVALKIT_DATA_ROOT'] = str(Path(args.data_root).resolve())
    if args.config:
        cfg, source = run_config(load_config(args.config), args.config), args.config
    elif (args.datasets or args.custom_dataset_path) and (args.models or args.hf_path):
        cfg, source = Config({}), 'command line'
    else:
        raise ConfigError('Nothing to evaluate: give a config file (e.g. configs/eval_demo.py), or --datasets '
                          '(or --custom-dataset-path) together with --models or --hf-path. '
                          'See `python run.py --help`.')
    models = [m for name in args.models or [] for m in models_from_file(config_index.find('models', name))]
    if args.hf_path:
        models.append(hf_model_from_args(args))
    if models:
        cfg['models'] = models
    if getattr(args, 'accelerator', 'hf') != 'hf' and cfg.get('models'):
        cfg['models'] = accelerate_models(cfg['models'], args.accelerator)
    if args.datasets:
        cfg['datasets'] = [ds for name in args.datasets for ds in datasets_from_file(config_index.find('datasets', name))]
    if args.custom_dataset_path:
        cfg['datasets'] = [*(cfg.get('datasets') or []), custom_dataset_config(
            args.custom_dataset_path, args.custom_dataset_data_type, args.custom_dataset_infer_method,
            args.custom_dataset_meta_path, '--custom-dataset-path')]
    elif any((args.custom_dataset_data_type, args.custom_dataset_infer_method, args.custom_dataset_meta_path)):
        raise ConfigError('--custom-dataset-data-type, --custom-dataset-infer-method and --custom-dataset-meta-path '
                          'describe the file given with --custom-dataset-path: add it.')
    add_judges(cfg, args)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, allow_list_keys=True)
    if args.allow_code_execution:
        cfg['allow_code_execution'] = True
    if args.show_stderr:
        cfg['summarizer'] = {**(cfg.get('summarizer') or {}), 'show_stderr': True}
    if isinstance(cfg.get('datasets'), (list, tuple)):  # short CustomDataset entries become full configs
        cfg['datasets'] = expand_custom_datasets(cfg['datasets'], source)
    if args.limit is not None:
        if args.limit < 1:
            raise ConfigError(f'--limit must be a positive number of rows, got {args.limit}.')
        for ds in cfg.get('datasets', []):
            ds['reader_cfg']['limit'] = args.limit
    return cfg, source
