"""Wall time, CPU time and peak memory of a child process *tree* (peer benchmark helper).

CPU time is user + system seconds of every process of the tree, read from
``getrusage(RUSAGE_CHILDREN)`` before and after: the kernel adds a process's time to
its parent's children total when the parent reaps it.  A grandchild whose parent
died first would be reparented to init and its time lost, so the measuring process
makes itself a *child subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``): orphans are
reparented to it and reaped here, and their time counts.  On shared, noisy machines CPU
time is the steadier signal; wall time is what a user waits.

Why polling and not ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``: on
Linux that field is the peak RSS of the single largest descendant that has
been waited for, not of the tree.  OpenCompass runs as a CLI process that
spawns an inference task process and then an evaluation task process, so the
single-process maximum under-reports what the tool holds at once (the CLI
parent stays resident while its task child loads the model).  We therefore
poll ``/proc`` every 0.2 s, sum ``VmRSS`` over the root process and all its
live descendants, and keep the maximum of that sum.  Polling can miss a spike
shorter than the interval; model weights stay resident for the whole run, so
the peak that matters is long-lived.  The ``getrusage`` figure is still
reported by :func:`run_measured` as a cross-check (a lower bound).

Only the standard library is used: psutil is not guaranteed to exist in the
driving interpreter.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

POLL_SECONDS = 0.2
_PROC = Path("/proc")


@dataclass(frozen=True)
class Measurement:
    """Result of one measured run."""

    wall_seconds: float
    cpu_seconds: float  # user + system of the whole tree
    peak_rss_bytes: int  # max over time of the summed RSS of the whole tree
    # getrusage(RUSAGE_CHILDREN) max single process; None when this run did
    # not raise the calling process's running maximum (then it is unknown).
    peak_single_rss_bytes: int | None
    returncode: int
    timed_out: bool


_PR_SET_CHILD_SUBREAPER = 36


def _set_subreaper(on: bool) -> None:
    """While on, orphaned descendants are reparented to this process (so their CPU time is counted
    here); switched off again after each measurement, so a long-lived caller (a test session) does
    not go on adopting, and never reaping, other code's orphans."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: orphans' time is lost, as it would be anyway
        pass


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _children_map() -> dict[int, list[int]]:
    """Map ppid -> [pid] for every process visible in /proc."""
    children: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # process vanished between listing and reading
            continue
        # Field 2 (comm) is parenthesised and may contain spaces/parens, so
        # split after the *last* ')': the rest is "state ppid ...".
        rest = stat.rsplit(")", 1)[1].split()
        children.setdefault(int(rest[1]), []).append(int(entry.name))
    return children


def _rss_bytes(pid: int) -> int:
    """VmRSS of one process in bytes; 0 if it is gone or a zombie."""
    try:
        with open(_PROC / str(pid) / "status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024  # reported in kB
    except OSError:
        pass
    return 0


def tree_rss_bytes(root_pid: int) -> int:
    """Sum of VmRSS over ``root_pid`` and all its current descendants."""
    children = _children_map()
    total, stack, seen = 0, [root_pid], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_bytes(pid)
        stack.extend(children.get(pid, ()))
    return total


def run_measured(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    cwd: str | os.PathLike[str] | None = None,
    stdout: int | None = None,
    stderr: int | None = None,
    timeout: float | None = None,
) -> Measurement:
    """Run ``argv`` (no shell), polling the tree's RSS until it exits.

    The child gets its own session so that on timeout the whole tree can be
    stopped with one ``killpg`` aimed at exactly the processes we started.
    """
    _set_subreaper(True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cpu_before = _children_cpu_seconds()
    start = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        env=dict(env) if env is not None else None,
        cwd=cwd,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
    )
    peak, timed_out = 0, False
    while True:
        peak = max(peak, tree_rss_bytes(proc.pid))
        try:
            proc.wait(timeout=POLL_SECONDS)
            break
        except subprocess.TimeoutExpired:
            if timeout is not None and time.monotonic() - start > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                break
    wall = time.monotonic() - start
    _stop_leftovers(proc.pid)
    _set_subreaper(False)
    cpu = _children_cpu_seconds() - cpu_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss is in kB on Linux; it is a running max over all waited-for
    # children of this process, so it is only attributable if it grew.
    single = after * 1024 if after > before else None
    return Measurement(wall, cpu, max(peak, single or 0), single, proc.returncode, timed_out)


def _stop_leftovers(session: int) -> None:
    """Stop what the tree left running (a server, an engine process) and reap every orphan,
    so the next measurement starts on an idle machine and this one's CPU time is complete."""
    try:
        os.killpg(session, signal.SIGTERM)
        time.sleep(1)
        os.killpg(session, signal.SIGKILL)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:  # none left
            return
        if pid == 0:  # some still running (an orphan that left the session): give it a moment
            time.sleep(0.1)
