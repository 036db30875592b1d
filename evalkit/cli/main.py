"""``python run.py``: build the run config, pick the output folder, run the stages, print the summary."""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType

from mmengine.config import Config

from evalkit.atomic import naming_failures
from evalkit.cli.args import build_parser
from evalkit.cli.run_config import build_run_config
from evalkit.config.errors import ConfigError
from evalkit.config.loading import load_config, run_config
from evalkit.config.plain import to_plain
from evalkit.config.secrets import redact
from evalkit.config.validation import validate_run_config
from evalkit.notify import run_notifier
from evalkit.outputs import RunDir, claim_new_run_dir, earlier_runs, run_stamp
from evalkit.pipeline import RunOptions, run_pipeline, summarize
from evalkit.provenance import announce_run
from evalkit.resources import default_outputs_root
from evalkit.subjective.stage import report_judgements


def choose_run_dir(work_dir: Path, reuse: str | None, mode: str, dry_run: bool = False) -> RunDir:
    """The run folder: an earlier one for ``-r``, else a new one claimed exclusively (only named on a dry run)."""
    if reuse is None:
        if mode in ('eval', 'viz'):
            raise ConfigError(f'--mode {mode} works on an earlier run: add -r (latest) or -r TIMESTAMP.')
        if dry_run:
            return RunDir(work_dir / run_stamp())
        try:
            return claim_new_run_dir(work_dir)
        except OSError as exc:
            raise ConfigError(f"Cannot create a run folder under '{work_dir}': {exc.strerror or exc}. "
                              f'Choose a writable folder with -w/--work-dir.') from exc
    runs = earlier_runs(work_dir)
    if reuse == 'latest':
        if not runs:
            raise ConfigError(f"-r latest: no earlier run under '{work_dir}'. Run once without -r first.")
        return RunDir(runs[-1])
    if not (work_dir / reuse).is_dir():
        raise ConfigError(f"-r {reuse}: no run folder '{work_dir / reuse}'. "
                          f"Earlier runs: {', '.join(p.name for p in runs[-5:]) or 'none'}.")
    return RunDir(work_dir / reuse)


def saved_run_config(args: argparse.Namespace) -> tuple[Config, str] | None:
    """``-m viz``/``-m eval`` with ``-r`` and nothing named to evaluate: the config the run saved when it
    started, so an earlier run (another machine's, an old one) is re-summarised from its folder alone."""
    named = (args.config, args.datasets, args.models, args.hf_path, args.custom_dataset_path)
    if args.mode not in ('viz', 'eval') or args.reuse is None or any(named):
        return None
    run_dir = choose_run_dir(Path(args.work_dir or default_outputs_root() / 'default'), args.reuse, args.mode)
    path = run_dir.root / 'configs' / f'{run_dir.timestamp}.py'
    if not path.is_file():
        raise ConfigError(f"-m {args.mode} -r {args.reuse}: '{path}' is missing, so this run folder does not say "
                          f'what it evaluated. Give the config file or --models/--datasets the run used.')
    return run_config(load_config(path), str(path)), str(path)


def dump_config(cfg: Config, run_dir: RunDir) -> Path:
    path = run_dir.root / 'configs' / f'{run_dir.timestamp}.py'
    path.parent.mkdir(parents=True, exist_ok=True)
    with naming_failures(path):
        # Not through yapf: formatting a C-Eval-sized config took 8 s of every run; the indented dump reads fine.
        Config(redact(to_plain(cfg)), format_python_code=False).dump(str(path))
    return path


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f'signal {signum}')


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    announce_run(sys.argv[1:] if argv is None else argv)  # command and start time, for provenance records
    # SIGTERM (kill, a scheduler's time limit) stops a run like Ctrl-C does, so runners end
    # the processes and cancel the Slurm jobs they started instead of leaving them behind.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if (args.partition or args.qos) and not args.slurm:
            raise ConfigError('-p/--partition and -q/--qos say where --slurm submits tasks: add --slurm.')
        cfg, source = saved_run_config(args) or build_run_config(args)
        validate_run_config(cfg, source)
        notifier = run_notifier(cfg.get('notify'), args.notify_url, args.notify_kind)  # sends in the background
        experiment = Path(args.config).stem if args.config else 'default'
        work_dir = Path(args.work_dir or cfg.get('work_dir') or default_outputs_root() / experiment)
        run_dir = choose_run_dir(work_dir, args.reuse, args.mode, args.dry_run)
        options = RunOptions(mode=args.mode, max_num_workers=args.max_num_workers, retry=args.retry,
                             debug=args.debug, dry_run=args.dry_run, slurm=args.slurm,
                             slurm_partition=args.partition, slurm_qos=args.qos)
        if args.dry_run:
            for kind, tasks in run_pipeline(cfg, run_dir, options).items():
                print(f'{kind}: {len(tasks)} task(s)')
                for task in tasks:
                    names = [d['abbr'] for d in task.datasets]
                    shown = ', '.join(names[:4]) + (f', ... ({len(names) - 4} more)' if len(names) > 4 else '')
                    print(f'  {task.name}  [{shown}]')
            return 0
        run_dir.create()
        dump_config(cfg, run_dir)
        print(f'Run folder: {run_dir.root}', flush=True)
        notifier.started(run_dir, cfg)
        options.on_failure = notifier.task_failed
        run_pipeline(cfg, run_dir, options)
        print(summarize(cfg, run_dir))
        judge_problems = report_judgements(cfg, run_dir)  # judged datasets: their own table, parse-failure check
        notifier.finished(run_dir, options.failures)
        print(f"\nSummary written to {run_dir.summary('{csv,txt,md}')}")
        # Imported here: matplotlib and pandas would slow every run that stops early (a config error).
        from evalkit.report import report_after_summary

        if not report_after_summary(cfg, run_dir) and args.mode == 'viz':
            return 1  # only -m viz fails for it: a run's results and summary are already safe on disk
    except ConfigError as exc:
        print(f'evalkit: error: {exc}', file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk or a read-only folder while writing the run's own files
        print(f'evalkit: error: {exc.filename or "the run folder"}: {exc.strerror or exc}. Files already written '
              f'are intact; free disk space or make the folder writable, then resume with -r.', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('\nevalkit: interrupted; the tasks this run started were stopped.', file=sys.stderr)
        return 130
    if options.failures:
        print(f'\n{len(options.failures)} task(s) failed:', file=sys.stderr)
        for outcome in options.failures:
            print(outcome.describe_failure(), file=sys.stderr)
    for problem in judge_problems:
        print(f'evalkit: error: {problem}', file=sys.stderr)
    return 1 if options.failures or judge_problems else 0
