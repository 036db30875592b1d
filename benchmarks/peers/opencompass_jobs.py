"""Run one OpenCompass 0.5.4 job (MMLU PPL or GSM8K gen) as a benchmark peer.

Why this exists: evalkit is benchmarked side by side against OpenCompass.  To
make the comparison fair we run OpenCompass's *standard* dataset configs
(``mmlu_ppl`` -> ``mmlu_ppl_ac766d``, ``gsm8k_gen`` -> ``gsm8k_gen_1d7fe4``)
unchanged, and only override what a local, offline run has to override:

* the data path (an absolute path, which OpenCompass uses verbatim, so the
  shared data folder is read in place and never copied);
* the subject list and an optional ``test_range`` slice (first N rows);
* the model entry (a local HF folder, fp32, CPU, configurable batch size).

The script writes a small OpenCompass config into ``--work-dir``, runs the
``opencompass`` CLI as a child process (argument list, no shell) with cwd set
to the work dir (OpenCompass writes ``tmp/`` and ``.cache/`` relative to its
cwd), then reads OpenCompass's own prediction / result JSON files and prints
one JSON document on stdout::

    {"tool": "opencompass", "job": ..., "accuracy": 0..1, "n": ...,
     "per_task": {task: {"accuracy": .., "n": .., "oc_reported": ..}},
     "predictions": {task: {"<row index>": {...}}},
     "outputs": {...paths...}, "wall_seconds": ..., "returncode": ...}

For MMLU each prediction is ``{"pred": "B", "gold": "C", "correct": false,
"ppl": {"A": .., "B": .., "C": .., "D": ..}}``; for GSM8K it is
``{"text": raw generation, "pred": extracted number, "gold": "18",
"correct": true}``.  The row index is the 0-based row of the test CSV/JSONL.

It must be run with the OpenCompass venv's python (``/tmp/peer-oc/bin/python``)
or be given ``--oc-python``; the script itself only uses the standard library,
so it does not import OpenCompass in the driving process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_SUBJECTS = [
    "abstract_algebra",
    "college_computer_science",
    "high_school_geography",
    "marketing",
]
DEFAULT_GSM8K_LIMIT = 100
MODEL_ABBR = "peer-model"
COMPAT_DIR = Path(__file__).resolve().parent / "oc_compat"

# The standard configs, exactly as `mmlu_ppl` / `gsm8k_gen` resolve them in
# OpenCompass 0.5.4 (importing the alias module keeps us on whatever the alias
# points to).
_MMLU_IMPORT = "from opencompass.configs.datasets.mmlu.mmlu_ppl import mmlu_datasets"
_GSM8K_IMPORT = "from opencompass.configs.datasets.gsm8k.gsm8k_gen import gsm8k_datasets"


def offline_env(threads: int) -> dict[str, str]:
    """Environment for the peer: offline hub, fixed thread count, no GPU.

    OMP/MKL variables pin torch's intra-op pool (torch reads OMP_NUM_THREADS at
    start-up), so OpenCompass gets the same 2 cores evalkit gets.  The
    ``oc_compat`` folder goes first on PYTHONPATH: its sitecustomize restores
    ``batch_encode_plus``, which OpenCompass 0.5.4 needs and transformers 5
    removed (see that file).  Every OpenCompass subprocess inherits it.
    """
    env = dict(os.environ)
    pythonpath = [str(COMPAT_DIR)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(pythonpath)
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
    return env


def build_config(
    job: str,
    model_path: Path,
    data_root: Path,
    subjects: list[str],
    limit: int | None,
    batch_size: int,
) -> str:
    """Return the text of an OpenCompass config file for one job.

    The config imports the standard dataset list and filters/patches it, so
    prompt templates, retriever, inferencer and evaluator stay OpenCompass's.
    Values are embedded with ``repr`` so any path or name is quoted safely.
    """
    # Only the test slice is overridden; the dev split (few-shot pool) stays whole.
    range_line = f"    _d['reader_cfg']['test_range'] = {f'[0:{limit}]'!r}\n" if limit is not None else ""
    if job == "mmlu_ppl":
        import_line = _MMLU_IMPORT
        model_cls = "HuggingFaceBaseModel"  # the chat class has no get_ppl
        dataset_part = f"""
