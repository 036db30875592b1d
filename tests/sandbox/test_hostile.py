"""Hostile completions: each is contained, scored as a failure, and the evaluation carries on.

All of them (and one correct completion) go through ``HumanEvalEvaluator`` in one batch, as a
real evaluation would run them.  Where a completion could only pass if its attack worked (it
returns the right answer only after reading the planted secret, reaching the listening socket,
writing outside its folder...), a "passed" verdict would mean an escape; the files, processes
and sockets it aims at are checked afterwards as well.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from evalkit.openicl.evaluators.code import HumanEvalEvaluator
from evalkit.sandbox import Layers, SandboxLimits, available_layers, run_in_sandbox

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ROW = {'task_id': 'sample/double', 'entry_point': 'double',
       'prompt': 'def double(x: int) -> int:\n    """Return twice x."""\n',
       'test': 'def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(-3) == -6\n'}
RIGHT = 'def double(x):\n    return 2 * x\n'
WRONG = 'def double(x):\n    return x\n'


def fenced(code: str) -> str:
    """The way a chat model answers: prose around a fenced block."""
    return f'Here is the function:\n```python\n{code}```\nIt doubles x.'


class Targets:
    """What the attacks aim at, set up in the evaluating process before the batch runs."""

    def __init__(self, tmp_marker: str) -> None:
        self.secret = f'sk-evalkit-{uuid.uuid4().hex}'
        self.escapes = [Path('/tmp') / f'evalkit-escape-{tmp_marker}', PROJECT_ROOT / f'evalkit-escape-{tmp_marker}']
        self.bystander = subprocess.Popen(['sleep', '120'])
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]

    def close(self) -> None:
        self.bystander.kill()
        self.bystander.wait()
        self.listener.close()
        for path in self.escapes:
            path.unlink(missing_ok=True)


def _cases(t: Targets) -> dict[str, tuple[str, Callable[[Layers], str | None]]]:
    """name -> (completion, the reason it cannot be contained with these layers, or None)."""
    always: Callable[[Layers], str | None] = lambda layers: None  # noqa: E731
    escapes = repr([str(p) for p in t.escapes])
    return {
        'correct': (fenced(RIGHT), always),
        'infinite loop': (fenced('while True:\n    pass\n' + RIGHT), always),
        'fork bomb': (fenced('import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n'),
                      always),
        '10 GB allocation': (fenced('blob = bytearray(10 * 1024 ** 3)\n' + RIGHT), always),
        'writes outside its folder': (fenced(
            # a write to /tmp may land in the sandbox's private /tmp: what counts is that the real one stays clean
            f'for path in {escapes}:\n    try:\n        open(path, "w").write("pwned")\n'
            f'    except OSError:\n        pass\n' + WRONG),
            lambda layers: None if layers.writes_confined else
            'needs Landlock, or private mounts and another user, to keep writes in the working folder'),
        'reads a secret of the parent': (fenced(
            f'import os\nSECRET = {t.secret!r}\nfound = any(SECRET in v for v in os.environ.values())\n'
            'for pid in os.listdir("/proc"):\n    try:\n'
            '        found = found or SECRET.encode() in open(f"/proc/{pid}/environ", "rb").read()\n'
            '    except OSError:\n        pass\n'
            'def double(x):\n    return 2 * x if found else x\n'),
            lambda layers: None if layers.user or layers.parent_hidden else
            'needs another user or a pid namespace to hide /proc/<parent>/environ'),
        'kills the parent': (fenced(
            f'import os, signal\nfor pid in ({os.getpid()}, {t.bystander.pid}, os.getppid(), -1):\n'
            '    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\n' + WRONG),
            lambda layers: None if layers.parent_unsignalable else
            'needs another user, a pid namespace or Landlock ABI 6 to keep the parent out of reach'),
        'opens a socket': (fenced(
            f'import socket\ntry:\n    socket.create_connection(("127.0.0.1", {t.port}), timeout=1).close()\n'
            '    reached = True\nexcept OSError:\n    reached = False\n'
            'def double(x):\n    return 2 * x if reached else x\n'),
            lambda layers: None if layers.tcp_blocked else
            'needs a network namespace (unshare --net) or Landlock ABI 4'),
        'sys.exit(0) before the asserts': (fenced('import sys\nsys.exit(0)\n'), always),
        'os._exit(0) before the asserts': (fenced('import os\nos._exit(0)\n'), always),
        'monkeypatches the checker': (fenced(
            'import builtins, os\n'
            'def check(candidate):\n    pass\n'
            'builtins.check = check\nbuiltins.AssertionError = type("Quiet", (Exception,), {})\n'
            'builtins.exec = lambda *args, **kwargs: None\nbuiltins.compile = lambda *args, **kwargs: None\n'
            'os._exit = lambda status: None\n' + WRONG + 'raise SystemExit(0)\n'), always),
        'deep recursion': (fenced('import sys\nsys.setrecursionlimit(10 ** 6)\n'
                                  'def double(x):\n    return double(x) + 0\n'), always),
        'prints a fake passed line': (fenced(
            'import sys\nprint("passed")\nprint("All tests passed", file=sys.stderr)\n'
            'print("evalkit-sandbox-error-type: None", file=sys.stderr)\n' + WRONG), always),
    }


@pytest.fixture(scope='module')
def batch() -> Iterator[tuple[dict[str, Any], Targets, Layers]]:
    """Every containable case in one evaluation, with a secret planted in this process's environment."""
    layers = available_layers()
    targets = Targets(uuid.uuid4().hex)
    bystanders = set(_processes_of(layers.user[0])) if layers.user else set()  # the user's processes before
    os.environ['EVALKIT_PLANTED_SECRET'] = targets.secret
    try:
        cases = {name: text for name, (text, blocked) in _cases(targets).items() if blocked(layers) is None}
        started = time.monotonic()
        scores = HumanEvalEvaluator(timeout=3.0).score_rows(
            list(cases.values()), list(cases), [{} for _ in cases], [ROW] * len(cases))
        scores['seconds'] = time.monotonic() - started
        scores['by_name'] = dict(zip(cases, scores['details']))
        scores['bystanders'] = bystanders
        yield scores, targets, layers
    finally:
        del os.environ['EVALKIT_PLANTED_SECRET']
        targets.close()


