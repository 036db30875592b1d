"""Webhook notifications against a real HTTP server on localhost, in a thread of the test.

The run test goes through the real CLI in a subprocess with the fake model (notifications are
plumbing: what matters is when messages are sent, what they say and where the URL ends up, not what
a model answers): one model succeeds and one fails, so start, failure and end messages all arrive,
the end message carries the numbers of the summary CSV, and the URL (given on the command line)
appears in no file under the run folder.  A stalling endpoint and a closed port show that sending
never holds the caller for more than the timeout and never raises.
"""
from __future__ import annotations

import csv
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from evalkit.config.errors import ConfigError
from evalkit.config.validation import check_component
from evalkit.notify import Message, WebhookNotifier, run_notifier
from evalkit.notify.config import notifier_config
from evalkit.provenance.invocation import redact_argv
from evalkit.registry import NOTIFIERS
from tests.conftest import only_run_dir, run_cli
from tests.fake_model import fake_config

STALL_S = 20.0


class Hook(ThreadingHTTPServer):
    """Records every JSON body posted to ``/hook/...``; ``/stall/...`` holds the request unanswered."""
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(('127.0.0.1', 0), HookHandler)
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.arrival: list[float] = []  # time.time() of each received message, in order
        self.release = threading.Event()

    def url(self, kind: str = 'hook') -> str:
        return f'http://127.0.0.1:{self.server_address[1]}/{kind}/{uuid.uuid4().hex}'


class HookHandler(BaseHTTPRequestHandler):
    server: Hook

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
        if self.path.startswith('/stall/'):
            self.server.release.wait(STALL_S)
        self.server.received.append((self.path, body))
        self.server.arrival.append(time.time())
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def test_a_run_notifies_start_failure_and_end_and_never_writes_the_url(tmp_path: Path, hook: Hook) -> None:
    config = tmp_path / 'two_models.py'
    config.write_text(fake_config(subjects=('law', 'logic')), encoding='utf-8')
    text = config.read_text(encoding='utf-8')
    broken = dict(type='tests.fake_model.FakeModel', abbr='broken', fail_on='[ceval', fail_times=99,
                  counter=str(tmp_path / 'failures'), run_cfg=dict(num_gpus=0))
    config.write_text(text + f'models = [*models, {broken!r}]\n', encoding='utf-8')
    url = hook.url()
    work_dir = tmp_path / 'outputs'

    result = run_cli(str(config), '-w', str(work_dir), '--notify-url', url, '--notify-kind', 'generic', '--retry', '1')

    assert result.returncode == 1, result.stderr  # the broken model's task failed; the run still ended
    events = [body['event'] for _, body in hook.received]
    assert events[0] == 'start' and events[-1] == 'end', events
    start, end = hook.received[0][1], hook.received[-1][1]
    assert start['models'] == ['fake', 'broken'] and start['datasets'] == 2
    failed = [body for _, body in hook.received if body['event'] == 'task_failed']
    assert failed and all('broken' in body['task'] for body in failed) and 'failed (exit code' in failed[0]['text']
    assert len({body['task'] for body in failed}) == len(failed)  # told once, after the last attempt, not per attempt
    run_dir = only_run_dir(work_dir)
    with open(run_dir / 'summary' / f'summary_{run_dir.name}.csv', encoding='utf-8') as fh:
        summary = {row['dataset']: row['fake'] for row in csv.DictReader(fh)}
    assert {row['dataset']: row['scores']['fake'] for row in end['headline']} == summary
    for dataset, value in summary.items():
        assert f'{dataset} accuracy: fake {value}' in end['text']
    assert end['failed_tasks'] == len(failed)
    secret = url.rsplit('/', 1)[-1]
    leaks = [p for p in run_dir.rglob('*') if p.is_file() and secret.encode() in p.read_bytes()]
    assert not leaks, f'the webhook URL was written to {leaks}'
    assert secret not in result.stdout + result.stderr
    recorded = json.loads((run_dir / 'summary' / 'provenance.json').read_text(encoding='utf-8'))
    assert '***redacted***' in json.dumps(recorded)


