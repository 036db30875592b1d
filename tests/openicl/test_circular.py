"""CircularEval on real MMLU: the rotated copies (tags, remapped gold), their validation and reuse key,
the metrics with the real model (PPL and generation) and with a model that always answers A, and the
summary view.  (No CLI run here: the suite's time budget; the pipeline stages are generic over rows.)"""
from __future__ import annotations

import csv
import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from evalkit.api.model import BaseModel
from evalkit.config.errors import ConfigError
from evalkit.config.loading import load_config
from evalkit.config.validation import validate_run_config
from evalkit.datasets.circular import check_circular, circular_rows
from evalkit.datasets.reader import read_splits
from evalkit.openicl.evaluators import CircularEvaluator
from evalkit.outputs import RunDir
from evalkit.registry import POSTPROCESSORS, build
from evalkit.summarizers import CircularSummarizer
from evalkit.tasks.fingerprint import compute_fingerprint
from evalkit.tasks.infer import prepare
from tests.always_answer_model import AlwaysAnswerModel
from tests.conftest import PROJECT_ROOT, SHARED_DATASETS, requires_shared_mmlu

CONFIG = 'tests/configs/circular_mmlu.py'
ABBRS = [f'mmlu-{subject}-circular-{kind}' for kind in ('ppl', 'gen') for subject in ('abstract_algebra', 'marketing')]
MARKETING_PPL = 'mmlu-marketing-circular-ppl'


@functools.lru_cache(maxsize=1)
def _datasets() -> dict[str, dict[str, Any]]:
    """The test config's circular MMLU datasets (2 subjects x 5 questions, PPL and gen) by abbr."""
    return {d['abbr']: d.to_dict() for d in load_config(PROJECT_ROOT / CONFIG)['datasets']}


def _with(abbr: str, **circular: Any) -> dict[str, Any]:
    ds = _datasets()[abbr]
    return {**ds, 'circular': {**ds['circular'], **circular}}


def _raw_questions(subject: str, count: int) -> list[list[str]]:
    """The first test rows of a subject straight from the CSV: question, A, B, C, D, answer letter."""
    with open(SHARED_DATASETS / 'mmlu' / 'test' / f'{subject}_test.csv', encoding='utf-8', newline='') as fh:
        return [row for _, row in zip(range(count), csv.reader(fh))]


@requires_shared_mmlu
def test_each_question_is_asked_in_every_rotation_with_the_gold_letter_remapped() -> None:
    _, test = read_splits(_datasets()[MARKETING_PPL])
    question, *options, gold = _raw_questions('marketing', 1)[0]
    assert len(test) == 5 * 4  # limit counts questions; each comes in 4 rotations
    copies = test[:4]
    # By hand: the first marketing question has options ADD. / AIDA. / PESTLE. / SWOT. and gold B (AIDA.).
    assert options == ['ADD.', 'AIDA.', 'PESTLE.', 'SWOT.'] and gold == 'B'
    assert [c['circular_pattern'] for c in copies] == ['ABCD', 'BCDA', 'CDAB', 'DABC']
    assert [c['circular_origin'] for c in copies] == [True, False, False, False]
    assert {c['circular_id'] for c in copies} == {0} and {c['input'] for c in copies} == {question}
    assert [copies[1][k] for k in 'ABCD'] == ['AIDA.', 'PESTLE.', 'SWOT.', 'ADD.']  # pattern BCDA
    assert [c['target'] for c in copies] == ['B', 'A', 'D', 'C']
    assert all(c[c['target']] == 'AIDA.' for c in copies)


@requires_shared_mmlu
def test_all_permutations_gives_n_factorial_distinct_copies_that_keep_the_right_answer() -> None:
    _, test = read_splits(_with(MARKETING_PPL, patterns='all'))
    raw = _raw_questions('marketing', 5)
    assert len(test) == 5 * 24
    for question, (_, *options, gold) in enumerate(raw):
        copies = [c for c in test if c['circular_id'] == question]
        assert len({c['circular_pattern'] for c in copies}) == 24
        assert sum(c['circular_origin'] for c in copies) == 1
        assert all(sorted(c[k] for k in 'ABCD') == sorted(options) for c in copies)
        assert all(c[c['target']] == options['ABCD'.index(gold)] for c in copies)


