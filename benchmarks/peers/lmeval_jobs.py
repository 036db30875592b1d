"""Run lm-evaluation-harness 0.4.13's standard 5-shot MMLU on local CSVs.

Why this exists: evalkit is benchmarked side by side against lm-eval.  The
stock ``mmlu_<subject>`` tasks read ``cais/mmlu`` from the Hugging Face hub,
which this machine cannot reach, so we generate task YAMLs that are the stock
``mmlu/default/_default_template_yaml`` + per-subject file in every field that
affects the prompt or the metric, and differ only in where the rows come from:
the ``csv`` dataset builder with ``data_files`` pointing at the shared
``mmlu/{dev,test}/<subject>_{dev,test}.csv`` files (read in place, never
copied).

Stock fields kept verbatim: ``description`` ("The following are multiple
choice questions (with answers) about <subject words>.\\n\\n"), ``doc_to_text``
(question stripped, "A. .." lines, "Answer:"), ``doc_to_choice`` A-D,
``output_type: multiple_choice``, ``fewshot_split: dev`` with the
``first_n`` sampler, ``test_split: test``, metric ``acc``; 5 shots are passed
with ``--num_fewshot 5`` exactly as for the stock task.

The CSVs have no header, so the builder gets ``column_names``; every column
is forced to ``str`` with a pass-through converter and NA detection is off,
because pandas would otherwise turn answer options such as "None", "NA" or
"1.50" into NaN / 1.5 and change the prompt text.

Output (stdout and ``<work-dir>/peer_result.json``)::

    {"tool": "lm-eval", "job": "mmlu_ppl", "accuracy": 0..1, "n": ...,
     "per_task": {subject: {"accuracy": .., "n": .., "lmeval_reported": ..}},
     "predictions": {subject: {"<row index>": {"pred": "B", "gold": "C",
                     "correct": false, "loglik": {"A": .., ...}}}},
     "outputs": {...}, "wall_seconds": ..., "returncode": ...}

``loglik`` is lm-eval's summed log-probability of the continuation " A" etc.
given the 5-shot context; ``pred`` is its argmax (lm-eval's ``acc``).

Run it with the lm-eval venv's python (``/tmp/peer-lmeval/bin/python``) or
pass ``--lmeval-python``; this file uses only the standard library.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from peer_common import add_collected, common_parser, offline_env, run_main

TASK_PREFIX = "peer_mmlu_"
LETTERS = ["A", "B", "C", "D"]
COLUMNS = ["question", "A", "B", "C", "D", "answer"]

# The stock template's prompt, with `choices[i]` replaced by our CSV columns.
DOC_TO_TEXT = "{{question.strip()}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\nAnswer:"

UTILS_PY = '''"""Helpers for the generated peer MMLU tasks (see lmeval_jobs.py)."""


def as_str(value):
    """pandas converter: keep the CSV cell text exactly as written."""
    return value
'''


def lmeval_env(threads: int, work_dir: Path) -> dict[str, str]:
    """The offline environment with a private datasets cache in the work dir, so a run never
    reuses Arrow files converted by an earlier run (each run pays the same CSV parsing)."""
    return offline_env(threads, HF_DATASETS_CACHE=str(work_dir / "hf_datasets_cache"))


def task_yaml(subject: str, mmlu_root: Path) -> str:
    """One task file.  JSON is valid YAML, and json.dumps quotes every string
    (paths, newlines, Jinja braces) safely; the ``!function`` tags are the
    only non-JSON tokens."""
    words = subject.replace("_", " ")
    data_files = {
        "test": str(mmlu_root / "test" / f"{subject}_test.csv"),
        "dev": str(mmlu_root / "dev" / f"{subject}_dev.csv"),
    }
    converters = ", ".join(f"{json.dumps(c)}: !function utils.as_str" for c in COLUMNS)
    lines = [
        f"task: {json.dumps(TASK_PREFIX + subject)}",
        f"task_alias: {json.dumps(subject)}",
        "dataset_path: csv",
        "dataset_kwargs:",
        f"  data_files: {json.dumps(data_files)}",
        f"  column_names: {json.dumps(COLUMNS)}",
        "  keep_default_na: false",
        "  na_filter: false",
        f"  converters: {{{converters}}}",
        "test_split: test",
        "fewshot_split: dev",
        "fewshot_config:",
        "  sampler: first_n",
        "output_type: multiple_choice",
        f"description: {json.dumps(f'The following are multiple choice questions (with answers) about {words}.' + chr(10) * 2)}",
        f"doc_to_text: {json.dumps(DOC_TO_TEXT)}",
        f"doc_to_choice: {json.dumps(LETTERS)}",
        "doc_to_target: answer",  # a letter; lm-eval maps it to its index in doc_to_choice
        "metric_list:",
        "  - metric: acc",
        "    aggregation: mean",
        "    higher_is_better: true",
        "metadata:",
        "  version: 1.0",
    ]
    return "\n".join(lines) + "\n"


def write_tasks(task_dir: Path, subjects: list[str], mmlu_root: Path) -> list[str]:
    """Generate the task folder for ``--include_path``; return task names."""
    task_dir.mkdir(parents=True, exist_ok=True)
    (task_dir / "utils.py").write_text(UTILS_PY)
    names = []
    for subject in subjects:
        for split in ("dev", "test"):
            path = mmlu_root / split / f"{subject}_{split}.csv"
            if not path.is_file():
                raise FileNotFoundError(path)
        (task_dir / f"{TASK_PREFIX}{subject}.yaml").write_text(task_yaml(subject, mmlu_root))
        names.append(TASK_PREFIX + subject)
    return names


def collect(out_dir: Path, subjects: list[str]) -> dict[str, Any]:
    """Read lm-eval's ``--log_samples`` JSONL and results JSON."""
    results_files = sorted(out_dir.rglob("results_*.json"))
    if not results_files:
        raise FileNotFoundError(str(out_dir / "**/results_*.json"))
    results_file = results_files[-1]
    results = json.loads(results_file.read_text()).get("results", {})
    per_task: dict[str, Any] = {}
    predictions: dict[str, Any] = {}
    for subject in subjects:
        task = TASK_PREFIX + subject
        sample_files = sorted(results_file.parent.glob(f"samples_{task}_*.jsonl"))
        if not sample_files:
            raise FileNotFoundError(str(results_file.parent / f"samples_{task}_*.jsonl"))
        rows: dict[str, Any] = {}
        for line in sample_files[-1].read_text().splitlines():
            s = json.loads(line)
            # filtered_resps: one [loglik, is_greedy] pair per choice.
            ll = [float(r[0]) for r in s["filtered_resps"]]
            pred = LETTERS[max(range(len(ll)), key=ll.__getitem__)]
            gold = s["doc"]["answer"]
            rows[str(s["doc_id"])] = {
                "pred": pred,
                "gold": gold,
                "correct": pred == gold,
                "loglik": dict(zip(LETTERS, ll)),
                "lmeval_acc": s.get("acc"),
            }
        rows = dict(sorted(rows.items(), key=lambda kv: int(kv[0])))
        n_correct = sum(r["correct"] for r in rows.values())
        per_task[subject] = {
            "accuracy": n_correct / len(rows) if rows else 0.0,
            "n": len(rows),
            "lmeval_reported": results.get(task, {}).get("acc,none"),
        }
        predictions[subject] = rows
    return {"per_task": per_task, "predictions": predictions, "results_file": str(results_file)}


