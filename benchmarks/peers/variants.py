"""Each peer's fastest configuration: the candidates, how they are compared, which one is used.

Why: a comparison against a peer run in a slow configuration overstates evalkit's lead.
A user who wants speed from OpenCompass runs it as one task with one model load
(``--debug``) and picks a batch size; from lm-eval, a batch size or ``--batch_size auto``.
``compare_peers.py --tune-peers`` runs every candidate below on the same slice of each job
(measured like the real run: wall and CPU seconds of the whole process tree), writes the
table to ``results/peer_variants.json``, and every later comparison uses the fastest
complete candidate per framework and job (by wall time, which is what a user waits for).
Without that file the first candidate is used.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evalkit.atomic import write_text_atomic

# Candidates in order of preference when nothing was measured.  Arguments go to the driver; ``batch``
# decides whether the tuning slice can tell the candidate apart from the others (``comparable``).
CANDIDATES: dict[str, list[dict[str, Any]]] = {
    "opencompass": [
        {"name": "debug-bs8", "batch": 8, "args": ["--debug", "--batch-size", "8"]},
        {"name": "debug-bs16", "batch": 16, "args": ["--debug", "--batch-size", "16"]},
        {"name": "debug-bs32", "batch": 32, "args": ["--debug", "--batch-size", "32"]},
        {"name": "partitioned-bs8", "batch": 8, "args": ["--batch-size", "8"]},
    ],
    "lm-eval": [
        {"name": "bs8", "batch": 8, "args": ["--batch-size", "8"]},
        {"name": "bs16", "batch": 16, "args": ["--batch-size", "16"]},
        {"name": "auto", "batch": None, "args": ["--batch-size", "auto"]},
    ],
}
# Questions per task on which candidates are compared: enough batches for batch size to matter, few
# enough that the OpenCompass candidates take minutes, not hours.  MMLU: 12 per subject are 48 prompts
# a subject (one per label), two batches even at batch 32.  GSM8K: 32 questions, two batches at 16.
TUNE_LIMITS = {"mmlu": 12, "gsm8k": 32}
PROMPTS_PER_QUESTION = {"mmlu": 4, "gsm8k": 1}


def comparable(candidate: dict[str, Any], job: str, limit: int) -> bool:
    """Whether a slice of ``limit`` questions per task runs the candidate in at least two batches.

    Why: a slice that fits in one batch times every larger batch size alike, and on the whole job a
    large generation batch is far slower (every batch runs to its longest answer: at batch 32,
    OpenCompass's first GSM8K batch alone took 17 minutes here, against about 2 for a batch of 8)."""
    batch = candidate.get("batch")
    return batch is None or PROMPTS_PER_QUESTION[job] * limit >= 2 * batch


def measured(tuned: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """The recorded candidates per ``framework/job``, each with the slice (``limit``) it ran on (older
    files record the slice once per job, not per candidate)."""
    try:
        report = json.loads(tuned.read_text(encoding="utf-8"))
        limits = report.get("limits", {})
        return {key: {name: {"limit": limits.get(key.split("/")[1], 0), **r} for name, r in runs.items()}
                for key, runs in report["results"].items()}
    except (OSError, ValueError, KeyError, AttributeError):
        return {}


def chosen_variant(tuned: Path, framework: str, job: str) -> dict[str, Any]:
    """The fastest complete, comparable candidate measured for ``framework`` on ``job``, else the first."""
    candidates = {c["name"]: c for c in CANDIDATES[framework]}
    complete = {name: r for name, r in measured(tuned).get(f"{framework}/{job}", {}).items()
                if not r.get("failures") and name in candidates and comparable(candidates[name], job, r["limit"])}
    if not complete:
        return CANDIDATES[framework][0]
    return candidates[min(complete, key=lambda name: complete[name]["wall_seconds"])]


def tune_peers(pairs: list[tuple[str, str]], tuned: Path, header: dict[str, Any],
               run_candidate: Callable[[str, str, dict[str, Any], int], dict[str, Any]]) -> None:
    """Measure every comparable candidate of each (framework, job) on the job's tuning slice and record it in
    ``tuned``, keeping the earlier measurements of the pairs not tuned now."""
    kept = {key: runs for key, runs in measured(tuned).items() if tuple(key.split("/")) not in pairs}
    report: dict[str, Any] = {**header, "limits": TUNE_LIMITS, "results": kept}
    for framework, job in pairs:
        for candidate in CANDIDATES.get(framework, []):
            if not comparable(candidate, job, TUNE_LIMITS[job]):
                print(f"    {framework} {job} {candidate['name']}: skipped, the slice fits in one batch", flush=True)
                continue
            result = run_candidate(framework, job, candidate, TUNE_LIMITS[job])
            row = {"limit": TUNE_LIMITS[job], **{k: result.get(k) for k in (
                "wall_seconds", "cpu_seconds", "peak_rss_bytes", "n", "accuracy", "failures")}}
            report["results"].setdefault(f"{framework}/{job}", {})[candidate["name"]] = row
            print(f"    {framework} {job} {candidate['name']}: {row['wall_seconds']:.1f} s wall, "
                  f"{row['cpu_seconds']:.0f} CPU s {'; '.join(row['failures'] or [])}", flush=True)
            write_text_atomic(tuned, json.dumps(report, indent=1))
    for key in report["results"]:
        framework, job = key.split("/")
        print(f"{key}: fastest complete configuration {chosen_variant(tuned, framework, job)['name']}")