def test_circular_key_is_checked_before_any_work() -> None:
    reader = {'input_columns': ['input', 'A', 'B', 'C', 'D'], 'output_column': 'target'}
    check_circular({'option_keys': ['A', 'B', 'C', 'D']}, reader, 'ds.circular')  # answer_key defaults to target
    for circular, message in (
            ({'option_keys': ['A', 'B', 'E']}, "['E'] are not among reader_cfg.input_columns"),
            ({'option_keys': ['A', 'B'], 'answer_key': 'answer'}, "'answer' is not reader_cfg.output_column"),
            ({'option_keys': ['A', 'B'], 'patterns': 'rotate'}, "expected 'circular'"),
            ({'option_keys': ['A']}, 'at least two distinct'),
            ({'option_keys': ['A', 'B'], 'answer': 'target'}, "unknown key(s) ['answer']")):
        with pytest.raises(ConfigError, match='ds.circular') as caught:
            check_circular(circular, reader, 'ds.circular')
        assert message in str(caught.value)
    model = {'type': 'tests.always_answer_model.AlwaysAnswerModel', 'abbr': 'always-a'}
    dataset = {**_datasets()[MARKETING_PPL], 'circular': {'option_keys': ['A', 'B', 'C', 'X']}}
    with pytest.raises(ConfigError, match=r"cfg\.py: datasets\[0\] \(mmlu-marketing-circular-ppl\)\.circular"):
        validate_run_config({'models': [model], 'datasets': [dataset]}, 'cfg.py')
    misspelt = {k if k != 'circular' else 'circuler': v for k, v in _datasets()[MARKETING_PPL].items()}
    with pytest.raises(ConfigError, match="Did you mean 'circular'"):
        validate_run_config({'models': [model], 'datasets': [misspelt]}, 'cfg.py')


@requires_shared_mmlu  # the fingerprint hashes the data files
def test_the_circular_key_is_part_of_the_prediction_fingerprint() -> None:
    model = {'type': 'tests.always_answer_model.AlwaysAnswerModel', 'abbr': 'always-a'}
    plain = {k: v for k, v in _datasets()[MARKETING_PPL].items() if k != 'circular'}
    keys = {compute_fingerprint(model, ds).digest
            for ds in (plain, _datasets()[MARKETING_PPL], _with(MARKETING_PPL, patterns='all'))}
    assert len(keys) == 3  # stored predictions of one are never reused for another


def test_an_answer_that_names_no_option_is_an_error_naming_the_row() -> None:
    rows = [{'q': 'x', 'A': '1', 'B': '2', 'answer': 'A'}, {'q': 'y', 'A': '1', 'B': '2', 'answer': '2'}]
    with pytest.raises(ConfigError, match=r"test row 1 has answer '2' in column 'answer'"):
        circular_rows(rows, {'option_keys': ['A', 'B']}, 'answer', "dataset 'toy'")


def _circular_scores(model: BaseModel, dataset_cfg: Mapping[str, Any]) -> dict[str, Any]:
    """Infer every copy, post-process as the evaluation task does, and score with CircularEvaluator."""
    builder, inferencer = prepare(dataset_cfg)
    records = inferencer.infer_chunk(model, builder, range(len(builder.test)))
    postprocessor = dataset_cfg['eval_cfg'].get('pred_postprocessor')
    extract = build(postprocessor, POSTPROCESSORS, 'test') if postprocessor else str
    predictions = [extract(r['prediction']) for r in records]
    return CircularEvaluator().score_rows(predictions, [r['gold'] for r in records], records,
                                          [builder.test[r['index']] for r in records])


def _check_consistent(scores: Mapping[str, Any], copies: int) -> None:
    ladder = [scores[f'more_{j}_circular'] for j in range(1, copies)] + [scores['perf_circular']]
    assert ladder == sorted(ladder, reverse=True)  # right in at least j copies: fewer as j grows
    assert scores['perf_circular'] <= min(scores['acc_origin'], scores['acc_circular'])
    assert set(scores['stderr']) == {'acc_origin', 'acc_circular', 'perf_circular',
                                     *(f'more_{j}_circular' for j in range(1, copies))}


