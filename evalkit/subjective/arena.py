"""Arena ratings: Bradley-Terry strengths from pairwise verdicts, with bootstrap intervals.

A judge's pairwise verdicts (A beat B, B beat A, tie) are turned into one rating per model on
the familiar Elo scale: a difference of ``scale`` points means the stronger model wins ``base``
times as often as it loses.  The ratings are the *maximum-likelihood* Bradley-Terry fit (the same
estimate as a logistic regression without intercept or penalty), not an online Elo update, so the
order in which battles were judged does not matter.  Uncertainty comes from a seeded bootstrap
over battles: every round resamples the battles with replacement and refits, and the 2.5/97.5
percentiles of the rounds are the interval.

The fit is a few Newton steps on the model-by-model win matrix rather than scikit-learn's
``LogisticRegression``: the optimum is the same, Newton reaches it to machine precision in a
handful of steps on a matrix as small as the number of models, and it keeps evalkit clear of that
class's changing penalty arguments.
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from evalkit.atomic import write_text_atomic

Verdict = Literal['model_a', 'model_b', 'tie']
CI_PERCENTILES = (2.5, 97.5)
# Gaussian prior (in natural log-odds) used only when the maximum-likelihood estimate does not exist
# (a model that never lost or never won): a standard deviation of 10 nats, about 1700 rating points,
# keeps such ratings finite without moving any rating the data do determine.
FALLBACK_PRIOR_PRECISION = 0.01
NEWTON_MAX_STEPS = 100
NEWTON_TOLERANCE = 1e-10


@dataclass(frozen=True)
class PairOutcome:
    """One judged battle between two models' answers to the same question."""

    model_a: str
    model_b: str
    winner: Verdict


@dataclass(frozen=True)
class ArenaRow:
    """One model's line of the leaderboard.

    ``rating`` and its interval are on the Elo scale; ``win_rate`` is in percent, against the
    baseline when there is one (``None`` for the baseline itself and for models that never met
    it), otherwise against every opponent; ties count ``tie_weight`` of a win for each side.
    """

    model: str
    rating: float
    ci_low: float
    ci_high: float
    win_rate: float | None
    win_rate_ci: tuple[float, float] | None
    battles: int


@dataclass(frozen=True)
class ArenaTable:
    """The leaderboard, best first, with what was needed to read it."""

    rows: tuple[ArenaRow, ...]
    baseline: str | None
    initial: float
    bootstrap_rounds: int
    maximum_likelihood: bool  # False when a model never lost or never won and the weak prior was needed


@dataclass(frozen=True)
class _Battles:
    """Outcomes as index arrays: who played (``first``/``second``) and the first's share of the win."""

    models: tuple[str, ...]
    first: np.ndarray
    second: np.ndarray
    first_credit: np.ndarray  # 1, 0, or tie_weight for a tie (each side is credited tie_weight)
    second_credit: np.ndarray


