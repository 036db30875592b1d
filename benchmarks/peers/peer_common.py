"""What the peer drivers and compare_peers.py share: the offline fixed-thread environment, the
drivers' common flags, how accuracy is counted and how a result is written.  Standard library
only, since it runs inside the peers' virtualenvs."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_SUBJECTS = [
    "abstract_algebra",
    "college_computer_science",
    "high_school_geography",
    "marketing",
]


def offline_env(threads: int, **extra: str) -> dict[str, str]:
    """The peer's environment: no hub, no GPU, torch pinned to ``threads`` intra-op threads
    (the same cores evalkit gets), plus ``extra`` variables."""
    env = dict(os.environ)
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "OMP_NUM_THREADS": str(threads),
            "MKL_NUM_THREADS": str(threads),
            "OPENBLAS_NUM_THREADS": str(threads),
            "TOKENIZERS_PARALLELISM": "false",
            "CUDA_VISIBLE_DEVICES": "",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def common_parser(description: str, data_hint: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--model-path", required=True, help="local HF model folder")
    p.add_argument("--data-root", required=True, help=f"folder holding {data_hint}")
    p.add_argument("--work-dir", required=True, help="fresh folder for config, logs and outputs")
    p.add_argument("--subjects", nargs="+", default=DEFAULT_SUBJECTS)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--output-json", default=None, help="also write the result JSON here")
    p.add_argument("--collect-only", action="store_true", help="do not run; re-read the outputs in --work-dir")
    return p


def add_collected(result: dict[str, Any], collected: dict[str, Any]) -> None:
    """Merge a peer's re-read predictions into its result, with their count and accuracy.

    Accuracy is the micro average over questions (MMLU's usual "weighted by size"), for every
    framework alike; None when no question was answered, so no ratio is made of it."""
    result.update(collected)
    rows = [row for task in collected["predictions"].values() for row in task.values()]
    result["n"] = len(rows)
    result["accuracy"] = sum(row["correct"] for row in rows) / len(rows) if rows else None


def run_main(parse_args: Callable[[], argparse.Namespace],
             run_job: Callable[[argparse.Namespace], dict[str, Any]]) -> int:
    """A peer driver's whole command line: parse, run the job, write and print its result.

    Non-zero when the peer failed, even if its own CLI exited 0 (a task left no output)."""
    args = parse_args()
    result = run_job(args)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    target = Path(args.output_json) if args.output_json else Path(args.work_dir) / "peer_result.json"
    target.write_text(text)
    print(text)
    return 0 if result.get("returncode") == 0 and "error" not in result else 1
