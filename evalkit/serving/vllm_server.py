"""Start a vLLM OpenAI-compatible server for a local model folder, and stop it without leftovers.

The server runs from its own venv (see ``vllm_venv``) in its own process group, so
``stop()`` can signal the API process together with the engine-core and worker processes
vLLM forks: SIGTERM first (vLLM shuts down cleanly on it), SIGKILL after a grace period.
``stop()`` runs when the ``with`` block ends for any reason (exception, Ctrl-C), at
interpreter exit for servers started without ``with``, and the kernel sends SIGTERM to the
server if the process that started it dies abruptly (``PR_SET_PDEATHSIG``): no orphans.
"""
from __future__ import annotations

import atexit
import ctypes
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from evalkit.serving.vllm_venv import default_venv_dir, ensure_vllm_venv, venv_python

SERVER_ENV = {
    'HF_HUB_OFFLINE': '1',
    'VLLM_CPU_KVCACHE_SPACE': '1',  # GiB of KV cache; enough for evaluation, small enough for a shared machine
    'VLLM_NO_USAGE_STATS': '1',
    'DO_NOT_TRACK': '1',
}
LOG_TAIL_LINES = 40
_PR_SET_PDEATHSIG = 1


class VLLMServerError(RuntimeError):
    """The server did not come up; the message carries the command, the log file and its tail."""


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return '\n'.join(path.read_text(encoding='utf-8', errors='replace').splitlines()[-lines:])
    except OSError:
        return '(no log written)'


def _die_with_parent() -> None:
    """Runs in the child before exec: ask the kernel for SIGTERM when the starting thread dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class VLLMServer:
    """A vLLM server for ``model_dir`` served as ``model_name``; use as a context manager.

    >>> with VLLMServer('/models/smollm2', 'smollm2') as server:
    ...     client_url = server.base_url   # http://127.0.0.1:PORT/v1
    """

    def __init__(self, model_dir: str | Path, model_name: str = 'smollm2', *, port: int | None = None,
                 venv: Path | None = None, log_path: Path | None = None, startup_timeout: float = 300.0,
                 grace_period: float = 20.0, max_model_len: int = 2048,
                 extra_args: Sequence[str] = ()) -> None:
        self.model_dir = Path(model_dir)
        self.model_name = model_name
        self.requested_port = port
        self.venv = Path(venv) if venv else default_venv_dir()
        self.log_path = Path(log_path) if log_path else None
        self.startup_timeout = startup_timeout
        self.grace_period = grace_period
        self.max_model_len = max_model_len
        self.extra_args = tuple(extra_args)
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise VLLMServerError('The vLLM server has not been started; call start() or use it in a with block.')
        return f'http://127.0.0.1:{self.port}/v1'

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def command(self, port: int) -> list[str]:
        return [
            str(venv_python(self.venv)), '-m', 'vllm.entrypoints.openai.api_server',
            '--model', str(self.model_dir), '--served-model-name', self.model_name,
            '--host', '127.0.0.1', '--port', str(port), '--max-model-len', str(self.max_model_len),
            '--enforce-eager', '--dtype', 'float32', *self.extra_args,
        ]

    def start(self) -> VLLMServer:
        """Launch the server and block until ``GET /health`` answers 200 (or raise with the log tail)."""
        if self._process is not None:
            return self
        if not (self.model_dir / 'config.json').is_file():
            raise VLLMServerError(f'{self.model_dir} is not a Hugging Face model folder (no config.json).')
        ensure_vllm_venv(self.venv)
        self.port = self.requested_port or free_port()
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix=f'vllm-server-{self.port}-', suffix='.log')
            os.close(fd)
            self.log_path = Path(name)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = self.command(self.port)
        with open(self.log_path, 'ab') as log:
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, **SERVER_ENV}, start_new_session=True, preexec_fn=_die_with_parent,
            )
        with open(self.log_path, 'a', encoding='utf-8') as log:  # whoever reads the log can find the process
            log.write(f'# server process group {self._process.pid}\n')
        atexit.register(self.stop)
        try:
            self._wait_until_healthy(command)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_healthy(self, command: list[str]) -> None:
        deadline = time.monotonic() + self.startup_timeout
        health_url = f'http://127.0.0.1:{self.port}/health'
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                self._fail(command, f'exited with code {self._process.returncode} during startup')
            try:
                with urllib.request.urlopen(health_url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        self._fail(command, f'did not answer {health_url} within {self.startup_timeout:.0f} s')

    def _fail(self, command: list[str], what: str) -> None:
        raise VLLMServerError(
            f"The vLLM server for {self.model_dir} {what}. Command: {' '.join(command)}. "
            f"Log {self.log_path}, last lines:\n{log_tail(self.log_path) if self.log_path else ''}"
        )

    def stop(self) -> None:
        """SIGTERM the whole process group, SIGKILL what is left after the grace period; idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        atexit.unregister(self.stop)
        deadline = time.monotonic() + self.grace_period
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=self.grace_period)
        except subprocess.TimeoutExpired:
            pass
        # vLLM's engine-core and worker processes exit shortly after the API process; wait for the group.
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()

    def __enter__(self) -> VLLMServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass  # the whole group is already gone
