"""The run's notifier, from the config's ``notify=dict(url='ENV:NAME', kind=...)`` and the command line.

``--notify-url`` (a literal URL or ``ENV:NAME``) replaces the config's URL and keeps its other keys;
``--notify-kind`` replaces its kind.  The URL from the command line never enters the run config, so it
is never dumped; the recorded command line redacts it (``evalkit/provenance/invocation.py``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalkit.config.errors import ConfigError
from evalkit.notify.run_messages import RunNotifier
from evalkit.registry import NOTIFIERS, build

DEFAULT_NOTIFIER = {'type': 'WebhookNotifier'}


def notifier_config(notify: Any, where: str) -> dict[str, Any]:
    """The config's ``notify`` section with the default type filled in (as for the summarizer)."""
    if not isinstance(notify, Mapping):
        raise ConfigError(f"{where}: expected dict(url='ENV:NAME', kind='lark'|'slack'|'generic'), "
                          f'got {type(notify).__name__}.')
    return {**DEFAULT_NOTIFIER, **notify}


def run_notifier(notify: Any, cli_url: str | None = None, cli_kind: str | None = None) -> RunNotifier:
    """The notifier of a run; it sends nothing when neither the config nor the command line names a URL."""
    if notify is None and cli_url is None:
        if cli_kind is not None:
            raise ConfigError('--notify-kind says how to format webhook messages: add --notify-url (or a notify= '
                              'section in the config).')
        return RunNotifier(None)
    cfg = notifier_config(notify if notify is not None else {}, 'notify')
    if cli_url is not None:
        cfg['url'] = cli_url
    if cli_kind is not None:
        cfg['kind'] = cli_kind
    return RunNotifier(build(cfg, NOTIFIERS, 'notify'))
