"""``--accelerator vllm`` against evalkit's own engine: GSM8K, first 100 questions, the default model.

    .venv/bin/python benchmarks/accelerator_vllm.py [--limit 100]

Runs ``python run.py --models hf_smollm2_135m_instruct --datasets gsm8k_gen --limit N`` twice,
once with ``-a vllm`` (a vLLM server started and stopped by the inference task; its start-up
is part of the wall time) and once on evalkit's engine, each from a fresh work folder, and
compares the two runs question by question: the same generated text, the same extracted
answer.  Writes ``benchmarks/results/accelerator_vllm_gsm8k.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / 'benchmarks' / 'results' / 'accelerator_vllm_gsm8k.json'
MODEL, DATASET = 'hf_smollm2_135m_instruct', 'gsm8k'


def evaluate(accelerator: str, limit: int, work: Path) -> dict[str, Any]:
    command = [sys.executable, 'run.py', '--models', MODEL, '--datasets', f'{DATASET}_gen', '--limit', str(limit),
               '-a', accelerator, '-w', str(work)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    run_dir = next(p for p in work.iterdir() if p.is_dir())
    abbr = next((run_dir / 'predictions').iterdir()).name
    rows = [json.loads(line) for line in (run_dir / 'predictions' / abbr / f'{DATASET}.jsonl').read_text().splitlines()]
    details = [json.loads(line) for line in
               (run_dir / 'results' / abbr / f'{DATASET}.details.jsonl').read_text().splitlines()]
    results = json.loads((run_dir / 'results' / abbr / f'{DATASET}.json').read_text())
    return {'command': command, 'wall_seconds': round(wall, 1), 'accuracy': results.get('accuracy'),
            'texts': {r['index']: r['prediction'] for r in rows},
            'answers': {d['index']: d.get('pred') for d in details}}


def agreement(a: dict[int, Any], b: dict[int, Any]) -> dict[str, Any]:
    shared = sorted(set(a) & set(b))
    agree = sum(a[i] == b[i] for i in shared)
    return {'questions': len(shared), 'agree': agree, 'fraction': agree / len(shared) if shared else None,
            'differ': [i for i in shared if a[i] != b[i]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--limit', type=int, default=100)
    limit = parser.parse_args().limit
    with tempfile.TemporaryDirectory(prefix='evalkit-accelerator-') as tmp:
        runs = {name: evaluate(name, limit, Path(tmp) / name) for name in ('vllm', 'hf')}
    report = {
        'machine': {'cpus': os.cpu_count(), 'platform': platform.platform()},
        'model': MODEL, 'dataset': f'{DATASET}_gen', 'limit': limit,
        'wall_seconds': {name: run['wall_seconds'] for name, run in runs.items()},
        'accuracy': {name: run['accuracy'] for name, run in runs.items()},
        'identical_text': agreement(runs['vllm']['texts'], runs['hf']['texts']),
        'same_answer': agreement(runs['vllm']['answers'], runs['hf']['answers']),
        'commands': {name: ' '.join(run['command'][1:]) for name, run in runs.items()},
        'predictions': {name: run['texts'] for name, run in runs.items()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False) + '\n')
    print(json.dumps({k: report[k] for k in ('wall_seconds', 'accuracy')}, indent=1))
    for key in ('identical_text', 'same_answer'):
        print(key, {k: v for k, v in report[key].items() if k != 'differ'})


if __name__ == '__main__':
    main()
