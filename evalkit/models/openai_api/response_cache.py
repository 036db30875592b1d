"""Answers already paid for, kept in the run folder so ``-r`` never asks the server twice.

One JSON line per answered request, appended with a single ``write`` on a file opened
``O_APPEND`` and fsynced: a killed run loses at most the request in flight, a half-written
last line is skipped on reading, and parallel tasks of one model can share the file.  The
key is a hash of the endpoint and the request body only: never the URL's host and port (a
server restarted by ``--accelerator vllm`` gets a new port) and never the headers (the API key).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def request_key(endpoint: str, body: dict[str, Any]) -> str:
    text = json.dumps({'endpoint': endpoint, 'body': body}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class ResponseCache:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._answers: dict[str, Any] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding='utf-8').splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # the line a kill cut short
                self._answers[entry['key']] = entry['response']

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: str) -> Any | None:
        return self._answers.get(key)

    def put(self, key: str, response: Any) -> None:
        self._answers[key] = response
        line = (json.dumps({'key': key, 'response': response}, ensure_ascii=False) + '\n').encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