def arena_ratings(outcomes: Sequence[PairOutcome], baseline: str | None = None, scale: float = 400,
                  base: float = 10, initial: float = 1000, bootstrap_rounds: int = 100, seed: int = 0,
                  tie_weight: float = 0.5) -> ArenaTable:
    """Bradley-Terry ratings of every model in ``outcomes``, best first.

    ``baseline`` is pinned at ``initial`` (without one, the mean rating is).  A tie counts as
    ``tie_weight`` of a win for each side: 0.5 makes it half a win and half a loss, 0 ignores ties.
    """
    _check_arguments(outcomes, baseline, scale, base, bootstrap_rounds, tie_weight)
    battles = _index_battles(outcomes, tie_weight)
    n_models = len(battles.models)
    anchor = battles.models.index(baseline) if baseline is not None else None
    points_per_nat = scale / math.log(base)

    strengths, maximum_likelihood = _fit(battles, np.arange(len(battles.first)), n_models, anchor)
    win_rates = _win_rates(battles, np.arange(len(battles.first)), n_models, anchor)
    rng = np.random.default_rng(seed)
    boot_strengths = np.empty((bootstrap_rounds, n_models))
    boot_win_rates = np.empty((bootstrap_rounds, n_models))
    for r in range(bootstrap_rounds):
        sample = rng.integers(0, len(battles.first), len(battles.first))
        boot_strengths[r] = _fit(battles, sample, n_models, anchor)[0]
        boot_win_rates[r] = _win_rates(battles, sample, n_models, anchor)

    ratings = initial + points_per_nat * strengths
    rating_ci = initial + points_per_nat * _percentiles(boot_strengths)
    win_rate_ci = _percentiles(boot_win_rates)
    counts = np.bincount(battles.first, minlength=n_models) + np.bincount(battles.second, minlength=n_models)
    rows = [ArenaRow(model=name, rating=float(ratings[i]), ci_low=float(rating_ci[0, i]),
                     ci_high=float(rating_ci[1, i]),
                     win_rate=None if np.isnan(win_rates[i]) else float(win_rates[i]),
                     win_rate_ci=None if np.isnan(win_rates[i])
                     else (float(win_rate_ci[0, i]), float(win_rate_ci[1, i])),
                     battles=int(counts[i]))
            for i, name in enumerate(battles.models)]
    rows.sort(key=lambda row: (-row.rating, row.model))
    return ArenaTable(rows=tuple(rows), baseline=baseline, initial=initial,
                      bootstrap_rounds=bootstrap_rounds, maximum_likelihood=maximum_likelihood)


def _check_arguments(outcomes: Sequence[PairOutcome], baseline: str | None, scale: float, base: float,
                     bootstrap_rounds: int, tie_weight: float) -> None:
    if not outcomes:
        raise ValueError('arena_ratings: no pairwise outcomes were given; a rating needs at least one battle.')
    for outcome in outcomes:
        if outcome.model_a == outcome.model_b:
            raise ValueError(f'arena_ratings: a battle of {outcome.model_a!r} against itself says nothing about '
                             'its strength; drop self-pairs before rating.')
        if outcome.winner not in ('model_a', 'model_b', 'tie'):
            raise ValueError(f"arena_ratings: winner {outcome.winner!r} is not 'model_a', 'model_b' or 'tie'.")
    models = {o.model_a for o in outcomes} | {o.model_b for o in outcomes}
    if baseline is not None and baseline not in models:
        raise ValueError(f'arena_ratings: baseline {baseline!r} played no battle (models: {sorted(models)}); '
                         'name one of them, or None to pin the mean rating instead.')
    if scale <= 0 or base <= 1:
        raise ValueError(f'arena_ratings: scale must be > 0 and base > 1 (got scale={scale}, base={base}).')
    if bootstrap_rounds < 1:
        raise ValueError(f'arena_ratings: bootstrap_rounds must be at least 1 (got {bootstrap_rounds}).')
    if not 0 <= tie_weight <= 1:
        raise ValueError(f'arena_ratings: tie_weight is the share of a win a tie gives each side, between 0 and 1 '
                         f'(got {tie_weight}).')


def _index_battles(outcomes: Sequence[PairOutcome], tie_weight: float) -> _Battles:
    models = tuple(sorted({o.model_a for o in outcomes} | {o.model_b for o in outcomes}))
    position = {name: i for i, name in enumerate(models)}
    credit = {'model_a': (1.0, 0.0), 'model_b': (0.0, 1.0), 'tie': (tie_weight, tie_weight)}
    return _Battles(models=models,
                    first=np.array([position[o.model_a] for o in outcomes]),
                    second=np.array([position[o.model_b] for o in outcomes]),
                    first_credit=np.array([credit[o.winner][0] for o in outcomes]),
                    second_credit=np.array([credit[o.winner][1] for o in outcomes]))


