"""Post short messages about a run to a chat webhook: Lark (Feishu), Slack, or any JSON endpoint.

A notification must never cost the run anything: every message is posted on its own daemon
thread with a short timeout, a failure is logged (without the URL) and dropped, and when the run
ends it waits at most ``timeout`` seconds in total for messages still in flight.  The URL is a
credential (whoever holds it can post to the channel), so a config names the environment
variable holding it (``url='ENV:NAME'``) and the resolved value lives only in this object.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from evalkit.config.errors import ConfigError
from evalkit.config.secrets import ENV_PREFIX, resolve_env_references
from evalkit.registry import NOTIFIERS

logger = logging.getLogger('evalkit.notify')
MAX_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Message:
    """One notification: ``event`` (``start``, ``task_failed``, ``end``), the text people read,
    and the same facts as fields for machines (only the ``generic`` payload carries those)."""
    event: str
    text: str
    fields: Mapping[str, Any] = field(default_factory=dict)


def lark_payload(message: Message) -> dict[str, Any]:
    """Lark/Feishu custom bots take a text message under ``content``."""
    return {'msg_type': 'text', 'content': {'text': message.text}}


def slack_payload(message: Message) -> dict[str, Any]:
    """Slack incoming webhooks post ``text`` (mrkdwn) to their channel."""
    return {'text': message.text}


def generic_payload(message: Message) -> dict[str, Any]:
    """Any other endpoint gets the text and every field, for scripts that act on the event."""
    return {'event': message.event, 'text': message.text, **message.fields}


PAYLOADS: dict[str, Callable[[Message], dict[str, Any]]] = {
    'lark': lark_payload, 'slack': slack_payload, 'generic': generic_payload}


def describe_failure(exc: BaseException, timeout: float) -> str:
    """Why a post failed, in words that never contain the URL (``ValueError`` messages of urllib do)."""
    if isinstance(exc, urllib.error.HTTPError):
        return f'the endpoint answered HTTP {exc.code}'
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return f'no answer within {timeout:g} s'
    if isinstance(reason, OSError) and reason.strerror:
        return f'{type(reason).__name__}: {reason.strerror}'
    return type(reason).__name__


@NOTIFIERS.register_module()
class WebhookNotifier:
    """Sends each message as a JSON POST to one webhook, in the background."""

    def __init__(self, url: str, kind: Literal['lark', 'slack', 'generic'] = 'generic',
                 timeout: float = 5.0) -> None:
        if kind not in PAYLOADS:
            raise ConfigError(f"notify.kind: unknown webhook kind {kind!r}. Use one of {', '.join(PAYLOADS)}.")
        if not 0 < timeout <= MAX_TIMEOUT_S:
            raise ConfigError(f'notify.timeout: expected seconds in (0, {MAX_TIMEOUT_S:g}], got {timeout!r}. '
                              f'A notification may delay the end of a run by this long at most.')
        self._url = resolve_env_references(url, 'notify.url')
        if not self._url.startswith(('http://', 'https://')):
            raise ConfigError('notify.url: the webhook URL (as given, or in the variable it names) does not start '
                              'with http:// or https://. Check the value you set.')
        self.kind = kind
        self.timeout = float(timeout)
        self._threads: list[threading.Thread] = []

    @classmethod
    def check_config(cls, cfg: Mapping[str, Any], where: str) -> None:
        """A config names the variable holding the URL; a literal URL would be dumped with the run."""
        url = cfg.get('url')
        if not isinstance(url, str) or not url.startswith(ENV_PREFIX):
            raise ConfigError(
                f"{where}.url: a webhook URL is a credential (whoever holds it can post to your channel), so a "
                f"config must not spell it out. Put it in an environment variable and write url='ENV:NAME', or "
                f"pass it with --notify-url on the command line (never recorded).")

    def __repr__(self) -> str:  # never show the URL, even in a traceback's locals
        return f'WebhookNotifier(kind={self.kind!r}, timeout={self.timeout:g})'

    def send(self, message: Message) -> None:
        """Post ``message`` in the background; returns at once."""
        body = json.dumps(PAYLOADS[self.kind](message), ensure_ascii=False).encode('utf-8')
        thread = threading.Thread(target=self._post, args=(message.event, body), name='evalkit-notify', daemon=True)
        self._threads.append(thread)
        thread.start()

    def _post(self, event: str, body: bytes) -> None:
        request = urllib.request.Request(self._url, data=body, method='POST',
                                         headers={'Content-Type': 'application/json; charset=utf-8'})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read(4096)
        except Exception as exc:  # noqa: BLE001 - a notification never fails the run, whatever went wrong
            logger.warning('evalkit: %s notification (%s) not sent: %s', event, self.kind,
                           describe_failure(exc, self.timeout))

    def wait(self) -> None:
        """Give messages still in flight at most ``timeout`` seconds in total, then leave them."""
        deadline = time.monotonic() + self.timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]
