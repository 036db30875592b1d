"""Needle in a haystack: the generator (with the real default tokenizer and the shipped haystack),
keyword scoring, the length x depth grid and heatmap, and one real run of the default model."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.config.errors import ConfigError
from evalkit.config.loading import load_config
from evalkit.datasets.needlebench import SENTENCE_END, NeedleBenchDataset, _tokenizer
from evalkit.datasets.reader import read_splits
from evalkit.openicl.evaluators import KeywordEvaluator
from evalkit.openicl.inferencers import GenInferencer
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.outputs import RunDir
from evalkit.summarizers.needlebench import write_needle_summaries

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NEEDLES = [json.loads(line) for line in (PROJECT_ROOT / 'data/needlebench/needles.jsonl').read_text().splitlines()]
LENGTHS, DEPTHS = [256, 1536], [0, 30, 70, 100]


@pytest.fixture(scope='module')
def grid_rows() -> list[dict]:
    return NeedleBenchDataset.load('needlebench', lengths=LENGTHS, depths=DEPTHS)['test'].to_list()


def _count(text: str) -> int:
    return len(_tokenizer('embedded:smollm2-135m-instruct')(text, add_special_tokens=False)['input_ids'])


def test_contexts_have_the_asked_token_length_in_the_models_tokens(grid_rows: list[dict]) -> None:
    assert [(r['length'], r['depth']) for r in grid_rows] == [(n, d) for n in LENGTHS for d in DEPTHS]
    for row in grid_rows:
        assert row['context_tokens'] == _count(row['context'])
        assert row['length'] - 16 <= row['context_tokens'] <= row['length'] + 4, row['context_tokens']


def test_the_needle_sits_at_the_sentence_boundary_nearest_its_depth(grid_rows: list[dict]) -> None:
    needle = NEEDLES[0]['needle']
    for row in grid_rows:
        before, found, after = row['context'].partition(needle)
        assert found and row['context'].count(needle) == 1
        assert before == '' or before.rstrip()[-1] in '.!?"'
        assert after == '' or after.startswith(' ')
        # Depth in the haystack's tokens: the boundary chosen is the closest one to the target.
        sentences = [s for s in SENTENCE_END.split((before + after).strip()) if s]
        ends, total = [0], 0
        for sentence in sentences:
            total += _count(' ' + sentence)
            ends.append(total)
        position = _count(' ' + before.strip()) if before.strip() else 0
        target = row['depth'] / 100 * ends[-1]
        best = min(abs(e - target) for e in ends)
        assert abs(position - target) <= best + 8, (row['length'], row['depth'], position, target)
        if row['length'] == 1536:  # long enough that one sentence is a small step
            assert abs(100 * position / ends[-1] - row['depth']) <= 10


def test_several_needles_are_spread_after_the_first_and_all_asked_for() -> None:
    first, again = (NeedleBenchDataset.load('needlebench', lengths=[768], depths=[20], needle_count=3)['test'][0]
                    for _ in range(2))
    assert first == again  # deterministic
    positions = [first['context'].index(n['needle']) for n in NEEDLES[:3]]
    assert positions == sorted(positions)
    assert 0.1 < positions[0] / len(first['context']) < 0.3
    assert all(n['question'] in first['question'] for n in NEEDLES[:3])
    assert first['answer'] == [k for n in NEEDLES[:3] for k in n['keywords']]


@pytest.mark.parametrize('settings, key', [
    (dict(depths=[0, 120]), 'depths'), (dict(lengths=[]), 'lengths'), (dict(needle_count=0), 'needle_count'),
    (dict(needle_count=99), 'needle_count=99')])
def test_a_bad_grid_is_a_config_error_naming_the_key(settings: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        NeedleBenchDataset.load('needlebench', **settings)


def test_keyword_scoring_needs_every_keyword_as_whole_words() -> None:
    evaluator = KeywordEvaluator(keep_columns=['length', 'depth'])
    rows = [{'length': 512, 'depth': 0}, {'length': 512, 'depth': 50}, {'length': 1024, 'depth': 0}]
    scores = evaluator.score_rows(['The password is "Violet Harbour".', 'violet, I think', 'tinned violets harbours'],
                                  [['violet', 'harbour']] * 3, [{}] * 3, rows)
    assert [d['correct'] for d in scores['details']] == [True, False, False]
    assert scores['score'] == pytest.approx(100 / 3)
    assert scores['keyword_recall'] == pytest.approx((100 + 50 + 0) / 3)
    assert scores['details'][1]['found'] == ['violet'] and scores['details'][2]['depth'] == 0
    assert set(scores['stderr']) == {'score', 'keyword_recall'}
    with pytest.raises(ConfigError, match='keep_columns'):
        KeywordEvaluator(keep_columns=['needle']).score_rows(['x'], ['x'], [{}], [{'length': 1}])


def _write_details(run_dir: RunDir, model: str, abbr: str, details: list[dict]) -> None:
    path = run_dir.details(model, abbr)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps({'index': i, **d}) + '\n' for i, d in enumerate(details)))


def test_grid_table_and_heatmap_are_written_for_needle_datasets_only(tmp_path: Path) -> None:
    run_dir = RunDir(tmp_path / 'run').create()
    cells = [(512, 0, True), (512, 0, False), (512, 50, True), (1024, 0, False), (1024, 50, True)]
    _write_details(run_dir, 'm', 'nb', [{'correct': c, 'length': n, 'depth': d} for n, d, c in cells])
    _write_details(run_dir, 'm', 'other', [{'correct': True}])
    datasets = [{'abbr': 'nb', 'type': NeedleBenchDataset}, {'abbr': 'other', 'type': 'TriviaQADataset'}]
    written = write_needle_summaries(run_dir, ['m', 'absent-model'], datasets)
    summary = run_dir.root / 'summary'
    assert written == [summary / 'needle_grid_nb.csv', summary / 'needle_grid_nb.md',
                       summary / 'plots' / 'needle_heatmap_nb_m.png']
    assert (summary / 'needle_grid_nb.csv').read_text().splitlines() == [
        'model,length,depth_0,depth_50,average', 'm,512,50.0,100.0,75.0', 'm,1024,0.0,100.0,50.0']
    assert written[2].read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_real_run_of_the_default_model_on_a_small_grid(chat_lm, tmp_path: Path) -> None:
    """The shipped config, cut to 2 lengths x 3 depths: prompts hold the needle, answers are scored, and
    the grid and heatmap come out of the details the evaluation writes."""
    config = load_config(PROJECT_ROOT / 'configs/datasets/needlebench/needlebench_single.py')
    dataset = dict(config['needlebench_single_datasets'][0])
    dataset['load_kwargs'] = {**dataset['load_kwargs'], 'lengths': [128, 256], 'depths': [0, 50, 100]}
    dataset['infer_cfg'] = {**dataset['infer_cfg'], 'inferencer': dict(type=GenInferencer, max_out_len=16)}
    _, test = read_splits(dataset)
    builder = PromptBuilder(dataset['infer_cfg'], 'answer', train=[], test=test, where='needlebench_single')
    records = GenInferencer(max_out_len=16).infer_chunk(chat_lm, builder, list(range(len(test))))
    assert len(records) == 6 and all(NEEDLES[0]['needle'] in r['prompt'] for r in records)
    scores = KeywordEvaluator(keep_columns=['length', 'depth']).score_rows(
        [r['prediction'] for r in records], [row['answer'] for row in test], records, test)
    assert 0 <= scores['score'] <= 100
    run_dir = RunDir(tmp_path / 'run').create()
    _write_details(run_dir, 'smollm2', 'needlebench_single', scores['details'])
    written = write_needle_summaries(run_dir, ['smollm2'], [dataset])
    grid = written[0].read_text().splitlines()
    assert grid[0] == 'model,length,depth_0,depth_50,depth_100,average' and len(grid) == 3
    assert written[2].is_file()
