"""Arena ratings on synthetic battles drawn from known Bradley-Terry strengths: the estimator must
recover them, with intervals that cover them, whatever model is pinned and however ties count."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from evalkit.subjective.arena import PairOutcome, arena_ratings, write_arena_report

TRUE_RATINGS = {'alpha': 1000.0, 'bravo': 1150.0, 'charlie': 900.0, 'delta': 1300.0, 'echo': 780.0}


def _battles(count: int, seed: int, tie_share: float = 0.0) -> list[PairOutcome]:
    """Random pairs; the first model wins with the Bradley-Terry chance (scale 400, base 10), and a
    ``tie_share`` of battles between close models (within 100 points) end in a tie."""
    rng = np.random.default_rng(seed)
    names = list(TRUE_RATINGS)
    battles = []
    for _ in range(count):
        a, b = (names[i] for i in rng.choice(len(names), 2, replace=False))
        gap = TRUE_RATINGS[a] - TRUE_RATINGS[b]
        if abs(gap) <= 100 and rng.random() < tie_share:
            battles.append(PairOutcome(a, b, 'tie'))
            continue
        p_first = 1 / (1 + 10 ** (-gap / 400))
        battles.append(PairOutcome(a, b, 'model_a' if rng.random() < p_first else 'model_b'))
    return battles


def test_recovers_the_order_and_intervals_cover_the_true_ratings() -> None:
    table = arena_ratings(_battles(3000, seed=1), baseline='alpha', bootstrap_rounds=100, seed=0)
    assert [row.model for row in table.rows] == sorted(TRUE_RATINGS, key=TRUE_RATINGS.get, reverse=True)
    covered = [row.ci_low <= TRUE_RATINGS[row.model] <= row.ci_high for row in table.rows if row.model != 'alpha']
    assert sum(covered) >= 3, table.rows  # 95% intervals: all four, or at worst three, cover the truth
    for row in table.rows:
        assert abs(row.rating - TRUE_RATINGS[row.model]) < 60
        assert row.ci_low <= row.rating <= row.ci_high
        assert row.battles > 1000
    assert table.maximum_likelihood


def test_baseline_is_pinned_and_win_rates_are_against_it() -> None:
    battles = _battles(1500, seed=2)
    table = arena_ratings(battles, baseline='charlie', initial=1500, bootstrap_rounds=20)
    by_model = {row.model: row for row in table.rows}
    assert by_model['charlie'].rating == by_model['charlie'].ci_low == by_model['charlie'].ci_high == 1500
    assert by_model['charlie'].win_rate is None and by_model['charlie'].win_rate_ci is None
    against = [b for b in battles if 'charlie' in (b.model_a, b.model_b) and 'delta' in (b.model_a, b.model_b)]
    delta_wins = sum((b.winner == 'model_a') == (b.model_a == 'delta') for b in against)
    assert by_model['delta'].win_rate == pytest.approx(100 * delta_wins / len(against))
    low, high = by_model['delta'].win_rate_ci
    assert low <= by_model['delta'].win_rate <= high
    # Pinning another model moves every rating by the same amount: differences are what the data say.
    unpinned = {row.model: row.rating for row in arena_ratings(battles, bootstrap_rounds=20).rows}
    assert sum(unpinned.values()) / len(unpinned) == pytest.approx(1000)  # without a baseline the mean is pinned
    shift = unpinned['charlie'] - 1500
    assert all(unpinned[m] - row.rating == pytest.approx(shift) for m, row in by_model.items())


def test_ties_count_as_half_wins_by_default_and_can_be_ignored() -> None:
    even = [PairOutcome('x', 'y', 'tie')] * 10 + [PairOutcome('x', 'y', 'model_a'), PairOutcome('x', 'y', 'model_b')]
    table = arena_ratings(even, baseline='y', bootstrap_rounds=10)
    assert {row.model: row.rating for row in table.rows} == pytest.approx({'x': 1000, 'y': 1000})
    assert table.rows[0].win_rate == pytest.approx(50)
    # x won 3 of 4 decided battles: with ties ignored that is 3:1 odds, with ties as half wins 8:6.
    lopsided = [PairOutcome('x', 'y', 'model_a')] * 3 + [PairOutcome('y', 'x', 'model_a')] + \
        [PairOutcome('x', 'y', 'tie')] * 10
    ignored = {r.model: r.rating for r in arena_ratings(lopsided, baseline='y', tie_weight=0, bootstrap_rounds=5).rows}
    halves = {r.model: r.rating for r in arena_ratings(lopsided, baseline='y', bootstrap_rounds=5).rows}
    assert ignored['x'] == pytest.approx(1000 + 400 * math.log10(3))
    assert halves['x'] == pytest.approx(1000 + 400 * math.log10(8 / 6))


def test_same_seed_same_table_and_another_seed_other_intervals() -> None:
    battles = _battles(400, seed=3, tie_share=0.3)
    first, again = arena_ratings(battles, seed=7, bootstrap_rounds=50), arena_ratings(battles, seed=7, bootstrap_rounds=50)
    assert first == again
    other = arena_ratings(battles, seed=8, bootstrap_rounds=50)
    assert [r.rating for r in other.rows] == [r.rating for r in first.rows]  # the fit itself is not random
    assert [r.ci_low for r in other.rows] != [r.ci_low for r in first.rows]


def test_an_undefeated_model_gets_a_finite_rating_and_the_table_says_so(tmp_path: Path) -> None:
    battles = [PairOutcome('champ', 'mid', 'model_a')] * 4 + [PairOutcome('mid', 'low', 'model_a'),
                                                               PairOutcome('low', 'mid', 'tie')]
    table = arena_ratings(battles, baseline='mid', bootstrap_rounds=30)
    assert not table.maximum_likelihood
    assert [row.model for row in table.rows] == ['champ', 'mid', 'low']
    assert all(math.isfinite(value) for row in table.rows for value in (row.rating, row.ci_low, row.ci_high))
    csv_path, md_path, png_path = write_arena_report(table, tmp_path / 'summary')
    assert csv_path.read_text().splitlines()[0].startswith('model,rating,ci_low,ci_high,win_rate')
    assert 'never lost or never won' in md_path.read_text()
    assert png_path == tmp_path / 'summary' / 'plots' / 'arena_ratings.png'
    assert png_path.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


@pytest.mark.parametrize('battles, kwargs, message', [
    ([], {}, 'no pairwise outcomes'),
    ([PairOutcome('a', 'a', 'tie')], {}, 'against itself'),
    ([PairOutcome('a', 'b', 'tie')], {'baseline': 'c'}, "baseline 'c' played no battle"),
    ([PairOutcome('a', 'b', 'tie')], {'tie_weight': 2.0}, 'tie_weight'),
])
def test_bad_input_is_refused_with_a_reason(battles: list[PairOutcome], kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        arena_ratings(battles, **kwargs)
