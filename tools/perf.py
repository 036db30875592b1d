"""Stress-test an OpenAI-compatible endpoint: ``python tools/perf.py --url URL --model NAME --parallel 1 4 8
--number 64 -w DIR`` (``--help`` lists every option; the README's "Stress-testing an endpoint" defines each metric)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.perf.cli import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
