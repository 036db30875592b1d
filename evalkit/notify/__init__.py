"""Webhook notifications about a run (start, task failures, end with the headline numbers)."""
from evalkit.notify.config import run_notifier
from evalkit.notify.run_messages import RunNotifier
from evalkit.notify.webhook import Message, WebhookNotifier

__all__ = ['Message', 'RunNotifier', 'WebhookNotifier', 'run_notifier']