def run_job(args: argparse.Namespace) -> dict[str, Any]:
    """Generate tasks, run lm-eval once for all subjects, gather outputs."""
    work_dir = Path(args.work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    model_path = Path(args.model_path).resolve()
    mmlu_root = Path(args.data_root).resolve() / "mmlu"
    task_dir = work_dir / "tasks"
    tasks = write_tasks(task_dir, args.subjects, mmlu_root)
    out_dir = work_dir / "lmeval_out"

    argv = [
        args.lmeval_python,
        "-m",
        "lm_eval",
        "run",
        "--model",
        "hf",
        "--model_args",
        f"pretrained={model_path},dtype=float32",
        "--tasks",
        ",".join(tasks),
        "--include_path",
        str(task_dir),
        "--num_fewshot",
        "5",
        "--batch_size",
        str(args.batch_size),
        "--device",
        "cpu",
        "--output_path",
        str(out_dir),
        "--log_samples",
    ]
    if args.limit is not None:
        argv += ["--limit", str(args.limit)]  # first N test rows per task
    log_path = work_dir / "lmeval.log"
    start = time.monotonic()
    if args.collect_only:
        returncode = 0
    else:
        with open(log_path, "w", encoding="utf-8") as log:
            returncode = subprocess.run(
                argv, cwd=work_dir, env=lmeval_env(args.threads, work_dir), stdout=log, stderr=subprocess.STDOUT
            ).returncode
    wall = time.monotonic() - start

    out: dict[str, Any] = {
        "tool": "lm-eval",
        "version": "0.4.13",
        "job": "mmlu_ppl",
        "model_path": str(model_path),
        "limit": args.limit,
        "batch_size": args.batch_size,
        "threads": args.threads,
        "returncode": returncode,
        "wall_seconds": round(wall, 3),
        "argv": argv,
        "outputs": {"work_dir": str(work_dir), "tasks_dir": str(task_dir), "log": str(log_path),
                    "output_dir": str(out_dir)},
    }
    try:
        collected = collect(out_dir, args.subjects)
    except FileNotFoundError as exc:
        out["error"] = f"missing lm-eval output: {exc}; see {log_path}"
        return out
    out["outputs"]["results_file"] = collected.pop("results_file")
    add_collected(out, collected)
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = common_parser(__doc__.split("\n", 1)[0], "mmlu/{dev,test}")
    p.add_argument("--job", default="mmlu_ppl", choices=["mmlu_ppl"], help="only 5-shot MMLU loglikelihood")
    p.add_argument("--limit", type=int, default=None, help="first N test rows per subject (default: all)")
    p.add_argument("--batch-size", default="8", help="lm-eval --batch_size (int or 'auto')")
    p.add_argument("--lmeval-python", default=sys.executable, help="python of the lm-eval venv")
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(run_main(parse_args, run_job))