_subjects = {subjects!r}
_by_name = {{d['name']: d for d in mmlu_datasets}}
_missing = [s for s in _subjects if s not in _by_name]
assert not _missing, f'unknown MMLU subjects: {{_missing}}'
datasets = []
for _s in _subjects:
    _d = dict(_by_name[_s])
    _d['path'] = {str(data_root / 'mmlu')!r}
    _d['reader_cfg'] = dict(_d['reader_cfg'])
{range_line}    datasets.append(_d)
"""
    elif job == "gsm8k_gen":
        import_line = _GSM8K_IMPORT
        model_cls = "HuggingFacewithChatTemplate"
        dataset_part = f"""
datasets = []
for _d in gsm8k_datasets:
    _d = dict(_d)
    _d['path'] = {str(data_root / 'gsm8k')!r}
    _d['reader_cfg'] = dict(_d['reader_cfg'])
{range_line}    datasets.append(_d)
"""
    else:
        raise ValueError(f"unknown job {job!r}")

    # mmengine parses a config with `read_base` in "lazy import" mode: every
    # import becomes a LazyObject that cannot be called, so the generated code
    # below only uses builtins (dict, list comprehensions) on the imported data.
    return f"""# Generated by evalkit benchmarks/peers/opencompass_jobs.py -- do not edit.
from mmengine.config import read_base
from opencompass.models import {model_cls}

with read_base():
    {import_line}
{dataset_part}
models = [
    dict(
        type={model_cls},
        abbr={MODEL_ABBR!r},
        path={str(model_path)!r},
        model_kwargs=dict(torch_dtype='float32'),
        max_out_len=256,  # only a default: gsm8k_gen sets its own 512
        batch_size={batch_size},
        run_cfg=dict(num_gpus=0),
    )
]
"""


def _newest_subdir(root: Path) -> Path | None:
    """OpenCompass writes into <work-dir>/<timestamp>/; pick the newest one."""
    subdirs = [p for p in root.iterdir() if p.is_dir() and p.name[:1].isdigit()]
    return max(subdirs, key=lambda p: p.name) if subdirs else None


def _first(value: Any) -> Any:
    """Unwrap OpenCompass's one-element-per-run detail lists."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def collect_mmlu(run_dir: Path, subjects: list[str]) -> dict[str, Any]:
    """Read PPLInferencer predictions + eval results for each subject."""
    per_task: dict[str, Any] = {}
    predictions: dict[str, Any] = {}
    for subject in subjects:
        abbr = f"lukaemon_mmlu_{subject}"
        pred_file = run_dir / "predictions" / MODEL_ABBR / f"{abbr}.json"
        res_file = run_dir / "results" / MODEL_ABBR / f"{abbr}.json"
        raw = json.loads(pred_file.read_text())
        rows: dict[str, Any] = {}
        for key, item in sorted(raw.items(), key=lambda kv: int(kv[0])):
            ppl = {
                label_key.split(": ", 1)[1]: val["PPL"]
                for label_key, val in item.items()
                if label_key.startswith("label: ")
            }
            rows[str(int(key))] = {  # test_range starts at 0: key == row
                "pred": item["prediction"],
                "gold": item["gold"],
                "correct": item["prediction"] == item["gold"],
                "ppl": ppl,
            }
        n_correct = sum(r["correct"] for r in rows.values())
        reported = json.loads(res_file.read_text()).get("accuracy") if res_file.exists() else None
        per_task[subject] = {
            "accuracy": n_correct / len(rows) if rows else 0.0,
            "n": len(rows),
            "oc_reported": None if reported is None else reported / 100.0,
        }
        predictions[subject] = rows
    return {"per_task": per_task, "predictions": predictions}


def collect_gsm8k(run_dir: Path) -> dict[str, Any]:
    """Read GenInferencer raw generations and the evaluator's extracted answers."""
    pred_file = run_dir / "predictions" / MODEL_ABBR / "gsm8k.json"
    res_file = run_dir / "results" / MODEL_ABBR / "gsm8k.json"
    raw = json.loads(pred_file.read_text())
    result = json.loads(res_file.read_text()) if res_file.exists() else {}
    details = result.get("details", [])
    rows: dict[str, Any] = {}
    for pos, (key, item) in enumerate(sorted(raw.items(), key=lambda kv: int(kv[0]))):
        # OpenCompass 0.5.4 stores every detail field as a list with one entry
        # per run (--dataset-num-runs, default 1).
        det = details[pos] if pos < len(details) else {}
        rows[str(int(key))] = {  # test_range starts at 0: key == row
            "text": item["prediction"],
            "pred": _first(det.get("pred")),
            "gold": _first(det.get("answer")),
            "correct": bool(_first(det.get("correct"))),
        }
    n_correct = sum(r["correct"] for r in rows.values())
    reported = result.get("accuracy")
    return {
        "per_task": {
            "gsm8k": {
                "accuracy": n_correct / len(rows) if rows else 0.0,
                "n": len(rows),
                "oc_reported": None if reported is None else reported / 100.0,
            }
        },
        "predictions": {"gsm8k": rows},
    }