@requires_shared_mmlu
@pytest.mark.parametrize('abbr', ABBRS)
def test_real_model_is_never_right_in_every_rotation_more_often_than_in_the_original(
        base_lm: BaseModel, abbr: str) -> None:
    scores = _circular_scores(base_lm, _datasets()[abbr])
    _check_consistent(scores, 4)
    details = scores['details']
    assert len(details) == 20 and [d['question'] for d in details[:4]] == [0] * 4
    # acc_origin is plain accuracy on the unrotated copies, recomputed from the per-row verdicts
    origin = [d['correct'] for d in details if d['pattern'] == 'ABCD']
    assert scores['acc_origin'] == pytest.approx(100 * sum(origin) / 5)


@requires_shared_mmlu
@pytest.mark.parametrize('kind', ['ppl', 'gen'])
def test_a_model_that_always_answers_a_is_never_right_in_every_rotation(kind: str) -> None:
    for subject in ('abstract_algebra', 'marketing'):
        scores = _circular_scores(AlwaysAnswerModel(), _datasets()[f'mmlu-{subject}-circular-{kind}'])
        _check_consistent(scores, 4)
        gold_a = sum(gold == 'A' for *_, gold in _raw_questions(subject, 5))
        assert scores['perf_circular'] == 0.0
        assert scores['acc_origin'] == pytest.approx(100 * gold_a / 5)
        # each question's gold sits at position A in exactly one of its four rotations
        assert (scores['acc_circular'], scores['more_1_circular'], scores['more_2_circular']) == (25.0, 100.0, 0.0)


def _result(run_dir: RunDir, model: str, dataset: str, **metrics: float) -> None:
    """A results file as the evaluation task writes it; each metric's stderr is a tenth of it."""
    path = run_dir.results(model, dataset)
    path.parent.mkdir(parents=True, exist_ok=True)
    stderr = {name: value / 10 for name, value in metrics.items()}
    path.write_text(json.dumps({**metrics, 'stderr': stderr, 'num_examples': 8, 'version': 'v1', 'mode': 'ppl'}),
                    encoding='utf-8')


def test_summary_view_puts_acc_origin_beside_perf_circular(tmp_path: Any) -> None:
    run_dir = RunDir(tmp_path / 'run')
    datasets = [{'abbr': 'a', 'summary_groups': ['grp']}, {'abbr': 'b', 'summary_groups': ['grp']}, {'abbr': 'plain'}]
    _result(run_dir, 'm', 'a', acc_origin=50.0, acc_circular=40.0, perf_circular=20.0)
    _result(run_dir, 'm', 'b', acc_origin=70.0, acc_circular=60.0, perf_circular=40.0)
    _result(run_dir, 'm', 'plain', accuracy=80.0)
    frame = CircularSummarizer().table(run_dir, ['m'], datasets)
    rows: Sequence[tuple[str, str, Any]] = [(r['dataset'], r['metric'], r['m']) for _, r in frame.iterrows()]
    assert rows == [('a', 'acc_origin', 50.0), ('a', 'perf_circular', 20.0),
                    ('b', 'acc_origin', 70.0), ('b', 'perf_circular', 40.0), ('plain', 'accuracy', 80.0),
                    ('grp', 'acc_origin naive_average', 60.0), ('grp', 'acc_origin weighted_average', 60.0),
                    ('grp', 'perf_circular naive_average', 30.0), ('grp', 'perf_circular weighted_average', 30.0)]
    with_stderr = CircularSummarizer(show_stderr=True).table(run_dir, ['m'], datasets)
    assert with_stderr.iloc[1].tolist() == ['a', 'v1', 'perf_circular', 'ppl', 20.0, 2.0]
    # the group's error combines the subsets' (independent) errors: sqrt(2^2 + 4^2) / 2
    assert with_stderr.iloc[-1].tolist()[4:] == [30.0, round(20 ** 0.5 / 2, 2)]
