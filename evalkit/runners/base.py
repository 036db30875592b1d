"""The runner contract: run tasks, retry failures, and put every error in front of the user."""
from __future__ import annotations

import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from evalkit.atomic import naming_failures
from evalkit.outputs import RunDir
from evalkit.tasks import TASK_MODULES
from evalkit.tasks.completion import missing_outputs
from evalkit.tasks.spec import TaskSpec

ERROR_TAIL_LINES = 15


@dataclass(frozen=True)
class TaskOutcome:
    spec: TaskSpec
    returncode: int
    log_path: Path
    missing: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.missing

    def describe_failure(self) -> str:
        if self.returncode != 0:
            head = f'Task {self.spec.name} failed (exit code {self.returncode}).'
        else:
            head = f'Task {self.spec.name} exited 0 but did not write outputs for: {", ".join(self.missing)}.'
        return f'{head} Last lines of {self.log_path}:\n{log_tail(self.log_path)}'


def log_tail(path: Path, lines: int = ERROR_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding='utf-8', errors='replace').splitlines()
    except OSError:
        return '    (no log was written)'
    kept = [line for line in text if line.strip() and '\r' not in line][-lines:]  # drop progress-bar frames
    return '\n'.join('    ' + line for line in kept)


def task_command(spec_path: Path, kind: str) -> list[str]:
    """The argv that runs a task: the same interpreter, a module, a spec file; never a shell string."""
    return [sys.executable, '-m', TASK_MODULES[kind], str(spec_path)]


FailureListener = Callable[['TaskOutcome'], None]


class Progress:
    """The live line over a stage's tasks (done of total, running, failed); a failed task's
    error tail is printed above it, and told to ``on_failure`` (the webhook), the moment the task
    ends, not only at the end of the run: a user watching a long run learns of it hours earlier."""

    def __init__(self, total: int, active: str = 'running', on_failure: FailureListener | None = None) -> None:
        self.bar = tqdm(total=total, desc='tasks', unit='task')
        self.active = active
        self.on_failure = on_failure
        self._running: set[str] = set()
        self.failed = 0
        self._lock = threading.Lock()
        self._show()

    def _show(self) -> None:
        self.bar.set_postfix_str(f'{len(self._running)} {self.active}, {self.failed} failed', refresh=True)

    def started(self, spec: TaskSpec) -> None:
        with self._lock:
            self._running.add(spec.name)
            self._show()

    def finished(self, spec: TaskSpec, code: int, log_path: Path) -> None:
        with self._lock:
            self._running.discard(spec.name)
            if code != 0:
                self.failed += 1
                outcome = TaskOutcome(spec, code, log_path)
                tqdm.write(outcome.describe_failure())
                if self.on_failure:
                    self.on_failure(outcome)
            self.bar.update(1)
            self._show()

    def close(self) -> None:
        self.bar.close()


class BaseRunner(ABC):
    """Runs tasks with up to ``retry`` extra attempts each; a task counts as done only when
    it exited 0 and every output it owes exists."""

    progress_word = 'running'  # what the live line calls started tasks

    def __init__(self, retry: int = 0, debug: bool = False) -> None:
        self.retry = retry
        self.debug = debug
        self._tell_failure: FailureListener | None = None  # set by launch() for the last attempt only

    @property
    @abstractmethod
    def num_workers(self) -> int:
        """How many tasks run at once; partitioners size tasks by it."""

    @abstractmethod
    def run_tasks(self, tasks: Sequence[tuple[TaskSpec, Path, Path]]) -> list[int]:
        """Execute (spec, spec file, log file) triples; return their exit codes in order."""

    def progress(self, total: int) -> Progress:
        """The live line for one attempt at ``total`` tasks (run_tasks makes one)."""
        return Progress(total, self.progress_word, on_failure=self._tell_failure)

    def launch(self, tasks: Sequence[TaskSpec], run_dir: RunDir,
               on_failure: FailureListener | None = None) -> list[TaskOutcome]:
        """Every task's outcome, in order.  ``on_failure`` hears of each task that failed for good:
        of a crash as it happens (on the last attempt, so a retried task is not reported twice),
        of a task that exited 0 without its outputs (or crashed in debug mode) when the stage ends."""
        told: set[str] = set()

        def tell(outcome: TaskOutcome) -> None:
            told.add(outcome.spec.name)
            if on_failure:
                on_failure(outcome)

        try:
            outcomes = self._attempts(tasks, run_dir, tell)
        finally:
            self._tell_failure = None
        for outcome in outcomes:
            if not outcome.ok and outcome.spec.name not in told:
                tell(outcome)
        return outcomes

    def _attempts(self, tasks: Sequence[TaskSpec], run_dir: RunDir, tell: FailureListener) -> list[TaskOutcome]:
        outcomes: dict[int, TaskOutcome] = {}
        todo = list(range(len(tasks)))
        for attempt in range(self.retry + 1):
            self._tell_failure = tell if attempt == self.retry else None
            triples = []
            for i in todo:
                spec = tasks[i]
                log_path = run_dir.task_log(spec.kind, spec.label)
                log_path.parent.mkdir(parents=True, exist_ok=True)
                spec_path = run_dir.task_spec(spec.kind, spec.label)
                with naming_failures(spec_path):
                    triples.append((spec, spec.dump(spec_path), log_path))
            codes = self.run_tasks(triples)
            for i, code, (spec, _, log_path) in zip(todo, codes, triples):
                outcomes[i] = TaskOutcome(spec, code, log_path, tuple(missing_outputs(spec)))
            todo = [i for i in todo if not outcomes[i].ok]
            if not todo:
                break
            if attempt < self.retry:
                tqdm.write(f'Retrying {len(todo)} failed task(s) (attempt {attempt + 2} of {self.retry + 1}).')
        return [outcomes[i] for i in range(len(tasks))]
