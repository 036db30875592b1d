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

# Candidates in order of preference when nothing was measured.  Arguments go to the driver.
CANDIDATES: dict[str, list[dict[str, Any]]] = {
    "opencompass": [
        {"name": "debug-bs8", "args": ["--debug", "--batch-size", "8"]},
        {"name": "debug-bs16", "args": ["--debug", "--batch-size", "16"]},
        {"name": "debug-bs32", "args": ["--debug", "--batch-size", "32"]},
        {"name": "partitioned-bs8", "args": ["--batch-size", "8"]},
    ],
    "lm-eval": [
        {"name": "bs8", "args": ["--batch-size", "8"]},
        {"name": "bs16", "args": ["--batch-size", "16"]},
        {"name": "auto", "args": ["--batch-size", "auto"]},
    ],
}
# Questions per task on which candidates are compared: enough batches for batch size to matter (MMLU:
# 12 per subject are 48 prompts a subject, so even batch 32 runs two batches of each), few enough that
# the four OpenCompass candidates take minutes, not an hour.
TUNE_LIMITS = {"mmlu": 12, "gsm8k": 16}


def chosen_variant(tuned: Path, framework: str, job: str) -> dict[str, Any]:
    """The fastest complete candidate measured for ``framework`` on ``job``, else the first."""
    candidates = CANDIDATES[framework]
    try:
        measured = json.loads(tuned.read_text(encoding="utf-8"))["results"].get(f"{framework}/{job}", {})
    except (OSError, ValueError, KeyError):
        measured = {}
    complete = {name: r for name, r in measured.items() if not r.get("failures")}
    if not complete:
        return candidates[0]
    best = min(complete, key=lambda name: complete[name]["wall_seconds"])
    return next((c for c in candidates if c["name"] == best), candidates[0])


def tune_peers(pairs: list[tuple[str, str]], tuned: Path, header: dict[str, Any],
               run_candidate: Callable[[str, str, dict[str, Any], int], dict[str, Any]]) -> None:
    """Measure every candidate of each (framework, job) on the job's tuning slice; write the table to ``tuned``."""
    report: dict[str, Any] = {**header, "limits": TUNE_LIMITS, "results": {}}
    for framework, job in pairs:
        if framework in CANDIDATES:
            for candidate in CANDIDATES[framework]:
                result = run_candidate(framework, job, candidate, TUNE_LIMITS[job])
                kept = {k: result.get(k) for k in ("wall_seconds", "cpu_seconds", "peak_rss_bytes", "n",
                                                     "accuracy", "failures")}
                report["results"].setdefault(f"{framework}/{job}", {})[candidate["name"]] = kept
                print(f"    {framework} {job} {candidate['name']}: {kept['wall_seconds']:.1f} s wall, "
                      f"{kept['cpu_seconds']:.0f} CPU s {'; '.join(kept['failures'] or [])}", flush=True)
                write_text_atomic(tuned, json.dumps(report, indent=1))
    for key in report["results"]:
        framework, job = key.split("/")
        print(f"{key}: fastest complete configuration {chosen_variant(tuned, framework, job)['name']}")
