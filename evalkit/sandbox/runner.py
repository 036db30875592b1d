"""The trusted script that runs inside the sandbox: set up, lock down, run candidate then checker.

Executed as ``python -I -S runner.py`` (inside fresh namespaces when the machine allows them),
with the job on stdin (``encode_job``).  It imports nothing of evalkit, because it may run under
another interpreter than evalkit's (one the unprivileged sandbox user can read), and as little
of the standard library as it can (no json, re or tempfile): it starts once per program.
Order matters: what needs privileges (private mounts, switching user) happens first, then
Landlock and the resource limits, and only then any model-written code.

The verdict is this process's exit status.  "Passed" is not a fixed number: it is a byte
the parent left in a pipe, read only after the checker returned, so a candidate that exits
early (``sys.exit(0)``, ``os._exit(0)``) or prints a fake success line cannot pass.  Like any
in-process check, it can be forged by code written against this very script (reading that
pipe first); the sandbox's job is to contain such code, the exit status only keeps honest
failures from counting as passes.
"""
from __future__ import annotations

import os
import resource
import sys

ASSERTION_FAILED = 1  # the checker's assert failed
RAISED = 2  # the candidate or the checker raised something else (its type is on the last stderr line)
EXITED_EARLY = 3  # SystemExit before the checker finished
SETUP_FAILED = 4  # the sandbox itself could not be set up (the start-up probe rules this out)
ERROR_TYPE_PREFIX = 'evalkit-sandbox-error-type: '
JOB_FIELDS = ('program', 'checker', 'workdir', 'private_dirs', 'uid', 'gid', 'landlock_abi', 'pass_fd',
              'cpu_seconds', 'memory_mb', 'processes', 'file_mb', 'open_files')

_MS_NOSUID, _MS_NODEV = 2, 4
_PR_SET_NO_NEW_PRIVS = 38
# Landlock (Linux >= 5.13): system call numbers (the same on every architecture) and access bits.
_LANDLOCK_CREATE_RULESET, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT_SELF = 444, 445, 446
_LANDLOCK_GET_ABI, _LANDLOCK_RULE_PATH_BENEATH = 1, 1
_FS_WRITES_V1 = sum(1 << bit for bit in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12))  # write, remove, make anything
_FS_REFER_V2, _FS_TRUNCATE_V3 = 1 << 13, 1 << 14
_NET_TCP_V4 = 0b11  # bind and connect
_SCOPE_V6 = 0b11  # abstract unix sockets and signals to processes outside the sandbox


def encode_job(job: dict[str, str]) -> bytes:
    """The job as bytes: a line of field lengths, then the fields (any text, newlines and all)."""
    parts = [job[name].encode('utf-8', errors='replace') for name in JOB_FIELDS]
    return ' '.join(str(len(part)) for part in parts).encode() + b'\n' + b''.join(parts)


def decode_job(data: bytes) -> dict[str, str]:
    header, _, body = data.partition(b'\n')
    job, start = {}, 0
    for name, length in zip(JOB_FIELDS, (int(n) for n in header.split())):
        job[name], start = body[start:start + length].decode('utf-8'), start + length
    return job


def _mount_private_tmpfs(paths: list[str], size_mb: int) -> None:
    """Fresh, empty, size-capped tmpfs over every world-writable folder (/tmp, /dev/shm...), so
    nothing written there outlives the run or reaches another process's files."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    options = f'size={size_mb}m,mode=1777'.encode()
    for path in paths:
        if os.path.isdir(path) and libc.mount(b'tmpfs', path.encode(), b'tmpfs', _MS_NOSUID | _MS_NODEV,
                                              options) != 0:
            raise OSError(ctypes.get_errno(), f'mount tmpfs on {path}')


def landlock_abi() -> int:
    """The kernel's Landlock version, 0 without Landlock."""
    import ctypes

    return max(0, ctypes.CDLL(None, use_errno=True).syscall(_LANDLOCK_CREATE_RULESET, None, 0, _LANDLOCK_GET_ABI))


