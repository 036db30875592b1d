"""The stages of a run, in order: partition -> run inference -> run evaluation -> judge -> summarise."""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tqdm import tqdm

from evalkit.config.defaults import DEFAULT_WORKERS, default_stage
from evalkit.config.validation import check_stage, summarizer_config
from evalkit.outputs import RunDir
from evalkit.registry import PARTITIONERS, RUNNERS, SUMMARIZERS, build, resolve_type
from evalkit.runners.base import BaseRunner, TaskOutcome
from evalkit.runners.slurm import SlurmRunner
from evalkit.subjective.settings import objective
from evalkit.subjective.stage import judge_tasks
from evalkit.tasks.completion import missing_outputs, prediction_store
from evalkit.tasks.rerun_reasons import rerun_reasons
from evalkit.tasks.shards import merge_run_shards
from evalkit.tasks.spec import TaskSpec


@dataclass
class RunOptions:
    mode: str = 'all'
    max_num_workers: int | None = None
    retry: int = 0
    debug: bool = False
    dry_run: bool = False
    slurm: bool = False  # --slurm [-p PARTITION] [-q QOS]: run every task as a Slurm job
    slurm_partition: str | None = None
    slurm_qos: str | None = None
    failures: list[TaskOutcome] = field(default_factory=list)
    on_failure: Callable[[TaskOutcome], None] | None = None  # told of each task that failed for good


def stage_config(cfg: Mapping[str, Any], kind: str, options: RunOptions) -> dict[str, Any]:
    """The partitioner and runner of a stage: the config's own, with CLI flags on top."""
    base = default_stage(kind, options.max_num_workers or DEFAULT_WORKERS, options.debug)
    own = cfg.get(kind) or {}
    stage = {key: dict(own.get(key) or base[key]) for key in ('partitioner', 'runner')}
    if options.debug:
        stage['runner'] = base['runner']  # debug always runs tasks here, one by one
    else:
        if options.slurm:
            stage['runner'] = _slurm_runner(stage['runner'], options)
        if options.max_num_workers:
            stage['runner']['max_num_workers'] = options.max_num_workers
    if options.retry:
        stage['runner']['retry'] = options.retry
    return stage


def _slurm_runner(configured: dict[str, Any], options: RunOptions) -> dict[str, Any]:
    """``--slurm``: a SlurmRunner, keeping the config's Slurm settings (memory, gres...) if it has any."""
    is_slurm = 'type' in configured and resolve_type(configured['type'], RUNNERS, 'runner.type') is SlurmRunner
    runner = dict(configured) if is_slurm else {'type': 'SlurmRunner'}
    if options.slurm_partition:
        runner['partition'] = options.slurm_partition
    if options.slurm_qos:
        runner['qos'] = options.slurm_qos
    return runner


def plan(cfg: Mapping[str, Any], kind: str, run_dir: RunDir,
         options: RunOptions) -> tuple[list[TaskSpec], BaseRunner]:
    """The tasks of a stage that still owe outputs (complete inference is reused, never
    resubmitted), and the runner that is to execute them."""
    stage = stage_config(cfg, kind, options)
    partitioner = build(stage['partitioner'], PARTITIONERS, f'{kind}.partitioner')
    runner = build(stage['runner'], RUNNERS, f'{kind}.runner')
    if not options.dry_run:
        merge_run_shards(run_dir, cfg['models'], cfg['datasets'])  # shards an earlier run finished
    tasks = partitioner.partition(kind, cfg['models'], cfg['datasets'], str(run_dir.root),
                                  num_workers=runner.num_workers)
    if kind == 'infer':
        tasks = [t for t in tasks if missing_outputs(t)]
        for line in rerun_reasons(tasks):  # why earlier predictions are not reused as they are
            tqdm.write(line)
    return tasks, runner


def run_stage(cfg: Mapping[str, Any], kind: str, run_dir: RunDir, options: RunOptions) -> list[TaskSpec]:
    tasks, runner = plan(cfg, kind, run_dir, options)
    if kind == 'eval':
        # Evaluate only what inference produced; failed inference is already reported.
        tasks = [ready for t in tasks if (ready := _with_predictions_only(t))]
    if options.dry_run or not tasks:
        return tasks
    tqdm.write(f'{kind}: {len(tasks)} task(s)')
    launch(runner, tasks, run_dir, options)
    if kind == 'infer':
        merge_run_shards(run_dir, cfg['models'], cfg['datasets'])
    return tasks