def test_a_task_failure_is_told_as_it_happens(tmp_path: Path, hook: Hook) -> None:
    # Two tasks side by side: the broken model's crashes at once, the slow model's takes seconds.  The
    # failure message must arrive before the slow task has written its predictions, not when the stage ends.
    slow = fake_config(subjects=('law',), sleep=6.0, infer=dict(partitioner=dict(type='NaivePartitioner')))
    broken = dict(type='tests.fake_model.FakeModel', abbr='broken', fail_on='[ceval', fail_times=99,
                  counter=str(tmp_path / 'failures'), run_cfg=dict(num_gpus=0))
    config = tmp_path / 'slow_and_broken.py'
    config.write_text(slow + f'models = [*models, {broken!r}]\n', encoding='utf-8')
    work_dir = tmp_path / 'outputs'

    result = run_cli(str(config), '-w', str(work_dir), '--notify-url', hook.url(), '--max-num-workers', '2')

    assert result.returncode == 1, result.stderr
    told = [(at, body) for at, (_, body) in zip(hook.arrival, hook.received) if body['event'] == 'task_failed']
    assert len(told) == 1 and 'broken' in told[0][1]['task'], [body for _, body in told]
    slow_predictions = only_run_dir(work_dir) / 'predictions' / 'fake' / 'ceval-law.jsonl'
    assert told[0][0] < slow_predictions.stat().st_mtime, 'the failure was told only after the slow task ended'


def test_payload_kinds_and_the_url_from_an_environment_variable(hook: Hook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('EK_TEST_HOOK', hook.url())
    for kind in ('lark', 'slack'):
        notifier = run_notifier({'url': 'ENV:EK_TEST_HOOK', 'kind': kind})
        notifier.sender.send(Message('start', f'hello from {kind}', {'run': 'r'}))
        notifier.sender.wait()
    assert [body for _, body in hook.received] == [
        {'msg_type': 'text', 'content': {'text': 'hello from lark'}}, {'text': 'hello from slack'}]


def test_a_stalling_or_dead_endpoint_costs_at_most_the_timeout(hook: Hook, caplog: pytest.LogCaptureFixture) -> None:
    stalling = WebhookNotifier(url=hook.url('stall'), timeout=1.0)
    started = time.monotonic()
    for event in ('start', 'task_failed', 'end'):
        stalling.send(Message(event, event))
    sent = time.monotonic() - started
    stalling.wait()
    waited = time.monotonic() - started - sent
    assert sent < 0.5, f'sending blocked the caller for {sent:.2f} s'
    assert waited < 1.5, f'waiting for messages in flight took {waited:.2f} s with a 1 s timeout'

    with ThreadingHTTPServer(('127.0.0.1', 0), HookHandler) as closed:
        dead_url = f'http://127.0.0.1:{closed.server_address[1]}/hook/x'  # the port is free again once closed
    dead = WebhookNotifier(url=dead_url, timeout=1.0)
    dead.send(Message('end', 'nobody listens'))
    dead.wait()
    assert any('end notification (generic) not sent' in r.getMessage() for r in caplog.records)
    assert all(dead_url not in r.getMessage() for r in caplog.records)


def test_a_config_must_name_the_variable_holding_the_url() -> None:
    with pytest.raises(ConfigError, match=r"cfg.py: notify.url: .*url='ENV:NAME'"):
        check_component(notifier_config({'url': 'https://hooks.example/abc'}, 'cfg.py: notify'), NOTIFIERS,
                        'cfg.py: notify')
    with pytest.raises(ConfigError, match='expected .*lark'):
        check_component(notifier_config({'url': 'ENV:X', 'kind': 'teams'}, 'cfg.py: notify'), NOTIFIERS,
                        'cfg.py: notify')
    with pytest.raises(ConfigError, match=r'notify.timeout'):
        WebhookNotifier(url='http://127.0.0.1:1/x', timeout=0)


def test_the_recorded_command_line_redacts_the_url() -> None:
    argv = ['cfg.py', '--notify-url', 'https://hooks.example/T0/B1/xyz', '--notify-url=https://h/q?k=1', '--limit', '2']
    assert redact_argv(argv) == ['cfg.py', '--notify-url', '***redacted***', '--notify-url=***redacted***',
                                 '--limit', '2']
