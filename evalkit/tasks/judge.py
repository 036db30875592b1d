"""The judge task: one judge model grades the candidates' answers on one or more datasets.

Run as ``python -m evalkit.tasks.judge SPEC.json``, like the inference and evaluation tasks.
Judgements are appended with the judge's raw output as they are made (chunk by chunk,
fsynced), a killed task resumes from those written, and a complete file under the same
fingerprint is never redone.  Parsing is left to the summary (``evalkit.subjective.summary``).
"""
from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalkit.api.model import BaseModel
from evalkit.config.errors import ConfigError
from evalkit.datasets.reader import read_splits
from evalkit.outputs import RunDir
from evalkit.subjective.jobs import Job, answers_of, jobs, messages, subject_name
from evalkit.subjective.settings import dataset_judging
from evalkit.subjective.store import judgement_store, task_settings, task_subjects
from evalkit.tasks.completion import prediction_store
from evalkit.tasks.entry import task_main
from evalkit.tasks.infer import load_model
from evalkit.tasks.prediction_check import checked_records
from evalkit.tasks.spec import TaskSpec

CHUNK_SIZE = 16


def candidate_answers(spec: TaskSpec, dataset_cfg: Mapping[str, Any], model: str, rows: int) -> list[list[str]]:
    """A candidate's answers per row and turn, from its complete, checked predictions."""
    candidate = spec.extra['candidates'][model]
    as_eval = TaskSpec(kind='eval', work_dir=spec.work_dir, model=candidate, datasets=(dict(dataset_cfg),))
    store = prediction_store(as_eval, dataset_cfg)
    if not store.is_complete():
        raise ConfigError(f"No complete predictions of model '{model}' on '{dataset_cfg['abbr']}' at {store.path} (or "
                          f"they were made with another config): the judge grades the answers inference made. Run "
                          f"inference first (--mode all or infer).")
    return [answers_of(r) for r in checked_records(as_eval, dataset_cfg, rows)]


def judge_subject(judge: BaseModel, spec: TaskSpec, dataset_cfg: Mapping[str, Any], subject: tuple[str, ...]) -> int:
    """Make the judgements of one subject on one dataset that are not on disk yet; returns how many exist."""
    judging = dataset_judging(dataset_cfg, task_settings(spec))
    rows = read_splits(dataset_cfg)[1]
    answers = {m: candidate_answers(spec, dataset_cfg, m, len(rows)) for m in subject}
    todo = jobs(judging, rows, pair=len(subject) == 2)
    max_out_len = int(getattr(judge, 'max_out_len', 512))
    name = f"{dataset_cfg['abbr']}:{subject_name(subject)}"
    with judgement_store(spec, dataset_cfg, subject) as store:
        done = store.open_for_writing()
        pending = [job for job in todo if job.index not in done]
        if done:
            print(f'{name}: resuming, {len(todo) - len(pending)} of {len(todo)} judgements already made', flush=True)
        for start in range(0, len(pending), CHUNK_SIZE):
            chunk = pending[start:start + CHUNK_SIZE]
            dialogues = [messages(job, rows[job.row], judging, [answers[m][job.row] for m in subject])
                         for job in chunk]
            outputs = judge.generate(dialogues, max_out_len)
            store.append(_record(job, judge, dialogue, raw, subject, rows[job.row], judging.category_column)
                         for job, dialogue, raw in zip(chunk, dialogues, outputs))
        store.mark_complete(len(todo), total=len(todo))
    return len(todo)


def _record(job: Job, judge: BaseModel, dialogue: Sequence[Any], raw: str, subject: tuple[str, ...],
            row: Mapping[str, Any], category_column: str | None) -> dict[str, Any]:
    record = {'index': job.index, 'row': job.row, 'turn': job.turn, 'models': list(subject), 'judge': judge.abbr,
              'prompt_name': job.prompt.name, 'category': None if category_column is None else row.get(category_column),
              'judge_prompt': judge.render(list(dialogue)), 'raw': raw}
    return {**record, 'order': job.order} if job.order else record


def run(spec: TaskSpec) -> None:
    todo = [(ds, s) for ds in spec.datasets for s in task_subjects(spec, ds)
            if not judgement_store(spec, ds, s).is_complete()]
    if not todo:
        return
    judge = load_model(spec.model)
    judge.use_response_cache(RunDir(Path(spec.work_dir)).api_cache())  # a resumed run pays no judgement twice
    for dataset_cfg, subject in todo:
        count = judge_subject(judge, spec, dataset_cfg, subject)
        print(f"{dataset_cfg['abbr']}:{subject_name(subject)}: {count} judgements complete", flush=True)


if __name__ == '__main__':
    sys.exit(task_main(run))
