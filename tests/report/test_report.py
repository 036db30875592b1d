"""The HTML report in a real browser (Debian's chromium, headless, through playwright): the report a real
run of the default model wrote, and the report of a full MMLU-sized run folder generated as files.

Every page is opened from its file with every request intercepted: only ``file:`` and ``data:`` URLs
may appear, anything else is recorded and aborted, so a report that reaches for the network fails."""
from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from evalkit.config.loading import load_config
from evalkit.outputs import RunDir
from evalkit.report import report_after_summary, write_report
from evalkit.report.samples import collect_samples
from tests.conftest import only_run_dir, run_cli
from tests.report.mmlu_sized_run import MODEL as FAKE_MODEL
from tests.report.mmlu_sized_run import TOTAL_ROWS, write_mmlu_sized_run

CONFIG = 'tests/configs/report_slice.py'
DEMO_MODEL = 'smollm2-135m-instruct'
DATASETS = ('ceval-computer_network', 'ceval-college_economics', 'ceval-law')
PAGE_SIZE = 25  # the page's own (report.js)
CHROMIUM = next((p for name in ('chromium', 'chromium-browser') if (p := shutil.which(name))), None)


@dataclass
class OpenedReport:
    page: Page
    requests: list[str]

    def sample_indices(self) -> list[int]:
        return [int(i) for i in self.page.locator('#sample-list .sample').evaluate_all(
            'cards => cards.map(c => c.dataset.index)')]

    def count_text(self) -> str:
        return self.page.locator('#sample-count').inner_text()


@pytest.fixture(scope='module')
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip('chromium is not installed (tools/setup_browser.sh installs it with apt as root)')
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


def open_report(browser: Browser, path: Path) -> OpenedReport:
    page = browser.new_page(viewport={'width': 1280, 'height': 900})
    requests: list[str] = []
    errors: list[str] = []
    page.on('pageerror', lambda exc: errors.append(str(exc)))

    def offline_only(route: Route) -> None:
        url = route.request.url
        requests.append(url)
        if url.startswith(('file:', 'data:')):
            route.continue_()
        else:
            route.abort()

    page.route('**/*', offline_only)
    page.goto(path.as_uri())
    page.wait_for_selector('#sample-count:not(:empty)')
    assert not errors, errors
    return OpenedReport(page, requests)


@pytest.fixture(scope='module')
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunDir, str]:
    """One real run of the demo's model and prompts: three C-Eval subjects (three categories) x 3 rows."""
    work = tmp_path_factory.mktemp('report') / 'out'
    result = run_cli(CONFIG, '--limit', '3', '--debug', '-w', str(work))
    assert result.returncode == 0, result.stderr[-3000:]
    return RunDir(only_run_dir(work)), result.stdout


def _details(run_dir: RunDir, dataset: str) -> list[dict]:
    lines = run_dir.details(DEMO_MODEL, dataset).read_text(encoding='utf-8').splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.slow
