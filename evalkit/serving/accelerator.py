"""``--accelerator vllm``: evaluate a local Hugging Face model through a vLLM server evalkit runs itself.

The run config's HF model entries become API-model entries with a ``serve`` section
(the model folder and the served name).  The inference task starts the server for that
section, points the API model at it and stops it when the task ends, whatever the
reason (see ``served``).  Chat-mode models go to the chat endpoint (the server applies
the same chat template); base-mode models and meta templates to the completions endpoint,
which also scores PPL and log-likelihood datasets.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from evalkit.config.errors import ConfigError

SERVED_NAME = 'served-model'
# A vLLM server batches by itself: enough requests in flight keep its scheduler full.
SERVER_CONCURRENCY = 32
_CARRIED_KEYS = ('abbr', 'meta_template', 'max_seq_len', 'max_out_len', 'stop_words', 'generation_kwargs',
                 'run_cfg')


def _is_hf_model(model_cfg: Mapping[str, Any]) -> bool:
    kind = model_cfg.get('type')
    return getattr(kind, '__name__', str(kind)).rsplit('.', 1)[-1] == 'HuggingFaceCausalLM'


def vllm_model_config(model_cfg: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The API-model config that evaluates ``model_cfg`` (a HuggingFaceCausalLM entry) through vLLM."""
    if not _is_hf_model(model_cfg):
        raise ConfigError(f"{where}: --accelerator vllm serves local Hugging Face models (HuggingFaceCausalLM); "
                          f"this model is {model_cfg.get('type')!r}. Drop -a vllm for it or run it separately.")
    if model_cfg.get('dtype', 'float32') not in ('float32', 'auto'):
        raise ConfigError(f"{where}.dtype: the CPU vLLM server evaluates in float32, the config asks for "
                          f"{model_cfg['dtype']!r}; set dtype='float32' so both engines compute the same numbers.")
    chat = model_cfg.get('mode', 'base') == 'chat' and not model_cfg.get('meta_template')
    converted = {k: model_cfg[k] for k in _CARRIED_KEYS if k in model_cfg}
    converted.update(type='OpenAIModel', path=SERVED_NAME, api='chat' if chat else 'completions',
                     max_concurrency=SERVER_CONCURRENCY, serve={'model': model_cfg['path']})
    return converted


def accelerate_models(models: list[Mapping[str, Any]], accelerator: str) -> list[dict[str, Any]]:
    if accelerator != 'vllm':
        return [dict(m) for m in models]
    return [vllm_model_config(m, f'models[{i}]') for i, m in enumerate(models)]


@contextmanager
def served(model_cfg: Mapping[str, Any], log_dir: Path) -> Iterator[dict[str, Any]]:
    """The model config to build, with a running server's ``base_url`` when it has a ``serve`` section;
    the server stops when the block ends (normally, on an exception or on Ctrl-C)."""
    serve = model_cfg.get('serve')
    if not serve:
        yield dict(model_cfg)
        return
    from evalkit.models.embedded import resolve_model_path
    from evalkit.serving.vllm_server import VLLMServer

    safe = ''.join(c if c.isalnum() or c in '-_.' else '_' for c in str(model_cfg.get('abbr', 'model')))
    server = VLLMServer(resolve_model_path(serve['model']), model_cfg.get('path', SERVED_NAME),
                        log_path=Path(log_dir) / f'vllm-{safe}.log')
    print(f"starting a vLLM server for {serve['model']} (log {server.log_path})", flush=True)
    with server:
        print(f'vLLM server ready at {server.base_url}', flush=True)
        yield {**model_cfg, 'base_url': server.base_url}
