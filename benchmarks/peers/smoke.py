"""Smoke-run the peer jobs on tiny slices, measured the way the benchmark will.

Why: shows how a parent process drives each peer (its own venv's python,
argument lists, :func:`measure.run_measured_detailed` around the whole
process tree) and checks that the scripts still work, without paying for
the full ~45 minute jobs.  Prints one JSON line per job with wall time, peak
tree RSS, return code and accuracy.

Example::

    python3 benchmarks/peers/smoke.py --model-path /tmp/smol \\
        --data-root ../shared/datasets --work-root /tmp/peer-smoke
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import run_measured_detailed  # noqa: E402

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--model-path", required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--work-root", required=True, help="each job gets a fresh sub-folder")
    p.add_argument("--oc-python", default="/tmp/peer-oc/bin/python")
    p.add_argument("--lmeval-python", default="/tmp/peer-lmeval/bin/python")
    p.add_argument("--subject", default="abstract_algebra")
    p.add_argument("--mmlu-limit", type=int, default=5)
    p.add_argument("--gsm8k-limit", type=int, default=3)
    p.add_argument("--jobs", nargs="+", default=["oc_mmlu", "lmeval_mmlu", "oc_gsm8k"],
                   choices=["oc_mmlu", "lmeval_mmlu", "oc_gsm8k"])
    args = p.parse_args(argv)

    root = Path(args.work_root).resolve()
    common = ["--model-path", args.model_path, "--data-root", args.data_root]
    jobs = {
        "oc_mmlu": [args.oc_python, str(HERE / "opencompass_jobs.py"), *common, "--job", "mmlu_ppl",
                    "--subjects", args.subject, "--limit", str(args.mmlu_limit)],
        "lmeval_mmlu": [args.lmeval_python, str(HERE / "lmeval_jobs.py"), *common,
                        "--subjects", args.subject, "--limit", str(args.mmlu_limit)],
        "oc_gsm8k": [args.oc_python, str(HERE / "opencompass_jobs.py"), *common, "--job", "gsm8k_gen",
                     "--limit", str(args.gsm8k_limit)],
    }
    status = 0
    for name in args.jobs:
        work = root / name
        work.mkdir(parents=True, exist_ok=True)
        argv_job = jobs[name] + ["--work-dir", str(work)]
        with open(work / "driver_stdout.json", "w", encoding="utf-8") as out:
            m = run_measured_detailed(argv_job, os.environ, stdout=out.fileno())
        try:
            result = json.loads((work / "peer_result.json").read_text())
        except (OSError, ValueError):
            result = {}
        print(json.dumps({
            "job": name,
            "wall_seconds": round(m.wall_seconds, 1),
            "peak_tree_rss_mib": round(m.peak_rss_bytes / 2**20, 1),
            "peak_single_rss_mib": (None if m.peak_single_rss_bytes is None
                                    else round(m.peak_single_rss_bytes / 2**20, 1)),
            "returncode": m.returncode,
            "accuracy": result.get("accuracy"),
            "n": result.get("n"),
            "inner_wall_seconds": result.get("wall_seconds"),
            "error": result.get("error"),
        }), flush=True)
        status |= m.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
