"""Run one program and its checker in the sandbox, and turn the exit status into an outcome."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from evalkit.sandbox import runner
from evalkit.sandbox.layers import Layers
from evalkit.sandbox.limits import SandboxLimits

RUNNER = Path(runner.__file__).resolve()
MINIMAL_PATH = '/usr/bin:/bin'  # the only variable the program sees: no secrets, proxies or tokens
STDERR_TAIL_BYTES = 4096


class SandboxUnavailable(RuntimeError):
    """No sandbox can be set up on this machine: scoring would be meaningless."""


@dataclass(frozen=True)
class Outcome:
    """How one program ended.  ``status`` is passed / failed / timed out / error; ``error_type``
    names the exception (or signal) for the latter ones.  The program's output is never kept."""

    status: str
    error_type: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == 'passed'


def _error_type(stderr_tail: bytes) -> str | None:
    prefix = runner.ERROR_TYPE_PREFIX.encode()
    lines = [line for line in stderr_tail.splitlines() if line.startswith(prefix)]
    return lines[-1][len(prefix):].decode(errors='replace')[:80] if lines else None


def _outcome(returncode: int, pass_status: int, stderr_tail: bytes) -> Outcome:
    if returncode == pass_status:
        return Outcome('passed')
    if returncode == runner.ASSERTION_FAILED:
        return Outcome('failed', 'AssertionError')
    if returncode == runner.EXITED_EARLY:
        return Outcome('failed', 'SystemExit')
    if returncode == runner.RAISED:
        return Outcome('error', _error_type(stderr_tail) or 'unknown')
    if returncode == runner.SETUP_FAILED:  # the probe (available.py) proved set-up works; a program can fake this
        return Outcome('error', 'sandbox set-up failed')
    if returncode < 0 or returncode > 128:  # killed by a signal (unshare reports 128 + signal)
        number = -returncode if returncode < 0 else returncode - 128
        name = signal.Signals(number).name if number in signal.valid_signals() else f'signal {number}'
        return Outcome('timed out', name) if name == 'SIGXCPU' else Outcome('error', name)
    return Outcome('error', f'exit status {returncode}')


def _pass_status() -> int:
    """A random exit status that means "passed" for this run only: in 16..125, clear of the runner's
    other verdicts, of 0 (an early ``os._exit(0)``) and of the 128 + signal range."""
    return 16 + secrets.randbelow(110)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # unshare --kill-child takes the whole pid namespace down with it
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def run_in_sandbox(program: str, checker: str, limits: SandboxLimits, layers: Layers) -> Outcome:
    """Execute ``program`` then ``checker`` (which asserts on what the program defined) in a fresh
    process; passed only if the checker returned, told by the runner's exit status alone."""
    pass_status = _pass_status()
    read_end, write_end = os.pipe()
    os.write(write_end, bytes([pass_status]))
    os.close(write_end)
    with tempfile.TemporaryDirectory(prefix='evalkit-sandbox-') as workdir, \
            tempfile.TemporaryFile() as stderr_file:
        if layers.user:
            os.chown(workdir, *layers.user)
        job = {'program': program, 'checker': checker, 'workdir': workdir, 'pass_fd': str(read_end),
               'private_dirs': '\n'.join(layers.private_dirs), 'uid': str(layers.user[0]) if layers.user else '',
               'gid': str(layers.user[1]) if layers.user else '', 'landlock_abi': str(layers.landlock_abi),
               **limits.as_job()}
        command = [*layers.namespace_prefix, layers.interpreter, '-I', '-S', str(RUNNER)]
        try:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr_file,
                                    cwd=workdir, env={'PATH': MINIMAL_PATH}, pass_fds=(read_end,),
                                    start_new_session=True)
        finally:
            os.close(read_end)
        try:
            proc.communicate(runner.encode_job(job), timeout=limits.timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        _kill_group(proc)  # also after a normal exit: children the program left behind
        if timed_out:
            return Outcome('timed out', 'wall clock')
        stderr_file.seek(max(0, stderr_file.seek(0, os.SEEK_END) - STDERR_TAIL_BYTES))
        return _outcome(proc.returncode, pass_status, stderr_file.read())
