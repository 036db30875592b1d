"""The prompts a stress test sends: a dataset's real prompts, or synthetic ones of chosen token lengths.

Why both: an evaluation's own prompts (built by the same prompt builder as inference, so
few-shot blocks and templates are exactly what an evaluation sends) show how the endpoint will
behave in that evaluation, while synthetic prompts of controlled input/output lengths draw a
comparable saturation curve for any endpoint.  Lengths are counted with the model's tokenizer.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.api.prompt import Prompt, prompt_to_text
from evalkit.config.errors import ConfigError

CHAT_ROLES = {'SYSTEM': 'system', 'HUMAN': 'user', 'BOT': 'assistant'}
EVALKIT_ROLES = {chat: role for role, chat in CHAT_ROLES.items()}


@dataclass(frozen=True)
class PerfPrompt:
    """One request's input; ``output_len`` (when set) replaces ``--max-tokens`` for it."""

    prompt: Prompt
    prompt_tokens: int | None = None
    output_len: int | None = None

    def messages(self) -> list[dict[str, str]]:
        """The prompt as chat messages; a dialogue's empty closing BOT turn ("answer now") is dropped."""
        if isinstance(self.prompt, str):
            return [{'role': 'user', 'content': self.prompt}]
        turns = list(self.prompt)
        if turns and turns[-1]['role'] == 'BOT' and not turns[-1]['prompt']:
            turns.pop()
        return [{'role': CHAT_ROLES[m['role']], 'content': m['prompt']} for m in turns]

    def text(self) -> str:
        """The prompt as plain text, for the completions endpoint."""
        return prompt_to_text(self.prompt)


@dataclass(frozen=True)
class LengthDistribution:
    """Token lengths: ``N`` (fixed), ``uniform:LO:HI`` or ``normal:MEAN:STD`` (at least 1)."""

    kind: str
    a: float
    b: float = 0.0

    @classmethod
    def parse(cls, spec: str, option: str) -> LengthDistribution:
        parts = spec.split(':')
        try:
            if len(parts) == 1:
                dist = cls('fixed', int(parts[0]))
            elif len(parts) == 3 and parts[0] in ('uniform', 'normal'):
                dist = cls(parts[0], float(parts[1]), float(parts[2]))
            else:
                raise ValueError(spec)
        except ValueError:
            raise ConfigError(f"{option} '{spec}' is not a length distribution: write N (fixed), uniform:LO:HI or "
                              f"normal:MEAN:STD, in tokens, e.g. {option} 128 or {option} uniform:64:256.") from None
        if dist.a < 1 or (dist.kind == 'uniform' and dist.b < dist.a) or (dist.kind == 'normal' and dist.b < 0):
            raise ConfigError(f"{option} '{spec}': lengths must be at least 1 token (and LO <= HI, STD >= 0).")
        return dist

    def sample(self, rng: random.Random) -> int:
        if self.kind == 'fixed':
            return int(self.a)
        if self.kind == 'uniform':
            return rng.randint(int(self.a), int(self.b))
        return max(1, round(rng.gauss(self.a, self.b)))


def load_tokenizer(path: str) -> Any:
    """The model's tokenizer (``embedded:NAME`` resolves to evalkit's bundled model folder)."""
    from transformers import AutoTokenizer

    from evalkit.models.embedded import resolve_model_path

    path = resolve_model_path(path)
    try:
        return AutoTokenizer.from_pretrained(path)
    except OSError as exc:
        raise ConfigError(f"--tokenizer '{path}': cannot load a tokenizer from it ({exc}). Give a local model "
                          f"folder (or embedded:NAME); token counts need the model's own tokenizer.") from None