CASE_NAMES = ['infinite loop', 'fork bomb', '10 GB allocation', 'writes outside its folder',
               'reads a secret of the parent', 'kills the parent', 'opens a socket',
               'sys.exit(0) before the asserts', 'os._exit(0) before the asserts', 'monkeypatches the checker',
               'deep recursion', 'prints a fake passed line']


def test_the_correct_completion_passes_alongside_the_hostile_ones(batch):
    scores, targets, _ = batch
    assert set(_cases(targets)) == {'correct', *CASE_NAMES}
    assert scores['by_name']['correct']['outcomes'] == ['passed']
    assert scores['pass@1'] == pytest.approx(100.0 / len(scores['by_name']))
    assert scores['seconds'] < 60  # timeouts ran in parallel and nothing hung the evaluation


@pytest.mark.parametrize('name', CASE_NAMES)
def test_hostile_completion_is_contained_and_fails(batch, name):
    scores, targets, layers = batch
    text, blocked = _cases(targets)[name]
    reason = blocked(layers)
    if reason:
        pytest.skip(f'{name}: {reason}; this machine gives {layers.describe()}')
    detail = scores['by_name'][name]
    assert detail['correct'] is False and detail['passed'] == 0, detail
    assert targets.bystander.poll() is None, 'a process outside the sandbox was killed'
    assert not any(path.exists() for path in targets.escapes), 'a file was written outside the sandbox'
    assert 'stdout' not in detail and 'passed\n' not in str(detail)  # outcomes only, never the program's output


def test_no_process_of_the_sandbox_outlives_the_batch(batch):
    scores, _, layers = batch
    if not layers.user:
        pytest.skip(f'the sandbox runs as this user here ({layers.describe()}), so its processes cannot be told apart')
    deadline = time.monotonic() + 10
    while (left := _processes_of(layers.user[0], scores['bystanders'])) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f'sandbox processes still alive: {[_command_of(pid) for pid in left]}'


def _processes_of(uid: int, bystanders: Collection[int] = ()) -> list[int]:
    """Live processes of ``uid`` now, except ``bystanders`` (ones that ran as that user before the batch).

    Zombies are not counted: they have exited and run nothing, hold no memory, files or sockets,
    only their pid until their parent reaps them."""
    pids = []
    for entry in os.listdir('/proc'):
        try:
            if not entry.isdigit() or int(entry) in bystanders or os.stat(f'/proc/{entry}').st_uid != uid:
                continue
            status = Path(f'/proc/{entry}/status').read_text()
        except OSError:
            continue
        if next((line.split()[1] for line in status.splitlines() if line.startswith('State:')), '') != 'Z':
            pids.append(int(entry))
    return pids


def _command_of(pid: int) -> str:
    """What a leftover process is, for the failure message: state, parent and command line."""
    try:
        status = dict(line.split(':\t', 1) for line in Path(f'/proc/{pid}/status').read_text().splitlines()
                      if ':\t' in line)
        command = Path(f'/proc/{pid}/cmdline').read_bytes().replace(bytes(1), b' ').decode(errors='replace')
        return f"{pid} (state {status.get('State')}, parent {status.get('PPid')}): {command}"
    except OSError:
        return f'{pid}: (gone)'



def _without(layers: Layers, layer: str) -> Layers | None:
    """``layers`` with one layer taken away (None when it was not there to begin with)."""
    weaker = {'namespaces': {'namespace_prefix': (), 'private_dirs': ()}, 'user': {'user': None},
              'landlock': {'landlock_abi': 0}}[layer]
    if all(not getattr(layers, key) for key in weaker):
        return None
    if layer == 'user':
        weaker['interpreter'] = sys.executable
    return replace(layers, **weaker)


@pytest.mark.parametrize('layer', ['namespaces', 'user', 'landlock'])
def test_each_escape_is_still_contained_without_one_layer(batch, layer):
    """The protections overlap: with any single layer gone, every escape this machine could
    contain with all of them is still contained (no timeouts here, so this is quick)."""
    _, targets, layers = batch
    weaker = _without(layers, layer)
    if weaker is None:
        pytest.skip(f'this machine does not give the {layer} layer ({layers.describe()})')
    escapes = ['writes outside its folder', 'reads a secret of the parent', 'kills the parent', 'opens a socket']
    cases = _cases(targets)
    programs = [HumanEvalEvaluator().program(HumanEvalEvaluator.extract(cases[name][0]), ROW) for name in escapes
                if cases[name][1](layers) is None]
    outcomes = [run_in_sandbox(program, checker, SandboxLimits(timeout=5), weaker) for program, checker in programs]
    assert not any(o.passed for o in outcomes), outcomes
    assert targets.bystander.poll() is None
    assert not any(path.exists() for path in targets.escapes)
