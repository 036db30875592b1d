"""The judge stage of a run: which judge tasks to run, and the summary of what the judges said."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalkit.outputs import RunDir
from evalkit.subjective.partitioner import SubjectivePartitioner
from evalkit.subjective.settings import judge_settings, subjective
from evalkit.subjective.summary import SubjectiveSummarizer
from evalkit.tasks.completion import missing_outputs, prediction_store
from evalkit.tasks.spec import TaskSpec


def _answered_everything(model: Mapping[str, Any], graded: list[Mapping[str, Any]], run_dir: RunDir) -> bool:
    probe = TaskSpec(kind='eval', work_dir=str(run_dir.root), model=dict(model), datasets=tuple(map(dict, graded)))
    return all(prediction_store(probe, ds).is_complete() for ds in graded)


def judge_tasks(cfg: Mapping[str, Any], run_dir: RunDir, ready_only: bool = True) -> list[TaskSpec]:
    """The judge tasks that still owe judgements.  With ``ready_only`` only models whose answers to
    every judged dataset are complete are judged (a model whose inference failed is reported there)."""
    graded = subjective(cfg['datasets'])
    models = [m for m in cfg['models'] if not ready_only or _answered_everything(m, graded, run_dir)]
    if not models:
        return []
    tasks = SubjectivePartitioner().partition(cfg['judge_models'], models, graded, str(run_dir.root),
                                              judge_settings(cfg))
    return [t for t in tasks if missing_outputs(t)]


def summarize_subjective(cfg: Mapping[str, Any], run_dir: RunDir) -> tuple[str, list[str]]:
    """The subjective summary's text, and one paragraph per judged dataset x model x judge whose
    share of unreadable judgements is above ``judge.max_parse_failure_rate`` (the run then fails)."""
    settings = judge_settings(cfg)
    summarizer = SubjectiveSummarizer(settings.max_parse_failure_rate)
    return summarizer.summarize(run_dir, [j['abbr'] for j in cfg['judge_models']], [m['abbr'] for m in cfg['models']],
                                cfg['datasets'], settings)


def report_judgements(cfg: Mapping[str, Any], run_dir: RunDir) -> list[str]:
    """Print the judges' summary (when the run has judges); return its problems, which fail the run."""
    if not cfg.get('judge_models'):
        return []
    text, problems = summarize_subjective(cfg, run_dir)
    print(f'\n{text}\n\nJudges\' summary written to {run_dir.subjective_summary("{csv,txt,md}")}')
    return problems
