"""Every benchmark-catalog config, end to end on the real model: a row or two of one to three of
its datasets (the project's samples or ../shared/datasets, read offline) go through the real
inference task code and the real evaluation task code in this process, on the session models
(``base_lm`` for perplexity configs, ``chat_lm`` for generation), and come out scored with the
config's metric: one value per metric in percent, a standard error for it, and one detail per row.
Generation configs get a small ``max_out_len`` so the whole file stays within its time budget;
what they answer is not judged, only that each answer is read and scored the config's way."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evalkit.config import config_index
from evalkit.config.loading import load_config
from evalkit.tasks.evaluate import evaluate_dataset
from evalkit.tasks.infer import infer_part
from evalkit.tasks.spec import TaskSpec
from tests.conftest import PROJECT_ROOT, SHARED_DATASETS

GEN_MAX_OUT_LEN = 8

# config -> (abbreviations to run, rows each, the metric its evaluator reports, shared folder or None)
CATALOG: dict[str, tuple[tuple[str, ...], int, str | None, str | None]] = {
    'bbh_gen': (('bbh-date_understanding', 'bbh-sports_understanding'), 1, None, 'bbh'),  # the shortest prompts
    'humaneval_gen': (('openai_humaneval',), 1, 'pass@1', 'humaneval'),
    'mbpp_gen': (('mbpp',), 1, 'pass@1', 'mbpp'),
    'cmmlu_gen': (('cmmlu-chinese_history',), 1, 'accuracy', None),
    'cmmlu_ppl': (('cmmlu-virology',), 2, 'accuracy', None),
    'ARC_c_gen': (('ARC-c',), 1, 'accuracy', 'arc'),
    'ARC_c_ppl': (('ARC-c',), 2, 'accuracy', 'arc'),
    'ARC_e_gen': (('ARC-e',), 1, 'accuracy', 'arc'),
    'ARC_e_ppl': (('ARC-e',), 2, 'accuracy', 'arc'),
    'hellaswag_gen': (('hellaswag',), 1, 'accuracy', None),
    'hellaswag_ppl': (('hellaswag',), 2, 'accuracy', None),
    'winogrande_gen': (('winogrande',), 1, 'accuracy', 'winogrande'),
    'winogrande_ppl': (('winogrande',), 2, 'accuracy', 'winogrande'),
    'piqa_gen': (('piqa',), 1, 'accuracy', 'piqa'),
    'piqa_ppl': (('piqa',), 2, 'accuracy', 'piqa'),
    'commonsenseqa_gen': (('commonsense_qa',), 1, 'accuracy', 'commonsenseqa'),
    'commonsenseqa_ppl': (('commonsense_qa',), 2, 'accuracy', 'commonsenseqa'),
    'obqa_gen': (('openbookqa',), 1, 'accuracy', 'openbookqa'),
    'obqa_ppl': (('openbookqa',), 2, 'accuracy', 'openbookqa'),
    'math_gen': (('math',), 1, 'accuracy', None),
    'math500_gen': (('math-500',), 1, 'accuracy', 'math500'),
    'nq_gen': (('nq',), 1, 'score', 'nq_open'),
    'triviaqa_gen': (('triviaqa',), 1, 'score', None),
}
# BBH: option accuracy for multiple-choice tasks, normalised exact match for free-form ones.
BBH_METRICS = {'bbh-date_understanding': 'accuracy', 'bbh-sports_understanding': 'score'}


def catalog_datasets(config_name: str, abbrs: tuple[str, ...], rows: int) -> list[dict[str, Any]]:
    """The named datasets of a catalog config, cut to ``rows`` test rows, generation capped short."""
    cfg = load_config(config_index.find('datasets', config_name))
    found = {d['abbr']: d for key, value in cfg.items() if key.endswith('_datasets') for d in value}
    picked = []
    for abbr in abbrs:
        dataset = dict(found[abbr], reader_cfg={**found[abbr]['reader_cfg'], 'limit': rows})
        infer_cfg = dataset['infer_cfg']
        if 'max_out_len' in infer_cfg['inferencer'] or 'Gen' in str(infer_cfg['inferencer']['type']):
            dataset['infer_cfg'] = {**infer_cfg, 'inferencer': {**infer_cfg['inferencer'],
                                                                'max_out_len': GEN_MAX_OUT_LEN}}
        picked.append(dataset)
    return picked


def model_config(mode: str) -> dict[str, Any]:
    """The settings the session fixtures were built with (what the prediction fingerprint records)."""
    return {'type': 'HuggingFaceCausalLM', 'abbr': f'smollm2-135m-{mode}', 'path': 'embedded:smollm2-135m-instruct',
            'mode': mode, 'batch_size': 8}


@pytest.mark.parametrize('config_name', list(CATALOG))
def test_catalog_config_scores_its_rows_on_the_real_model(config_name: str, request: pytest.FixtureRequest,
                                                          tmp_path: Path) -> None:
    abbrs, rows, metric, shared = CATALOG[config_name]
    if shared is not None and not (SHARED_DATASETS / shared).is_dir():
        pytest.skip(f'real {shared} data not found at {SHARED_DATASETS}/{shared}')
    mode = 'base' if config_name.endswith('_ppl') else 'chat'
    model = request.getfixturevalue(f'{mode}_lm')
    datasets = catalog_datasets(config_name, abbrs, rows)
    spec = TaskSpec(kind='infer', work_dir=str(tmp_path), model=model_config(mode), datasets=tuple(datasets))
    for dataset in datasets:
        infer_part(model, spec, dataset, None)
        result = evaluate_dataset(TaskSpec(kind='eval', work_dir=str(tmp_path), model=spec.model,
                                           datasets=(dataset,)), dataset)
        expected = metric or BBH_METRICS[dataset['abbr']]
        assert result['num_examples'] == rows, dataset['abbr']
        assert 0 <= result[expected] <= 100 and expected in result['stderr'], (dataset['abbr'], result)
        details = (tmp_path / 'results' / spec.model_abbr / f"{dataset['abbr']}.details.jsonl").read_text()
        assert len(details.splitlines()) == rows, dataset['abbr']


def test_list_configs_lists_the_catalog() -> None:
    """The issue's own command: every catalog config of those families is listed by name."""
    out = subprocess.run([sys.executable, 'tools/list_configs.py', 'bbh', 'humaneval', 'cmmlu', 'arc'],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for name in ('bbh_gen', 'humaneval_gen', 'cmmlu_gen', 'cmmlu_ppl', 'ARC_c_gen', 'ARC_c_ppl', 'ARC_e_gen',
                 'ARC_e_ppl'):
        assert f' {name} ' in out.stdout, (name, out.stdout)


def test_cmmlu_categories_are_opencompass_summary_groups() -> None:
    """67 subjects in 5 categories, grouped as OpenCompass's cmmlu summary groups: each China-specific
    subject also counts in its subject area, so the areas hold 17/13/22/15 and China specific 15."""
    from collections import Counter

    subjects_file = PROJECT_ROOT / 'configs' / 'datasets' / 'cmmlu' / '_cmmlu_subjects.py'
    cfg = load_config(subjects_file)
    assert len(cfg['cmmlu_subjects']) == 67
    assert Counter(category for _, category in cfg['cmmlu_subjects'].values()) == {
        'STEM': 17, 'Humanities': 11, 'Social Science': 13, 'Other': 11, 'China specific': 15}
    for config_name in ('cmmlu_gen', 'cmmlu_ppl'):
        datasets = load_config(config_index.find('datasets', config_name))['cmmlu_datasets']
        groups = Counter(group for d in datasets for group in d['summary_groups'])
        assert groups == {'cmmlu': 67, 'cmmlu-stem': 17, 'cmmlu-humanities': 13, 'cmmlu-social-science': 22,
                          'cmmlu-other': 15, 'cmmlu-china-specific': 15}, config_name
    by_abbr = {d['abbr']: d['summary_groups'] for d in datasets}
    assert by_abbr['cmmlu-chinese_history'] == ['cmmlu', 'cmmlu-china-specific', 'cmmlu-humanities']
    assert by_abbr['cmmlu-virology'] == ['cmmlu', 'cmmlu-stem']
