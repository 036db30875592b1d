"""Whether a framework's run of a benchmark job is complete enough to be compared at all.

Why: a framework that crashed half-way, skipped a subject or answered fewer questions
finishes sooner; a ratio made from such a run would count its failure as speed.  Every
result is checked against the questions the job really has (read from the data files,
after the job's limit), and any shortfall is listed in the result's ``failures``; the
comparison skips every result that has one.  Standard library only.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any


def _rows_in_csv(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh))  # MMLU's CSVs have no header row


def _rows_in_jsonl(path: Path) -> int:
    with open(path, encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip())


def expected_questions(job: str, data_root: Path, subjects: list[str], limit: int | None) -> dict[str, int]:
    """Questions per task of the job (task names as the drivers key their predictions)."""
    if job == "mmlu":
        counts = {s: _rows_in_csv(data_root / "mmlu" / "test" / f"{s}_test.csv") for s in subjects}
    else:
        counts = {"gsm8k": _rows_in_jsonl(data_root / "gsm8k" / "test.jsonl")}
    return {task: n if limit is None else min(n, limit) for task, n in counts.items()}


def failures(result: dict[str, Any], expected: dict[str, int]) -> list[str]:
    """Why ``result`` cannot be compared (empty when it answered every expected question once)."""
    reasons = []
    if result.get("returncode") != 0:
        reasons.append(f"exit code {result.get('returncode')}")
    if result.get("timed_out"):
        reasons.append("timed out")
    if result.get("error"):
        reasons.append(str(result["error"]))
    predictions = result.get("predictions") or {}
    for task, n in expected.items():
        got = len(predictions.get(task, {}))
        if got != n:
            reasons.append(f"{task}: {got} of {n} questions answered")
    extra = sorted(set(predictions) - set(expected))
    if extra:
        reasons.append(f"unexpected tasks {extra}")
    if result.get("accuracy") is None and not reasons:
        reasons.append("no accuracy")
    return reasons
