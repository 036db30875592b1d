"""An API judge: ``OpenAIModel`` on the real vLLM server (session fixture ``vllm_server``) grades the
default model's answers to two questions of the generic judge dataset through the judge stage itself
(the judge task, run in this process as ``--debug`` does), single mode."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalkit.outputs import RunDir
from evalkit.pipeline import RunOptions, run_judge_stage
from evalkit.serving import VLLMServer
from evalkit.subjective.stage import summarize_subjective
from tests.api.test_vllm_models import served_requests
from tests.subjective.conftest import answer, mtbench_slice

QUESTIONS = 2


def test_an_api_judge_grades_through_the_server(vllm_server: VLLMServer, chat_lm: Any, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    run_dir = RunDir(tmp_path / 'run').create()
    datasets = mtbench_slice('subjective_generic', ['subjective-generic'], limit=QUESTIONS)
    candidate = answer(chat_lm, run_dir, 'cand', datasets, 8, monkeypatch)
    api_judge = dict(type='OpenAIModel', abbr='api-judge', api='chat', base_url=vllm_server.base_url,
                     path=vllm_server.model_name, max_out_len=16)
    cfg = {'models': [candidate], 'datasets': datasets, 'judge_models': [api_judge],
           'judge': {'max_parse_failure_rate': 1.0}}  # the 135M judge rarely writes "Rating: [[N]]"
    before = served_requests(vllm_server)

    options = RunOptions(debug=True)
    tasks = run_judge_stage(cfg, run_dir, options)

    assert [t.model_abbr for t in tasks] == ['api-judge'] and options.failures == []
    assert served_requests(vllm_server) - before == QUESTIONS  # one request per judgement, all served
    # every judgement the server gave is in the run's API cache, so a resumed run would not pay for it again
    assert len((run_dir.api_cache() / 'api-judge.jsonl').read_text().splitlines()) == QUESTIONS
    stored = [json.loads(line) for line in
              run_dir.judgements('api-judge', 'cand', 'subjective-generic').read_text().splitlines()]
    assert [(r['row'], r['judge']) for r in stored] == [(0, 'api-judge'), (1, 'api-judge')]
    assert all(r['raw'].strip() for r in stored)
    assert all('"role": "user"' in r['judge_prompt'] for r in stored)  # the chat messages sent to the server
    text, problems = summarize_subjective(cfg, run_dir)
    assert problems == [] and 'api-judge' in text
    header, row = run_dir.subjective_summary('csv').read_text().splitlines()
    values = dict(zip(header.split(','), row.split(',')))
    assert (values['judge'], values['model'], values['judged']) == ('api-judge', 'cand', str(QUESTIONS))
    assert run_judge_stage(cfg, run_dir, options) == []  # complete judgements are never asked again
