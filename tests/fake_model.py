"""A deterministic stand-in model for testing how tasks are split and run, not what a model answers.

It loads in milliseconds, so runner and partitioner tests measure scheduling rather than
inference.  Configs name it by dotted path (``type='tests.fake_model.FakeModel'``), which
task subprocesses and Slurm jobs import from the project root, their working directory.

Knobs for the runner tests:
- ``sleep``: seconds each request batch takes (to overlap tasks or interrupt them);
- ``trace``: a file that gets one JSON line per batch: pid, Slurm job id, the GPUs the
  task was given (``CUDA_VISIBLE_DEVICES``), start and end time;
- ``fail_on`` / ``fail_times`` / ``counter``: raise when a prompt contains ``fail_on``,
  for the first ``fail_times`` such calls counted across processes in the ``counter`` file;
- ``api_key``: the trace records a hash of the key the model was built with (never the key).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt, prompt_to_text


def text_digest(text: str) -> int:
    return int(hashlib.sha256(text.encode('utf-8')).hexdigest()[:8], 16)


class FakeModel(BaseModel):
    def __init__(self, abbr: str = 'fake', sleep: float = 0.0, trace: str | None = None, fail_on: str | None = None,
                 fail_times: int = 0, counter: str | None = None, max_out_len: int = 16,
                 api_key: str | None = None) -> None:
        self.abbr = abbr
        self.sleep = sleep
        self.trace = Path(trace) if trace else None
        self.fail_on = fail_on
        self.fail_times = fail_times
        self.counter = Path(counter) if counter else None
        self.max_out_len = max_out_len
        self.api_key_hash = text_digest(api_key) if api_key else None

    def _work(self, prompts: Sequence[Prompt]) -> list[str]:
        texts = [self.render(p) for p in prompts]
        if self.fail_on and any(self.fail_on in t for t in texts):
            failures = int(self.counter.read_text()) if self.counter and self.counter.exists() else 0
            if failures < self.fail_times:
                if self.counter:
                    self.counter.write_text(str(failures + 1))
                raise RuntimeError(f'planned failure {failures + 1} of {self.fail_times} on {self.fail_on!r}')
        start = time.time()
        time.sleep(self.sleep)
        if self.trace:
            with open(self.trace, 'a', encoding='utf-8') as fh:
                fh.write(json.dumps({'pid': os.getpid(), 'job': os.environ.get('SLURM_JOB_ID'),
                                     'devices': os.environ.get('CUDA_VISIBLE_DEVICES'),
                                     'api_key_hash': self.api_key_hash,
                                     'start': start, 'end': time.time()}) + '\n')
        return texts

    def generate(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str] = ()) -> list[str]:
        return ['ABCD'[text_digest(t) % 4] for t in self._work(prompts)]

    def perplexity(self, prompts: Sequence[Prompt], mask_lengths: Sequence[int] | None = None) -> list[float]:
        return [text_digest(t) % 1000 / 100 for t in self._work(prompts)]

    def loglikelihood(self, contexts: Sequence[Prompt], continuations: Sequence[str]) -> list[float]:
        return [-(text_digest(self.render(c) + s) % 1000) / 100 for c, s in zip(contexts, continuations)]

    def render(self, prompt: Prompt) -> str:
        return prompt_to_text(prompt)


def fake_config(subjects: Sequence[str] = ('law', 'logic', 'marxism', 'physician'), infer: dict | None = None,
                **model_kwargs: object) -> str:
    """Text of a run config: the fake model on C-Eval sample subjects (3 rows each, in data/),
    zero-shot generation.  Each prompt starts with ``[<dataset abbr>]``, so ``fail_on`` can
    pick one dataset."""
    model = dict(type='tests.fake_model.FakeModel', abbr='fake', run_cfg=dict(num_gpus=0), **model_kwargs)
    lines = [f'models = [{model!r}]', f'subjects = {list(subjects)!r}', '''datasets = [
    dict(abbr=f'ceval-{name}', type='CEvalDataset', path='ceval', name=name,
         reader_cfg=dict(input_columns=['question', 'A', 'B', 'C', 'D'], output_column='answer',
                         train_split='dev', test_split='val'),
         infer_cfg=dict(
             prompt_template=dict(type='PromptTemplate', template=f'[ceval-{name}] ' + '{question}\\nA. {A}\\n答案：'),
             retriever=dict(type='ZeroRetriever'),
             inferencer=dict(type='GenInferencer', max_out_len=4)),
         eval_cfg=dict(evaluator=dict(type='AccEvaluator')))
    for name in subjects]''']
    if infer is not None:
        lines.append(f'infer = {infer!r}')
    return '\n'.join(lines) + '\n'
