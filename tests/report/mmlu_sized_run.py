"""A run folder the size of a full MMLU evaluation (57 subjects, 14,042 rows), written as files only.

Made by a generator, not a model: the report test needs its size (paging and filtering must stay
fast), not its numbers.  The layout is the one evalkit writes: the dumped config, predictions,
details and results per dataset.  Returns which rows are wrong, for checking the filters."""
from __future__ import annotations

import json
import random
from pathlib import Path

from evalkit.outputs import RunDir

MODEL = 'fake-mmlu-model'
TOTAL_ROWS = 14_042
SUBJECTS = 57
CATEGORIES = ('stem', 'humanities', 'social-science', 'other')


def _rows_per_subject(total_rows: int, subjects: int) -> list[int]:
    base, extra = divmod(total_rows, subjects)
    return [base + (1 if k < extra else 0) for k in range(subjects)]


def _write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(r, ensure_ascii=False) + '\n' for r in records), encoding='utf-8')


def write_mmlu_sized_run(root: Path, total_rows: int = TOTAL_ROWS,
                         subjects: int = SUBJECTS) -> tuple[RunDir, dict[str, list[int]]]:
    """The run folder, and for every dataset the indices of its wrong rows (smaller with the arguments,
    for tests that need a run's files but not its size)."""
    run_dir = RunDir(root / 'mmlu_sized' / '20260101_000000').create()
    rng = random.Random(13)
    datasets, wrong = [], {}
    for k, rows in enumerate(_rows_per_subject(total_rows, subjects)):
        abbr = f'mmlu-subject_{k:02d}'
        datasets.append({'abbr': abbr, 'summary_groups': ['mmlu', f'mmlu-{CATEGORIES[k % len(CATEGORIES)]}']})
        shots = ''.join(f'Example {s} of subject {k}: which option is right?\nA. a\nB. b\nC. c\nD. d\nAnswer: A\n\n'
                        for s in range(5))
        golds = [rng.choice('ABCD') for _ in range(rows)]
        preds = [rng.choice('ABCD') for _ in range(rows)]
        _write_jsonl(run_dir.predictions(MODEL, abbr), [
            {'index': i, 'prompt': f'{shots}Question {i} of {abbr}: pick the option numbered {i * 7 % 13}.\nAnswer:',
             'prediction': f' {p}', 'gold': g} for i, (g, p) in enumerate(zip(golds, preds))])
        _write_jsonl(run_dir.details(MODEL, abbr), [
            {'index': i, 'pred': p, 'gold': g, 'correct': p == g} for i, (g, p) in enumerate(zip(golds, preds))])
        wrong[abbr] = [i for i, (g, p) in enumerate(zip(golds, preds)) if p != g]
        accuracy = 100 * (rows - len(wrong[abbr])) / rows
        run_dir.results(MODEL, abbr).write_text(json.dumps({
            'accuracy': accuracy, 'stderr': {'accuracy': (accuracy * (100 - accuracy) / (rows - 1)) ** 0.5},
            'num_examples': rows, 'version': 'abc123', 'mode': 'ppl', 'model': MODEL, 'dataset': abbr}),
            encoding='utf-8')
    config = f'models = [dict(abbr={MODEL!r})]\ndatasets = {datasets!r}\n'
    (run_dir.root / 'configs' / f'{run_dir.timestamp}.py').write_text(config, encoding='utf-8')
    return run_dir, wrong
