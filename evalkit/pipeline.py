"""The stages of a run, in order: partition -> run inference -> run evaluation -> summarise."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from evalkit.config.defaults import DEFAULT_SUMMARIZER, DEFAULT_WORKERS, default_stage
from evalkit.outputs import RunDir
from evalkit.registry import PARTITIONERS, RUNNERS, SUMMARIZERS, build
from evalkit.runners.base import TaskOutcome
from evalkit.tasks.completion import missing_outputs
from evalkit.tasks.spec import TaskSpec


@dataclass
class RunOptions:
    mode: str = 'all'
    max_num_workers: int | None = None
    retry: int = 0
    debug: bool = False
    dry_run: bool = False
    failures: list[TaskOutcome] = field(default_factory=list)


def stage_config(cfg: Mapping[str, Any], kind: str, options: RunOptions) -> dict[str, Any]:
    """The partitioner and runner of a stage: the config's own, with CLI flags on top."""
    base = default_stage(kind, options.max_num_workers or DEFAULT_WORKERS, options.debug)
    own = cfg.get(kind) or {}
    stage = {key: dict(own.get(key) or base[key]) for key in ('partitioner', 'runner')}
    if options.debug:
        stage['runner'] = base['runner']  # debug always runs tasks here, one by one
    elif options.max_num_workers:
        stage['runner']['max_num_workers'] = options.max_num_workers
    if options.retry:
        stage['runner']['retry'] = options.retry
    return stage


def plan(cfg: Mapping[str, Any], kind: str, run_dir: RunDir, options: RunOptions) -> list[TaskSpec]:
    stage = stage_config(cfg, kind, options)
    partitioner = build(stage['partitioner'], PARTITIONERS, f'{kind}.partitioner')
    tasks = partitioner.partition(kind, cfg['models'], cfg['datasets'], str(run_dir.root))
    if kind == 'infer':
        tasks = [t for t in tasks if missing_outputs(t)]  # content-hash reuse: complete tasks are skipped
    return tasks


def run_stage(cfg: Mapping[str, Any], kind: str, run_dir: RunDir, options: RunOptions) -> list[TaskSpec]:
    tasks = plan(cfg, kind, run_dir, options)
    if kind == 'eval':
        # Evaluate only what inference produced; failed inference is already reported.
        tasks = [t for t in tasks if _predictions_ready(t)]
    if options.dry_run or not tasks:
        return tasks
    runner = build(stage_config(cfg, kind, options)['runner'], RUNNERS, f'{kind}.runner')
    tqdm.write(f'{kind}: {len(tasks)} task(s)')
    options.failures.extend(o for o in runner.launch(tasks, run_dir) if not o.ok)
    return tasks


def _predictions_ready(eval_task: TaskSpec) -> bool:
    infer_view = TaskSpec(kind='infer', work_dir=eval_task.work_dir, model=eval_task.model,
                          datasets=eval_task.datasets)
    return not missing_outputs(infer_view)


def summarize(cfg: Mapping[str, Any], run_dir: RunDir) -> str:
    summarizer = build(cfg.get('summarizer') or DEFAULT_SUMMARIZER, SUMMARIZERS, 'summarizer')
    return summarizer.summarize(run_dir, [m['abbr'] for m in cfg['models']], cfg['datasets'])


def run_pipeline(cfg: Mapping[str, Any], run_dir: RunDir, options: RunOptions) -> dict[str, Sequence[TaskSpec]]:
    """Run the stages the mode asks for; returns the tasks of each stage that ran (or would run)."""
    planned: dict[str, Sequence[TaskSpec]] = {}
    if options.mode in ('all', 'infer'):
        planned['infer'] = run_stage(cfg, 'infer', run_dir, options)
    if options.mode in ('all', 'eval') and not options.dry_run:
        planned['eval'] = run_stage(cfg, 'eval', run_dir, options)
    elif options.mode in ('all', 'eval'):
        planned['eval'] = plan(cfg, 'eval', run_dir, options)
    return planned