def test_the_report_of_a_real_run_shows_its_table_wrong_rows_and_plots(
        demo_run: tuple[RunDir, str], browser: Browser, tmp_path: Path) -> None:
    run_dir, stdout = demo_run
    path = run_dir.root / 'summary' / 'report.html'
    assert f'Report written to {path}' in stdout
    assert {p.name for p in (run_dir.root / 'summary' / 'plots').glob('*.png')} == {'datasets.png', 'radar_ceval.png'}
    report = open_report(browser, path)
    page = report.page
    # The table: every dataset and the model, with the summary's own numbers, then the group rows.
    assert page.locator('#summary-table thead th.model').all_inner_texts() == [DEMO_MODEL]
    with open(run_dir.summary('csv'), encoding='utf-8') as fh:
        summary = list(csv.DictReader(fh))
    shown = page.locator('#summary-table tbody.datasets tr').evaluate_all(
        'rows => rows.map(r => [r.dataset.name, r.children[4].dataset.value])')
    assert [(name, float(value)) for name, value in shown] == [
        (row['dataset'], float(row[DEMO_MODEL])) for row in summary if row['metric'] == 'accuracy']
    assert sorted(name for name, _ in shown) == sorted(DATASETS)
    groups = page.locator('#summary-table tbody.groups tr[data-name]').evaluate_all('rows => rows.map(r => r.dataset.name)')
    assert groups == [row['dataset'] for row in summary if row['metric'].endswith('_average')]
    # Sorting by the model's column puts the rows in score order.
    page.locator('#summary-table th.model').click()
    values = page.locator('#summary-table tbody.datasets td.num').evaluate_all('cells => cells.map(c => +c.dataset.value)')
    assert values == sorted(values)
    # Wrong only, one dataset: exactly the rows the details file marks wrong.
    wrong = {ds: [d['index'] for d in _details(run_dir, ds) if d['correct'] is False] for ds in DATASETS}
    dataset = max(DATASETS, key=lambda ds: len(wrong[ds]))
    assert wrong[dataset], 'the model got every row right: nothing to filter'
    page.select_option('#filter-dataset', label=dataset)
    page.check('#filter-wrong')
    assert report.sample_indices() == wrong[dataset]
    assert page.locator('#sample-list .sample[data-correct="true"]').count() == 0
    assert set(page.locator('#sample-list .sample').evaluate_all('cards => cards.map(c => c.dataset.dataset)')) == {dataset}
    # Each card shows the real prediction and prompt of its row.
    records = [json.loads(line) for line in run_dir.predictions(DEMO_MODEL, dataset).read_text('utf-8').splitlines()]
    first = next(r for r in records if r['index'] == 0)  # the file is in the order rows were answered
    page.locator('#page-first').click()
    page.uncheck('#filter-wrong')
    card = page.locator('#sample-list .sample[data-index="0"]')
    assert card.locator('.field[data-field="prediction"] pre').text_content() == first['prediction']
    card.locator('details.prompt > summary').click()
    shared = card.locator('details.shared pre').text_content() if card.locator('details.shared').count() else ''
    assert shared + card.locator('pre.own').text_content() == first['prompt']
    assert len(page.locator('#plots img').all()) == 2
    page.screenshot(path=str(tmp_path / 'report.png'), full_page=True)
    assert (tmp_path / 'report.png').stat().st_size > 10_000
    assert report.requests and all(url.startswith(('file:', 'data:')) for url in report.requests), report.requests


@pytest.mark.slow
def test_viz_rebuilds_the_report_of_an_earlier_run_without_a_model(demo_run: tuple[RunDir, str]) -> None:
    run_dir, _ = demo_run
    summary = run_dir.root / 'summary'
    (summary / 'report.html').unlink()
    shutil.rmtree(summary / 'plots')
    # The run folder alone is enough: no config file or flags, the run's own saved config is read.
    result = run_cli('-w', str(run_dir.root.parent), '-r', run_dir.timestamp, '-m', 'viz')
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'Loading weights' not in result.stdout + result.stderr  # no model was loaded
    html = (summary / 'report.html').read_text(encoding='utf-8')
    assert all(ds in html for ds in DATASETS)
    assert (summary / 'plots' / 'datasets.png').is_file()


def test_a_failed_report_is_reported_and_leaves_results_and_summary_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir, _ = write_mmlu_sized_run(tmp_path, total_rows=40, subjects=4)
    cfg = load_config(run_dir.root / 'configs' / f'{run_dir.timestamp}.py')
    (run_dir.root / 'summary' / 'report.html').mkdir(parents=True)  # cannot be replaced by a file
    results = sorted(p.name for p in (run_dir.root / 'results').rglob('*'))
    assert report_after_summary(cfg, run_dir) is False
    message = capsys.readouterr().err
    assert 'the HTML report of' in message and 'results and the summary are intact' in message
    assert f'-m viz -r {run_dir.timestamp}' in message
    assert sorted(p.name for p in (run_dir.root / 'results').rglob('*')) == results


