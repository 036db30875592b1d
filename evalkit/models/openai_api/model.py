"""A model behind an OpenAI-compatible endpoint (vLLM, SGLang, LMDeploy, llama.cpp server, hosted APIs).

``api='chat'`` sends dialogues to ``/chat/completions`` (the server applies the model's
chat template); ``api='completions'`` sends text to ``/completions`` (rendered through
``meta_template`` when given) and is the one that can score: perplexity and
log-likelihood come from echoed prompt log-probabilities (see ``requests``).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt
from evalkit.api.sampling import SAMPLING_KEYS, Sampling
from evalkit.config.errors import ConfigError
from evalkit.config.secrets import ENV_PREFIX, resolve_env_references
from evalkit.models.openai_api import requests
from evalkit.models.openai_api.client import APIClient
from evalkit.models.openai_api.rate_limit import TokenBucket
from evalkit.models.openai_api.response_cache import ResponseCache
from evalkit.models.openai_api.retry import RetryPolicy
from evalkit.models.templates import chat_messages, render_meta_template, render_plain
from evalkit.registry import MODELS

_ENDPOINTS = {'chat': 'chat/completions', 'completions': 'completions'}
_SAMPLING_SPELLINGS = (*SAMPLING_KEYS, 'do_sample')


def split_generation_kwargs(kwargs: Mapping[str, Any] | None, where: str) -> tuple[Sampling, dict[str, Any]]:
    """evalkit's decoding settings (temperature, top_p, top_k, seed, ...) and the rest, which is sent
    with every generation request as is (e.g. ``presence_penalty``, ``repetition_penalty``)."""
    kwargs = dict(kwargs or {})
    sampling = Sampling.from_generation_kwargs({k: v for k, v in kwargs.items() if k in _SAMPLING_SPELLINGS}, where)
    return sampling, {k: v for k, v in kwargs.items() if k not in _SAMPLING_SPELLINGS}


@MODELS.register_module()
class OpenAIModel(BaseModel):
    """``path`` is the served model name; ``key='ENV:NAME'`` names the variable holding the API key."""

    streams_answers = True
    default_api: Literal['chat', 'completions'] = 'chat'  # what the registry aliases below change

    @classmethod
    def check_config(cls, cfg: Mapping[str, Any], where: str) -> None:
        """Up-front checks (before any task): the URL, the key reference, numbers and decoding."""
        if not cfg.get('serve'):
            url = cfg.get('base_url')
            if not isinstance(url, str) or not url.startswith(('http://', 'https://')):
                raise ConfigError(f"{where}.base_url: expected the server's API root such as "
                                  f"'http://127.0.0.1:8000/v1', got {url!r}.")
        key = cfg.get('key')
        if key is not None and not (isinstance(key, str) and key.startswith(ENV_PREFIX)):
            raise ConfigError(f"{where}.key: write key='ENV:VARIABLE' naming the environment variable that holds "
                              f"the API key, never the key itself (configs are copied into the run folder).")
        split_generation_kwargs(cfg.get('generation_kwargs'), where)
        RetryPolicy.from_config(cfg.get('retry'), where)

    def __init__(self, path: str, base_url: str | None = None, api: Literal['chat', 'completions'] | None = None,
                 abbr: str | None = None, key: str | None = None, headers: dict | None = None,
                 meta_template: dict | None = None, max_seq_len: int = 2048, max_out_len: int = 256,
                 stop_words: list | None = None, generation_kwargs: dict | None = None,
                 query_per_second: float = 0.0, max_concurrency: int = 8, timeout: float = 120.0,
                 retry: dict | None = None) -> None:
        self.abbr = abbr or path
        where = f"model '{self.abbr}'"
        api = api or self.default_api
        if api not in _ENDPOINTS:
            raise ConfigError(f"{where}.api: expected 'chat' or 'completions', got {api!r}.")
        if not base_url:
            raise ConfigError(f"{where}.base_url: missing; give the server's API root, e.g. "
                              f"'http://127.0.0.1:8000/v1' (or run with --accelerator vllm for a local model).")
        if max_concurrency < 1 or timeout <= 0 or query_per_second < 0 or max_out_len < 1:
            raise ConfigError(f'{where}: max_concurrency must be >= 1, timeout > 0, query_per_second >= 0 (0: no '
                              f'limit) and max_out_len >= 1; got {max_concurrency}, {timeout}, {query_per_second}, '
                              f'{max_out_len}.')
        self.path = path
        self.api = api
        self.meta_template = meta_template
        self.max_seq_len = max_seq_len
        self.max_out_len = max_out_len
        self.stop_words = list(stop_words or [])
        self.sampling, self.extra_fields = split_generation_kwargs(generation_kwargs, where)
        all_headers = dict(headers or {})
        if key:
            # Resolved here when the model is built outside a task (a judge, a test); the value lives
            # only in the client's headers, never in an attribute that is logged or hashed.
            all_headers['Authorization'] = f"Bearer {resolve_env_references(key, f'{where}.key')}"
        self.client = APIClient(base_url, all_headers, timeout, max_concurrency,
                                RetryPolicy.from_config(retry, where),
                                TokenBucket(query_per_second) if query_per_second else None)

    def use_response_cache(self, folder: Path) -> None:
        """Answer repeated requests from ``folder/<abbr>.jsonl`` (the run folder's cache, kept for ``-r``)."""
        safe = ''.join(c if c.isalnum() or c in '-_.' else '_' for c in self.abbr)
        self.client.cache = ResponseCache(Path(folder) / f'{safe}.jsonl')

    def served_models(self) -> list[dict[str, Any]]:
        return self.client.get_json('models').get('data', [])

    # -- prompts -------------------------------------------------------------------------
    def render(self, prompt: Prompt) -> str:
        """The text sent: the completion prompt, or the chat messages as JSON."""
        if self.api == 'chat':
            messages, reply_prefix = chat_messages(prompt)
            return json.dumps(requests.chat_body(self.path, messages, reply_prefix, {})['messages'],
                              ensure_ascii=False)
        if self.meta_template:
            return render_meta_template(prompt, self.meta_template)
        return render_plain(prompt)

    def _generation_body(self, prompt: Prompt, fields: Mapping[str, Any]) -> dict[str, Any]:
        if self.api == 'chat':
            messages, reply_prefix = chat_messages(prompt)
            return requests.chat_body(self.path, messages, reply_prefix, fields)
        return requests.completion_body(self.path, self.render(prompt), fields)

    # -- generation ----------------------------------------------------------------------
    def generate(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str] = (),
                 sampling: Sampling | None = None, seeds: Sequence[int] | None = None) -> list[str]:
        texts = [''] * len(prompts)
        self.generate_each(prompts, max_out_len, stop_words, texts.__setitem__, sampling, seeds)
        return texts

    def generate_each(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str],
                      on_done: Callable[[int, str], None], sampling: Sampling | None = None,
                      seeds: Sequence[int] | None = None) -> None:
        sampling = sampling or self.sampling
        stops = [s for s in dict.fromkeys([*self.stop_words, *stop_words]) if s]
        if seeds is None:
            seeds = [sampling.request_seed(i, 0) for i in range(len(prompts))]
        bodies = [self._generation_body(p, {**self.extra_fields, **requests.decoding_fields(
            sampling, seed, max_out_len, stops)}) for p, seed in zip(prompts, seeds)]
        chat = self.api == 'chat'
        self.client.post_all(_ENDPOINTS[self.api], bodies,
                             lambda i, answer: on_done(i, _cut_at_stop_words(requests.answer_text(answer, chat),
                                                                             stops)))

    # -- scoring -------------------------------------------------------------------------
    def _scoring_endpoint(self, what: str) -> None:
        if self.api == 'chat':
            raise ConfigError(
                f"model '{self.abbr}': {what} needs prompt log-probabilities, which chat endpoints do not return. "
                f"Use api='completions' (the same server's /v1/completions) for PPL and log-likelihood datasets.")

    def _echo(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        return self.client.post_all('completions', [requests.echo_body(self.path, t) for t in texts])

    def perplexity(self, prompts: Sequence[Prompt], mask_lengths: Sequence[int] | None = None) -> list[float]:
        """Mean negative log-likelihood of every token after the first, as the local engine computes it."""
        self._scoring_endpoint('perplexity (PPLInferencer)')
        if mask_lengths is not None:
            raise ConfigError(f"model '{self.abbr}': perplexity with mask_lengths counts tokens of a tokenizer "
                              f"the API model does not have; score without a mask or use loglikelihood.")
        texts = [self.render(p) for p in prompts]
        results = []
        for text, answer in zip(texts, self._echo(texts)):
            values = [v for _, v in requests.prompt_token_logprobs(answer, len(text))[1:] if v is not None]
            results.append(-sum(values) / max(len(values) + 1, 1))
        return results

    def loglikelihood(self, contexts: Sequence[Prompt], continuations: Sequence[str]) -> list[float]:
        """lm-eval's method: trailing context spaces move to the continuation; the continuation's
        log-probability is the sum over the tokens that start at or after the context's end."""
        self._scoring_endpoint('log-likelihood (LLInferencer)')
        pairs = []
        for context, continuation in zip(contexts, continuations):
            text = self.render(context)
            stripped = text.rstrip()
            pairs.append((stripped, text[len(stripped):] + continuation))
        answers = self._echo([ctx + cont for ctx, cont in pairs])
        results = []
        for (ctx, cont), answer in zip(pairs, answers):
            tokens = requests.prompt_token_logprobs(answer, len(ctx) + len(cont))
            results.append(sum(v for offset, v in tokens if offset >= len(ctx) and v is not None))
        return results


def _cut_at_stop_words(text: str, stops: Sequence[str]) -> str:
    """Servers cut at stop strings themselves; some do not, so cut again (a no-op otherwise)."""
    cut = min((text.find(s) for s in stops if s in text), default=len(text))
    return text[:cut]


@MODELS.register_module()
class OpenAIChat(OpenAIModel):
    """OpenCompass's name for a chat-endpoint API model: ``OpenAIModel`` with ``api='chat'``."""

    default_api = 'chat'


@MODELS.register_module()
class OpenAICompletions(OpenAIModel):
    """A completions-endpoint API model (it can score PPL/log-likelihood): ``OpenAIModel`` with
    ``api='completions'``."""

    default_api = 'completions'