def run_job(args: argparse.Namespace) -> dict[str, Any]:
    """Write the config, run OpenCompass, and gather its outputs."""
    work_dir = Path(args.work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    model_path = Path(args.model_path).resolve()
    data_root = Path(args.data_root).resolve()
    limit = args.limit
    if args.job == "gsm8k_gen" and limit is None:
        limit = DEFAULT_GSM8K_LIMIT

    cfg_text = build_config(args.job, model_path, data_root, args.subjects, limit, args.batch_size)
    cfg_path = work_dir / f"peer_{args.job}.py"
    cfg_path.write_text(cfg_text)
    oc_out = work_dir / "oc_out"
    oc_out.mkdir(exist_ok=True)

    argv = [
        args.oc_python,
        "-m",
        "opencompass.cli.main",
        str(cfg_path),
        "--work-dir",
        str(oc_out),
        "--max-num-workers",
        "1",  # one infer task: one model load, no parallel workers on 2 cores
    ]
    if args.debug:
        argv.append("--debug")  # tasks run in-process (no child per task)
    log_path = work_dir / "opencompass.log"
    start = time.monotonic()
    if args.collect_only:
        returncode = 0  # re-read the newest existing run; nothing is executed
    else:
        with open(log_path, "w", encoding="utf-8") as log:
            returncode = subprocess.run(
                argv, cwd=work_dir, env=offline_env(args.threads), stdout=log, stderr=subprocess.STDOUT
            ).returncode
    wall = time.monotonic() - start

    out: dict[str, Any] = {
        "tool": "opencompass",
        "version": "0.5.4",
        "job": args.job,
        "model_path": str(model_path),
        "limit": limit,
        "batch_size": args.batch_size,
        "threads": args.threads,
        "returncode": returncode,
        "wall_seconds": round(wall, 3),
        "outputs": {"work_dir": str(work_dir), "config": str(cfg_path), "log": str(log_path)},
    }
    run_dir = _newest_subdir(oc_out)
    if run_dir is None:
        out["error"] = "OpenCompass produced no run directory; see log"
        return out
    out["outputs"].update(
        {
            "run_dir": str(run_dir),
            "predictions_dir": str(run_dir / "predictions" / MODEL_ABBR),
            "results_dir": str(run_dir / "results" / MODEL_ABBR),
            "task_logs": str(run_dir / "logs"),
        }
    )
    try:
        if args.job == "mmlu_ppl":
            collected = collect_mmlu(run_dir, args.subjects)
        else:
            collected = collect_gsm8k(run_dir)
    except FileNotFoundError as exc:
        # The CLI exits 0 even when a task subprocess fails; missing files are
        # the reliable failure signal.
        out["error"] = f"missing OpenCompass output: {exc.filename}; see {run_dir / 'logs'}"
        return out
    out.update(collected)
    rows = [r for task in collected["predictions"].values() for r in task.values()]
    out["n"] = len(rows)
    # Micro average over questions (MMLU's usual "weighted by size").
    out["accuracy"] = sum(r["correct"] for r in rows) / len(rows) if rows else 0.0
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--model-path", required=True, help="local HF model folder")
    p.add_argument("--data-root", required=True, help="folder holding mmlu/{dev,test} and gsm8k/")
    p.add_argument("--work-dir", required=True, help="fresh folder for config, logs and outputs")
    p.add_argument("--job", required=True, choices=["mmlu_ppl", "gsm8k_gen"])
    p.add_argument("--subjects", nargs="+", default=DEFAULT_SUBJECTS)
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        help=f"first N test rows per task (default: all for MMLU, {DEFAULT_GSM8K_LIMIT} for GSM8K)",
    )
    p.add_argument("--batch-size", type=int, default=8, help="OpenCompass model batch_size (CLI default 8)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--oc-python", default=sys.executable, help="python of the OpenCompass venv")
    p.add_argument("--debug", action="store_true", help="run OpenCompass tasks in-process (--debug)")
    p.add_argument("--output-json", default=None, help="also write the result JSON here")
    p.add_argument("--collect-only", action="store_true", help="do not run; re-read the newest run in --work-dir")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run_job(args)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    target = Path(args.output_json) if args.output_json else Path(args.work_dir) / "peer_result.json"
    target.write_text(text)
    print(text)
    return 0 if result.get("returncode") == 0 and "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
