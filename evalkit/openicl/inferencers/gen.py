"""Free-form generation: the model continues each prompt."""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tqdm import tqdm

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt
from evalkit.api.sampling import SAMPLING_KEYS, Sampling, check_sampling_values
from evalkit.openicl.inferencers.base import BaseInferencer, truncated_tokens, with_truncation
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.registry import INFERENCERS

# Longest a finished answer waits in memory before it is written to the predictions file.
FLUSH_SECONDS = 10.0


@INFERENCERS.register_module()
class GenInferencer(BaseInferencer):
    """Generation: greedy unless sampling keys (here or in the model's ``generation_kwargs``) say otherwise.

    ``max_out_len`` falls back to the model's own setting.  The sampling keys (``temperature``,
    ``top_p``, ``top_k``, ``seed``, ``num_return_sequences``; None keeps the model's value) are
    described in ``evalkit.api.sampling``.  With ``num_return_sequences`` n > 1 a record keeps all n
    answers in ``samples`` and the first one as ``prediction``.
    """

    mode = 'gen'

    @classmethod
    def check_config(cls, cfg: Mapping[str, Any], where: str) -> None:
        """Sampling values are range-checked before any work (their types by the signature)."""
        check_sampling_values({k: cfg[k] for k in SAMPLING_KEYS if k in cfg}, where)

    def __init__(self, max_out_len: int | None = None, stop_words: list | None = None, chunk_size: int = 64,
                 temperature: float | None = None, top_p: float | None = None, top_k: int | None = None,
                 seed: int | None = None, num_return_sequences: int | None = None) -> None:
        super().__init__(chunk_size)
        self.max_out_len = max_out_len
        self.stop_words = list(stop_words or [])
        self.sampling_overrides = {'temperature': temperature, 'top_p': top_p, 'top_k': top_k, 'seed': seed,
                                   'num_return_sequences': num_return_sequences}
        check_sampling_values(self.sampling_overrides, type(self).__name__)

    def sampling(self, model: BaseModel) -> Sampling:
        """The decoding used with ``model``: its own settings, overridden by this inferencer's keys."""
        return model.sampling.merged(self.sampling_overrides, f'{type(self).__name__} with model {model.abbr!r}')

    def row_requests(self, builder: PromptBuilder, i: int, model_max_out_len: int) -> tuple[list[Prompt], int]:
        copies = self.sampling_overrides['num_return_sequences'] or 1
        return [builder.generation_prompt(i)] * copies, self.max_out_len or model_max_out_len

    def infer_chunk(self, model: BaseModel, builder: PromptBuilder, indices: Sequence[int]) -> list[dict[str, Any]]:
        records: dict[int, dict[str, Any]] = {}
        self._generate(model, builder, indices, lambda record: records.__setitem__(record['index'], record))
        return [records[i] for i in indices]

    def run(self, model: BaseModel, builder: PromptBuilder, pending: Sequence[int],
            write: Callable[[list[dict[str, Any]]], None], desc: str = '') -> None:
        """A model that streams answers gets every pending row at once (its decode batch stays full
        to the end instead of draining at every chunk); finished answers are written at least every
        ``FLUSH_SECONDS``, so a kill loses only what was still being generated and the last seconds."""
        if not model.streams_answers:
            return super().run(model, builder, pending, write, desc)
        done: list[dict[str, Any]] = []
        last_write = time.monotonic()
        with tqdm(total=len(pending), desc=desc, unit='row', leave=False, mininterval=2) as bar:
            def keep(record: dict[str, Any]) -> None:
                nonlocal last_write
                done.append(record)
                bar.update(1)
                if len(done) >= self.chunk_size or time.monotonic() - last_write >= FLUSH_SECONDS:
                    write(done[:])
                    done.clear()
                    last_write = time.monotonic()

            self._generate(model, builder, pending, keep)
        if done:
            write(done)

    def _generate(self, model: BaseModel, builder: PromptBuilder, indices: Sequence[int],
                  keep: Callable[[dict[str, Any]], None]) -> None:
        """Generate for ``indices``, handing each row's record to ``keep`` once all its answers are final.

        Request k is sample ``k % n`` of row ``indices[k // n]``, seeded from (seed, row, sample)."""
        sampling = self.sampling(model)
        n = sampling.num_return_sequences
        prompts = [builder.generation_prompt(i) for i in indices]
        max_out_len = self.max_out_len or getattr(model, 'max_out_len', 256)
        cuts: list[int] = []
        answers: dict[int, dict[int, str]] = {}

        def record(k: int, text: str) -> None:
            if not cuts:  # the model reports what it cut from each prompt before the first answer is final
                cuts.extend(truncated_tokens(model, len(indices), n))
            row, sample = divmod(k, n)
            answers.setdefault(row, {})[sample] = text
            if len(answers[row]) < n:
                return
            got = answers.pop(row)
            i, samples = indices[row], [got[s] for s in range(n)]
            extra = {'samples': samples} if n > 1 else {}
            keep(with_truncation({'index': i, 'prompt': model.render(prompts[row]), 'prediction': samples[0],
                                  **extra, 'gold': builder.test[i].get(builder.output_column)}, cuts[row]))

        sampled = {} if sampling.greedy else {
            'sampling': sampling, 'seeds': [sampling.request_seed(i, s) for i in indices for s in range(n)]}
        model.generate_each([p for p in prompts for _ in range(n)], max_out_len, self.stop_words, record, **sampled)