class TokenCounter:
    """Counts tokens with the model's tokenizer, loaded at first use: a run whose server reports
    usage (vLLM does) never pays for loading it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._tokenizer: Any = None

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            self._tokenizer = load_tokenizer(self.path)
        return self._tokenizer

    def __call__(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))


def _word_ids(tokenizer: Any) -> list[int]:
    """Vocabulary entries that decode to one lower-case word after a space: concatenated, they
    re-tokenise to themselves, so a text of N of them is N tokens long."""
    vocab = tokenizer.get_vocab()
    ids = [i for i in sorted(vocab.values()) if (w := tokenizer.decode([i])).startswith(' ')
           and w[1:].isalpha() and w[1:].islower() and len(w) > 3]
    if len(ids) < 100:
        raise ConfigError('synthetic prompts need a tokenizer with word tokens (a BPE vocabulary); this one has '
                          f'only {len(ids)}. Use prompts from a dataset config instead (--dataset).')
    return ids


def synthetic_prompts(tokenizer: Any, count: int, prompt_len: LengthDistribution,
                      output_len: LengthDistribution | None, seed: int = 0) -> list[PerfPrompt]:
    """``count`` prompts of random words whose token counts follow ``prompt_len`` (exact, as re-counted)."""
    rng = random.Random(seed)
    words = _word_ids(tokenizer)
    prompts = []
    for _ in range(count):
        want = prompt_len.sample(rng)
        ids = [rng.choice(words) for _ in range(want)]
        text = tokenizer.decode(ids)
        got = len(tokenizer.encode(text, add_special_tokens=False))
        prompts.append(PerfPrompt(text, got, output_len.sample(rng) if output_len else None))
    return prompts


def dataset_prompts(config: str, dataset_abbr: str | None, count: int) -> list[PerfPrompt]:
    """The first ``count`` prompts of a dataset, from a dataset config name or a config file, built
    exactly as inference builds them (reader, retriever, templates); each keeps the inferencer's
    generation limit."""
    from evalkit.cli.run_config import datasets_from_file
    from evalkit.config import config_index
    from evalkit.config.loading import load_config
    from evalkit.tasks.infer import prepare

    path = Path(config)
    if path.suffix == '.py' or path.exists():
        cfg = load_config(path)
        datasets = list(cfg['datasets']) if 'datasets' in cfg else datasets_from_file(path)
    else:
        datasets = datasets_from_file(config_index.find('datasets', config))
    by_abbr = {d['abbr']: d for d in datasets}
    if dataset_abbr is not None and dataset_abbr not in by_abbr:
        raise ConfigError(f"{config}: no dataset '{dataset_abbr}'; its datasets are {', '.join(by_abbr)}. "
                          f"Pick one with --dataset-abbr.")
    builder, inferencer = prepare(by_abbr[dataset_abbr] if dataset_abbr else datasets[0])
    prompts: list[PerfPrompt] = []
    for i in range(len(builder.test)):
        row_prompts, max_out = inferencer.row_requests(builder, i, 0)
        prompts.extend(PerfPrompt(p, None, max_out or None) for p in row_prompts)
        if len(prompts) >= count:
            break
    return prompts[:count]


def file_prompts(path: Path) -> list[PerfPrompt]:
    """Prompts from a JSONL file, one request a line: ``{"prompt": TEXT}`` or ``{"messages": [{"role",
    "content"}, ...]}``, optionally ``"max_tokens": N``.  The same file replays through
    ``benchmarks/peers/vllm_bench_serve.py --replay``, so both tools send identical requests."""
    prompts = []
    try:
        for line in Path(path).read_text(encoding='utf-8').splitlines():
            item = json.loads(line)
            prompt: Prompt = (item['prompt'] if 'prompt' in item else
                              [{'role': EVALKIT_ROLES[m['role']], 'prompt': m['content']} for m in item['messages']])
            prompts.append(PerfPrompt(prompt, None, item.get('max_tokens')))
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"--prompts '{path}': line {len(prompts) + 1} is not a request ({exc!r}); each line must "
                          f'be {{"prompt": TEXT}} or {{"messages": [{{"role": "user", "content": TEXT}}]}}, '
                          f'optionally with "max_tokens".') from None
    return prompts