def _win_matrix(battles: _Battles, sample: np.ndarray, n_models: int) -> np.ndarray:
    """``wins[i, j]``: how much of a win ``i`` scored against ``j`` over the sampled battles."""
    wins = np.zeros((n_models, n_models))
    np.add.at(wins, (battles.first[sample], battles.second[sample]), battles.first_credit[sample])
    np.add.at(wins, (battles.second[sample], battles.first[sample]), battles.second_credit[sample])
    return wins


def _fit(battles: _Battles, sample: np.ndarray, n_models: int, anchor: int | None) -> tuple[np.ndarray, bool]:
    """Strengths in nats (baseline at 0, or mean 0), NaN for models absent from the sample; and whether
    the maximum-likelihood estimate existed (otherwise the weak prior made it finite)."""
    wins = _win_matrix(battles, sample, n_models)
    present = np.flatnonzero((wins + wins.T).sum(axis=1) > 0)
    strengths = np.full(n_models, np.nan)
    if anchor is not None and anchor not in present:
        return strengths, True  # a resample without the baseline fixes nothing: this round is left out
    sub = wins[np.ix_(present, present)]
    exists = _strongly_connected(sub > 0)
    pinned = int(np.flatnonzero(present == anchor)[0]) if anchor is not None else 0
    theta = _newton(sub, pinned, 0.0 if exists else FALLBACK_PRIOR_PRECISION)
    strengths[present] = theta if anchor is not None else theta - theta.mean()
    return strengths, exists


def _newton(wins: np.ndarray, pinned: int, prior_precision: float) -> np.ndarray:
    """Maximise the Bradley-Terry log-likelihood sum_ij wins[i,j] * log sigmoid(t_i - t_j), t_pinned = 0."""
    n = len(wins)
    played = wins + wins.T
    free = np.array([i for i in range(n) if i != pinned])
    theta = np.zeros(n)
    for _ in range(NEWTON_MAX_STEPS):
        p = 1 / (1 + np.exp(theta[None, :] - theta[:, None]))  # p[i, j]: chance i beats j
        gradient = (wins - played * p).sum(axis=1) - prior_precision * theta
        curvature = played * p * (1 - p)
        hessian = curvature - np.diag(curvature.sum(axis=1) + prior_precision)
        if free.size == 0:
            break
        step = np.linalg.solve(hessian[np.ix_(free, free)], -gradient[free])
        theta[free] += step
        if np.max(np.abs(step)) < NEWTON_TOLERANCE:
            break
    return theta


def _strongly_connected(beats: np.ndarray) -> bool:
    """Whether every model can be reached from every other along "beat" edges: Zermelo's condition for the
    maximum-likelihood strengths to exist (otherwise some model's strength runs off to infinity)."""
    def reach(adjacency: np.ndarray) -> set[int]:
        seen, frontier = {0}, [0]
        while frontier:
            for j in np.flatnonzero(adjacency[frontier.pop()]):
                if int(j) not in seen:
                    seen.add(int(j))
                    frontier.append(int(j))
        return seen
    return len(reach(beats)) == len(beats) and len(reach(beats.T)) == len(beats)


def _win_rates(battles: _Battles, sample: np.ndarray, n_models: int, anchor: int | None) -> np.ndarray:
    """Percent of the win credit each model took, against the baseline (or everyone); NaN without battles."""
    wins = _win_matrix(battles, sample, n_models)
    if anchor is not None:
        scored, total = wins[:, anchor], (wins + wins.T)[:, anchor]
    else:
        scored, total = wins.sum(axis=1), (wins + wins.T).sum(axis=1)
    with np.errstate(invalid='ignore', divide='ignore'):
        rates = 100 * scored / total
    if anchor is not None:
        rates[anchor] = np.nan
    return rates


