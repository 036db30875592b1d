"""An interrupted LocalRunner returns only after the task processes it terminated are gone (killed if
they ignore SIGTERM), so an immediate ``-r`` never races a dying task's last write."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import psutil

from evalkit.runners.local import TERMINATE_GRACE_S
from tests.conftest import PROJECT_ROOT, cli_env
from tests.fake_model import FakeModel, fake_config

CHECK_ON_RETURN = """
import sys
from pathlib import Path
import psutil
from evalkit.cli.main import main
last_words = Path(sys.argv[1])
code = main(sys.argv[2:])
try:
    alive = psutil.Process(int(last_words.with_suffix('.ready').read_text())).status() != psutil.STATUS_ZOMBIE
except psutil.NoSuchProcess:
    alive = False
print(f'on return: last words written={last_words.exists()}, task alive={alive}', flush=True)
sys.exit(code)
"""


class DeafModel(FakeModel):
    """Notes SIGTERM in its last-words file and carries on, like a task stuck in a long write."""

    def __init__(self, last_words: str = '', **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.last_words = Path(last_words)
        signal.signal(signal.SIGTERM, self._ignore)
        self.last_words.with_suffix('.ready').write_text(str(os.getpid()))

    def _ignore(self, signum: int, frame: FrameType | None) -> None:
        self.last_words.write_text('got SIGTERM, carried on')


def test_an_interrupted_run_returns_only_after_its_tasks_are_gone(tmp_path: Path) -> None:
    """A task that ignores SIGTERM is killed after the grace period; the runner never returns (nor hangs)
    while it lives."""
    last_words = tmp_path / 'last_words.txt'
    config = tmp_path / 'slow.py'
    config.write_text(fake_config(subjects=('law',), sleep=300, last_words=str(last_words))
                      .replace('tests.fake_model.FakeModel', 'tests.runners.test_local_runner_stop.DeafModel'), encoding='utf-8')
    # The CLI in-process, to look at the moment main() returns: at interpreter exit Python would join the
    # runner's threads (and so wait for the task) anyway, which would hide a runner that returns too early.
    proc = subprocess.Popen([sys.executable, '-c', CHECK_ON_RETURN, str(last_words), str(config),
                             '-w', str(tmp_path / 'out'), '-m', 'infer'],
                            cwd=PROJECT_ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not last_words.with_suffix('.ready').exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read().decode()[-3000:]
            time.sleep(0.1)
        task = psutil.Process(int(last_words.with_suffix('.ready').read_text()))
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=TERMINATE_GRACE_S + 60)[0].decode()
        assert proc.returncode == 130, output[-3000:]
        assert 'on return: last words written=True, task alive=False' in output, output[-3000:]
        assert not task.is_running()
    finally:
        proc.kill()
        proc.wait()
