"""The protection layers a sandboxed program can get on this machine, strongest first.

Each hostile behaviour is stopped by more than one layer, so losing one (no root, no user
namespaces) weakens the sandbox without opening it:

- namespaces (``unshare``): no network, a private process-id space (the parent is invisible
  and unreachable by signals; every process of the run dies with it), private empty tmpfs over
  the world-writable folders;
- another user (``nobody``, when evalkit runs as root): nothing of ours is writable or
  signalable, and the process-count limit applies (the kernel exempts root from it);
- Landlock (Linux >= 5.13, no privileges needed): writes only inside the working folder; from
  Landlock ABI 4 no TCP connect or bind, from ABI 6 no signals to processes outside the sandbox;
- always: resource limits (CPU, address space, file size, processes, open files), an empty
  environment, a fresh working folder, stdin closed, its own process group killed at the
  wall-clock timeout.
"""
from __future__ import annotations

import os
import pwd
import shutil
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from evalkit.sandbox.runner import landlock_abi

NAMESPACE_FLAGS = ('--net', '--pid', '--fork', '--kill-child', '--mount', '--mount-proc')
WORLD_WRITABLE_DIRS = ('/tmp', '/var/tmp', '/dev/shm', '/run/lock')
UNPRIVILEGED_USER = 'nobody'


@dataclass(frozen=True)
class Layers:
    """One combination of layers: what the parent wraps the runner in and tells it to do."""

    interpreter: str
    namespace_prefix: tuple[str, ...] = ()
    user: tuple[int, int] | None = None  # (uid, gid) the runner switches to
    private_dirs: tuple[str, ...] = ()  # covered with private tmpfs (needs the mount namespace)
    landlock_abi: int = 0  # 0: no Landlock

    @property
    def network_isolated(self) -> bool:
        """No network at all (a namespace with only a down loopback)."""
        return bool(self.namespace_prefix)

    @property
    def tcp_blocked(self) -> bool:
        return self.network_isolated or self.landlock_abi >= 4

    @property
    def parent_hidden(self) -> bool:
        """Processes outside are invisible (own pid namespace and /proc)."""
        return bool(self.namespace_prefix)

    @property
    def parent_unsignalable(self) -> bool:
        return self.parent_hidden or self.user is not None or self.landlock_abi >= 6

    @property
    def writes_confined(self) -> bool:
        """Nothing outside the working folder (and private tmpfs) can be written."""
        return bool(self.private_dirs and self.user) or self.landlock_abi >= 1

    def describe(self) -> str:
        parts = ['rlimits', 'empty environment', 'fresh working folder']
        if self.namespace_prefix:
            parts.append('network, pid and mount namespaces with private /tmp')
        if self.user:
            parts.append(f'user {UNPRIVILEGED_USER}')
        if self.landlock_abi:
            parts.append(f'Landlock ABI {self.landlock_abi}')
        return ', '.join(parts)


def _readable_by_anyone(path: Path) -> bool:
    """True when every folder above ``path`` is searchable and the file executable by others,
    so the interpreter still starts (and imports its standard library) after the user switch."""
    try:
        real = path.resolve(strict=True)
        return all(p.stat().st_mode & stat.S_IXOTH for p in [real, *real.parents])
    except OSError:
        return False


def _interpreter_for_other_users() -> str | None:
    candidates = [Path(sys.executable), *(Path(p) for p in (shutil.which('python3', path='/usr/local/bin:/usr/bin'),)
                                          if p)]
    return next((str(c) for c in candidates if _readable_by_anyone(c)), None)


def _namespace_prefix() -> tuple[str, ...]:
    unshare = shutil.which('unshare')
    if unshare is None:
        return ()
    user_ns = () if os.geteuid() == 0 else ('--map-root-user',)  # unprivileged: a user namespace first
    return (unshare, *user_ns, *NAMESPACE_FLAGS)


def _unprivileged_user() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None  # already unprivileged: the switch is neither possible nor needed
    try:
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def candidate_layers() -> Iterator[Layers]:
    """Combinations to try, strongest first; the first one whose probe passes is used."""
    prefix, user, landlock = _namespace_prefix(), _unprivileged_user(), landlock_abi()
    shared_interpreter = _interpreter_for_other_users() if user else None
    private = tuple(d for d in WORLD_WRITABLE_DIRS if os.path.isdir(d))
    for use_ns in ([True, False] if prefix else [False]):
        for use_user in ([True, False] if shared_interpreter else [False]):
            for abi in dict.fromkeys([landlock, 0]):
                yield Layers(interpreter=shared_interpreter if use_user else sys.executable,
                             namespace_prefix=prefix if use_ns else (), user=user if use_user else None,
                             private_dirs=private if use_ns else (), landlock_abi=abi)