def _percentiles(rounds: np.ndarray) -> np.ndarray:
    """Percentile interval per column over the rounds that rated the model (2 x n); NaN if none did."""
    out = np.full((2, rounds.shape[1]), np.nan)
    for i in range(rounds.shape[1]):
        column = rounds[:, i][~np.isnan(rounds[:, i])]
        if column.size:
            out[:, i] = np.percentile(column, CI_PERCENTILES)
    return out


def write_arena_report(table: ArenaTable, out_dir: Path) -> list[Path]:
    """Write the leaderboard as ``arena_ratings.csv`` and ``.md`` in ``out_dir`` (a run's ``summary/``) and
    its interval plot as ``plots/arena_ratings.png`` under it, where the HTML report collects plots."""
    out_dir = Path(out_dir)
    csv_path, md_path = out_dir / 'arena_ratings.csv', out_dir / 'arena_ratings.md'
    write_text_atomic(csv_path, _csv_text(table))
    write_text_atomic(md_path, _markdown_text(table))
    png_path = out_dir / 'plots' / 'arena_ratings.png'
    _plot_intervals(table, png_path)
    return [csv_path, md_path, png_path]


def _cells(row: ArenaRow) -> list[str]:
    def number(value: float | None) -> str:
        return '' if value is None or math.isnan(value) else f'{value:.1f}'
    low, high = row.win_rate_ci if row.win_rate_ci is not None else (None, None)
    return [row.model, number(row.rating), number(row.ci_low), number(row.ci_high), number(row.win_rate),
            number(low), number(high), str(row.battles)]


HEADER = ['model', 'rating', 'ci_low', 'ci_high', 'win_rate', 'win_rate_ci_low', 'win_rate_ci_high', 'battles']


def _csv_text(table: ArenaTable) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator='\n')
    writer.writerow(HEADER)
    writer.writerows(_cells(row) for row in table.rows)
    return buffer.getvalue()


def _markdown_text(table: ArenaTable) -> str:
    against = f'against {table.baseline}' if table.baseline else 'against all opponents'
    pinned = f'{table.baseline} pinned at {table.initial:g}' if table.baseline else f'mean pinned at {table.initial:g}'
    lines = [f'# Arena ratings ({pinned}; 95% bootstrap intervals over {table.bootstrap_rounds} rounds)', '',
             f'| model | rating | 95% CI | win rate % ({against}) | win rate 95% CI | battles |',
             '| --- | ---: | --- | ---: | --- | ---: |']
    for row in table.rows:
        model, rating, low, high, rate, rate_low, rate_high, battles = _cells(row)
        rate_ci = f'{rate_low} - {rate_high}' if rate else ''
        lines.append(f'| {model} | {rating} | {low} - {high} | {rate} | {rate_ci} | {battles} |')
    if not table.maximum_likelihood:
        lines += ['', 'A model never lost or never won, so the maximum-likelihood ratings do not exist; a weak '
                  'prior (about 1700 points wide) kept them finite. Judge more battles for a sharper table.']
    return '\n'.join(lines) + '\n'


def _plot_intervals(table: ArenaTable, path: Path) -> None:
    """Ratings as points with their bootstrap intervals, best at the top, the pinned level as a line."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    rows = list(reversed(table.rows))
    ys = np.arange(len(rows))
    ratings = np.array([row.rating for row in rows])
    errors = np.array([[row.rating - row.ci_low for row in rows], [row.ci_high - row.rating for row in rows]])
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.45 * len(rows)))
    ax.errorbar(ratings, ys, xerr=np.nan_to_num(errors), fmt='o', capsize=4, color='tab:blue')
    ax.axvline(table.initial, color='grey', linestyle='--', linewidth=1,
               label=table.baseline if table.baseline else 'mean')
    ax.set_yticks(ys, [row.model for row in rows])
    ax.set_xlabel(f'rating (95% bootstrap interval, {table.bootstrap_rounds} rounds)')
    ax.set_title('Arena ratings (Bradley-Terry)')
    ax.legend(loc='lower right', fontsize='small')
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