def _confine_with_landlock(workdir: str, abi: int) -> None:
    """Writes only beneath ``workdir``; with newer kernels also no TCP and no signals or abstract
    sockets reaching outside the sandbox.  Works without privileges and without namespaces."""
    import ctypes

    class RulesetAttr(ctypes.Structure):
        _fields_ = [('fs', ctypes.c_uint64), ('net', ctypes.c_uint64), ('scoped', ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [('allowed', ctypes.c_uint64), ('parent_fd', ctypes.c_int32)]

    libc = ctypes.CDLL(None, use_errno=True)
    fs = _FS_WRITES_V1 | (_FS_REFER_V2 if abi >= 2 else 0) | (_FS_TRUNCATE_V3 if abi >= 3 else 0)
    attr = RulesetAttr(fs, _NET_TCP_V4 if abi >= 4 else 0, _SCOPE_V6 if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = libc.syscall(_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    folder = os.open(workdir, os.O_PATH | os.O_CLOEXEC)
    rule = PathBeneath(fs, folder)
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if (ruleset < 0 or libc.syscall(_LANDLOCK_ADD_RULE, ruleset, _LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0)
            or libc.syscall(_LANDLOCK_RESTRICT_SELF, ruleset, 0)):
        raise OSError(ctypes.get_errno(), 'landlock')
    os.close(folder)
    os.close(ruleset)


def _drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    import ctypes

    ctypes.CDLL(None).prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # no setuid binary gives root back


def _set_limits(job: dict[str, str]) -> None:
    def cap(kind: int, value: int) -> None:
        resource.setrlimit(kind, (value, value))

    cpu = int(job['cpu_seconds'])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_AS, int(job['memory_mb']) * 2 ** 20)
    cap(resource.RLIMIT_FSIZE, int(job['file_mb']) * 2 ** 20)
    cap(resource.RLIMIT_NOFILE, int(job['open_files']))
    cap(resource.RLIMIT_NPROC, int(job['processes']))


def _set_up(job: dict[str, str]) -> None:
    """Mounts and user switch (privileged), a fresh working folder, then the limits."""
    private_dirs = job['private_dirs'].split('\n') if job['private_dirs'] else []
    workdir = job['workdir']
    if private_dirs:
        _mount_private_tmpfs(private_dirs, int(job['file_mb']) * 4)
        # The parent's folder may now be hidden beneath the new, empty /tmp: work in a fresh one there.
        workdir = os.path.join(private_dirs[0], 'evalkit-sandbox')
        os.mkdir(workdir, 0o700)
    if job['uid']:
        uid, gid = int(job['uid']), int(job['gid'])
        os.chown(workdir, uid, gid)
        _drop_privileges(uid, gid)
    if int(job['landlock_abi']):
        _confine_with_landlock(workdir, int(job['landlock_abi']))
    os.chdir(workdir)
    _set_limits(job)


def _outcome(error: BaseException) -> int:
    if isinstance(error, SystemExit):
        return EXITED_EARLY
    return ASSERTION_FAILED if isinstance(error, AssertionError) else RAISED


def main() -> None:
    # Everything used after the candidate starts is bound here first: the candidate shares this
    # interpreter and may replace builtins or os functions (os._exit = a no-op, exec = a no-op...).
    exit_now, read, write, run, build, name_of, outcome = os._exit, os.read, os.write, exec, compile, type, _outcome
    job = decode_job(sys.stdin.buffer.read())
    pass_fd = int(job['pass_fd'])
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # stdin: nothing to read
    try:
        _set_up(job)
    except Exception as exc:  # noqa: BLE001 - any failure here is the sandbox's, reported as such
        write(2, f'sandbox setup failed: {type(exc).__name__}: {exc}\n'.encode())
        exit_now(SETUP_FAILED)
    namespace = {'__name__': '__candidate__'}
    for source, filename in ((job['program'], '<candidate>'), (job['checker'], '<checker>')):
        try:
            run(build(source, filename, 'exec'), namespace)
        except BaseException as exc:  # noqa: BLE001 - every way out but the end is a failure, with its type
            write(2, ('\n' + ERROR_TYPE_PREFIX + name_of(exc).__name__ + '\n').encode())
            exit_now(outcome(exc))
    try:
        passed_status = read(pass_fd, 1)[0]
    except BaseException:  # noqa: BLE001 - the candidate closed or drained the pipe: it cannot have passed
        exit_now(RAISED)
    exit_now(passed_status)


if __name__ == '__main__':
    main()