def test_paging_and_filters_stay_fast_on_a_full_mmlu_sized_run(tmp_path: Path, browser: Browser) -> None:
    run_dir, wrong = write_mmlu_sized_run(tmp_path)
    path = write_report(load_config(run_dir.root / 'configs' / f'{run_dir.timestamp}.py'), run_dir)
    assert path.stat().st_size < 8_000_000  # each subject's 5-shot context is kept once, not per row
    report = open_report(browser, path)
    page = report.page
    pages = -(-TOTAL_ROWS // PAGE_SIZE)
    assert report.count_text().startswith(f'{TOTAL_ROWS} of {TOTAL_ROWS} rows')
    assert page.locator('#page-count').inner_text() == str(pages)
    assert page.locator('#sample-list .sample').count() == PAGE_SIZE  # one page in the DOM, never 14k rows
    page.locator('#page-last').click()
    last = TOTAL_ROWS - (pages - 1) * PAGE_SIZE
    assert page.locator('#sample-list .sample').count() == last
    assert report.count_text().endswith(f'(showing {TOTAL_ROWS - last + 1}-{TOTAL_ROWS})')
    page.fill('#page-number', '300')
    page.dispatch_event('#page-number', 'change')
    assert report.count_text().endswith(f'(showing {299 * PAGE_SIZE + 1}-{300 * PAGE_SIZE})')
    # Filters over all 14,042 rows: wrong only within one subject, then a text search, each timed in the page.
    subject = 'mmlu-subject_41'
    page.select_option('#filter-dataset', label=subject)
    elapsed = page.evaluate("""() => { const t = performance.now();
        const box = document.getElementById('filter-wrong'); box.checked = true;
        box.dispatchEvent(new Event('change')); return performance.now() - t; }""")
    assert report.count_text().startswith(f'{len(wrong[subject])} of {TOTAL_ROWS} rows')
    assert report.sample_indices() == wrong[subject][:PAGE_SIZE]
    assert elapsed < 1000, f'filtering took {elapsed:.0f} ms'
    page.select_option('#filter-dataset', label='all datasets')
    page.uncheck('#filter-wrong')
    page.fill('#filter-search', 'QUESTION 123 of mmlu-subject_17:')  # case-insensitive
    expect(page.locator('#sample-count')).to_have_text(re.compile('^1 of'))
    assert report.sample_indices() == [123]
    assert page.locator('#sample-list .sample').get_attribute('data-dataset') == 'mmlu-subject_17'
    assert all(url.startswith(('file:', 'data:')) for url in report.requests), report.requests
    assert {p.name for p in (run_dir.root / 'summary' / 'plots').glob('*.png')} == {'datasets.png', 'radar_mmlu.png'}
    assert FAKE_MODEL in page.locator('#summary-table thead').inner_text()


def test_judge_outputs_join_the_rows_they_judged(tmp_path: Path) -> None:
    """Judgements in the judge stage's layout (``judgements/<judge>/<subject>/<dataset>.details.jsonl``):
    a model's own and its pairwise ones reach its rows; another model's never do."""
    run_dir, _ = write_mmlu_sized_run(tmp_path, total_rows=6, subjects=2)
    dataset = 'mmlu-subject_01'
    judged = run_dir.root / 'judgements' / 'judge-lm'
    for subject, records in (
            (FAKE_MODEL, [{'row': 1, 'turn': 1, 'raw': 'Fine answer. Rating: [[7]]', 'score': 7, 'parsed': True}]),
            (f'{FAKE_MODEL}_vs_base', [{'row': 1, 'turn': 1, 'order': 'ba', 'raw': 'I pick [[B]]', 'winner': 'model_a',
                                        'parsed': True}]),
            ('other-model', [{'row': 1, 'turn': 1, 'raw': 'not this one', 'score': 2, 'parsed': True}])):
        (judged / subject).mkdir(parents=True)
        (judged / subject / f'{dataset}.details.jsonl').write_text(
            ''.join(json.dumps(r) + '\n' for r in records), encoding='utf-8')
    samples = collect_samples(run_dir, [FAKE_MODEL], ['mmlu-subject_00', dataset])
    extras = {(r[1], r[2]): r[-1] for r in samples.rows}
    output = extras[(1, 1)]['judge output']
    assert 'judge-lm, turn 1, score 7\nFine answer. Rating: [[7]]' in output
    assert f'judge-lm, turn 1, {FAKE_MODEL} vs base, order ba, winner model_a\nI pick [[B]]' in output
    assert 'not this one' not in output
    assert all(extra is None for key, extra in extras.items() if key != (1, 1))