def launch(runner: BaseRunner, tasks: Sequence[TaskSpec], run_dir: RunDir, options: RunOptions) -> None:
    """Run a stage's tasks; each failure is kept for the exit code and told to ``options.on_failure``
    (the webhook notifier) as soon as the runner knows it failed for good, whatever the stage."""
    options.failures.extend(o for o in runner.launch(tasks, run_dir, options.on_failure) if not o.ok)


def _with_predictions_only(eval_task: TaskSpec) -> TaskSpec | None:
    """The eval task cut to the datasets whose predictions are complete (None if there are none)."""
    ready = tuple(ds for ds in eval_task.datasets if prediction_store(eval_task, ds).is_complete())
    return replace(eval_task, datasets=ready) if ready else None


def summarize(cfg: Mapping[str, Any], run_dir: RunDir) -> str:
    """The summary table, followed by a warning line for every dataset whose prompts were cut."""
    summarizer = build(summarizer_config(cfg), SUMMARIZERS, 'summarizer')
    table = summarizer.summarize(run_dir, [m['abbr'] for m in cfg['models']], objective(cfg['datasets']))
    # imported here, not at the top: summarizers import pandas (a second before any config error)
    from evalkit.summarizers.needlebench import write_needle_summaries

    write_needle_summaries(run_dir, [m['abbr'] for m in cfg['models']], cfg['datasets'])  # grids + heatmaps
    return '\n'.join([table, *truncation_warnings(cfg, run_dir)])


def truncation_warnings(cfg: Mapping[str, Any], run_dir: RunDir) -> list[str]:
    """One line per model and dataset whose prompts lost tokens to left truncation (the results'
    ``truncated_prompts``): a shortened few-shot prompt changes the score and must not pass unseen."""
    lines = []
    for model in cfg['models']:
        for ds in cfg['datasets']:
            try:
                result = json.loads(run_dir.results(model['abbr'], ds['abbr']).read_text(encoding='utf-8'))
            except (OSError, ValueError):
                continue
            if result.get('truncated_prompts'):
                lines.append(
                    f"WARNING: {model['abbr']} / {ds['abbr']}: {result['truncated_prompts']} of "
                    f"{result.get('num_examples', '?')} prompts were longer than max_seq_len and lost their "
                    f"beginning (left truncation). Raise the model's max_seq_len or use fewer in-context examples.")
    return lines


def run_pipeline(cfg: Mapping[str, Any], run_dir: RunDir, options: RunOptions) -> dict[str, Sequence[TaskSpec]]:
    """Run the stages the mode asks for; returns the tasks of each stage that ran (or would run)."""
    planned: dict[str, Sequence[TaskSpec]] = {}
    for kind in ('infer', 'eval'):  # both stages as the flags make them, before any work
        check_stage(stage_config(cfg, kind, options), kind)
    if options.mode in ('all', 'infer'):
        planned['infer'] = run_stage(cfg, 'infer', run_dir, options)
    scored = {**cfg, 'datasets': objective(cfg['datasets'])}  # judged datasets have no evaluator
    if options.mode in ('all', 'eval') and not options.dry_run and scored['datasets']:
        planned['eval'] = run_stage(scored, 'eval', run_dir, options)
    elif options.mode in ('all', 'eval') and scored['datasets']:
        planned['eval'] = plan(scored, 'eval', run_dir, options)[0]
    if options.mode in ('all', 'eval') and cfg.get('judge_models'):
        planned['judge'] = run_judge_stage(cfg, run_dir, options)
    return planned


def run_judge_stage(cfg: Mapping[str, Any], run_dir: RunDir, options: RunOptions) -> list[TaskSpec]:
    """Judge the complete answers, with the inference stage's runner (a judge is a model to run)."""
    tasks = judge_tasks(cfg, run_dir, ready_only=not options.dry_run)
    if options.dry_run or not tasks:
        return tasks
    runner = build(stage_config(cfg, 'infer', options)['runner'], RUNNERS, 'infer.runner')
    tqdm.write(f'judge: {len(tasks)} task(s)')
    launch(runner, tasks, run_dir, options)
    return tasks
