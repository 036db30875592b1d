"""CLP and LL inferencers on the real model: next-token choice probabilities and lm-eval's acc / acc_norm."""
from __future__ import annotations

import math

import pytest

from evalkit.config.errors import ConfigError
from evalkit.openicl.evaluators import LLAccEvaluator
from evalkit.openicl.inferencers import CLPInferencer, LLInferencer
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.openicl.prompt_template import PromptTemplate
from evalkit.openicl.retrievers import ZeroRetriever

MCQ = [
    {'question': 'What is the capital of France?', 'A': 'Berlin', 'B': 'Paris', 'C': 'Rome', 'answer': 'B'},
    {'question': 'How many legs does a spider have?', 'A': 'Eight', 'B': 'Six', 'C': 'Four', 'answer': 'A'},
    {'question': 'Which one is a fruit?', 'A': 'Carrot', 'B': 'Potato', 'C': 'Apple', 'answer': 'C'},
]


def _builder(template: object, rows: list[dict]) -> PromptBuilder:
    infer_cfg = {'prompt_template': {'type': PromptTemplate, 'template': template},
                 'retriever': {'type': ZeroRetriever}}
    return PromptBuilder(infer_cfg, 'answer', train=[], test=rows, where='test')


def test_clp_probabilities_sum_to_one_and_agree_with_loglikelihood_of_the_letters(base_lm) -> None:
    # "Answer: " ends in a space: it moves into the letter, as loglikelihood moves it
    builder = _builder('Question: {question}\nA. {A}\nB. {B}\nC. {C}\nAnswer: {answer}', MCQ)
    records = CLPInferencer(choices=['A', 'B', 'C']).infer_chunk(base_lm, builder, [0, 1, 2])
    for i, record in enumerate(records):
        assert record['index'] == i and record['gold'] == MCQ[i]['answer']
        assert math.isclose(sum(record['probs'].values()), 1.0, rel_tol=1e-9)
        prompt = builder.generation_prompt(i)
        ll = base_lm.loglikelihood([prompt] * 3, ['A', 'B', 'C'])
        assert record['prediction'] == 'ABC'[max(range(3), key=ll.__getitem__)]
        assert [record['logprobs'][c] for c in 'ABC'] == pytest.approx(ll, abs=1e-4)


def test_clp_reads_bare_letters_after_a_chat_template(chat_lm) -> None:
    template = {'round': [{'role': 'HUMAN', 'prompt': '{question}\nA. {A}\nB. {B}\nC. {C}\nAnswer with a letter.'},
                          {'role': 'BOT', 'prompt': '{answer}'}]}
    record = CLPInferencer(choices=['A', 'B', 'C']).infer_chunk(chat_lm, _builder(template, MCQ[:1]), [0])[0]
    assert record['prompt'].endswith('assistant\n')
    assert math.isclose(sum(record['probs'].values()), 1.0, rel_tol=1e-9)
    assert record['prediction'] == max(record['probs'], key=record['probs'].get)


def test_clp_refuses_choices_of_several_tokens(base_lm) -> None:
    builder = _builder('Q: {question}\nAnswer:{answer}', MCQ[:1])
    with pytest.raises(ConfigError, match=r"choice ' Antidisestablishmentarianism' is \d+ tokens.*LLInferencer"):
        CLPInferencer(choices=['A', 'Antidisestablishmentarianism']).infer_chunk(base_lm, builder, [0])


def test_ll_acc_and_acc_norm_differ_where_length_matters(base_lm) -> None:
    # The right options are long: their total log-likelihood is lower (more tokens), their per-character one higher.
    rows = [{'question': 'What is the capital of France?', 'A': 'Lyon',
             'B': 'Paris, the largest city of France, on the river Seine', 'answer': 'B'},
            {'question': 'What do bees make?', 'A': 'wax',
             'B': 'honey, a sweet sticky food made from the nectar of flowers', 'answer': 'B'}]
    builder = _builder('Question: {question}\nAnswer: {answer}', rows)
    records = LLInferencer(choice_columns=['A', 'B']).infer_chunk(base_lm, builder, [0, 1])
    for row, record in zip(rows, records):
        lls = record['loglikelihoods']
        assert lls['A'] > lls['B'] and record['prediction'] == 'A'
        per_char = {k: lls[k] / len(' ' + row[k]) for k in 'AB'}  # lm-eval counts the leading space
        assert per_char['B'] > per_char['A'] and record['prediction_norm'] == 'B'
    scores = LLAccEvaluator().score_rows([r['prediction'] for r in records], [r['gold'] for r in records],
                                         records, rows)
    assert (scores['acc'], scores['acc_norm']) == (0.0, 100.0)
    assert scores['stderr'] == {'acc': 0.0, 'acc_norm': 0.0}
    assert scores['details'][0] == {'pred': 'A', 'pred_norm': 'B', 'gold': 'B', 'correct': False,
                                    'correct_norm': True}


def test_ll_evaluator_stderr_and_a_clear_error_without_ll_records() -> None:
    records = [{'index': i, 'prediction_norm': p} for i, p in enumerate('AABB')]
    scores = LLAccEvaluator().score_rows(['A', 'B', 'B', 'B'], ['A', 'A', 'B', 'A'], records, [{}] * 4)
    assert (scores['acc'], scores['acc_norm']) == (50.0, 75.0)
    assert scores['stderr']['acc'] == pytest.approx(100 * 0.5 / math.sqrt(4) * math.sqrt(4 / 3))
    with pytest.raises(ValueError, match='needs LLInferencer records'):
        LLAccEvaluator().score_rows(['A'], ['A'], [{'index': 0, 'prediction': 'A'}], [{}])
