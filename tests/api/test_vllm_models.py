"""The API model against a real vLLM server (session fixture ``vllm_server``) and the local engine:
same greedy text on GSM8K prompts (chat and completions), same PPL predictions on real MMLU,
and ``-r``'s response cache answering without a request (counted by the server itself)."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from evalkit.models.openai_api import OpenAIModel
from evalkit.serving import VLLMServer
from tests.api.dataset_slices import dataset_configs, predictions
from tests.conftest import requires_shared_mmlu

GSM8K_ROWS = 2
MAX_OUT = 40


def api_model(server: VLLMServer, api: str, **settings) -> OpenAIModel:
    return OpenAIModel(path=server.model_name, base_url=server.base_url, api=api, **settings)


def short_gsm8k() -> dict:
    gsm8k = dataset_configs('gsm8k_gen', limit=GSM8K_ROWS)[0]
    inferencer = {**gsm8k['infer_cfg']['inferencer'], 'max_out_len': MAX_OUT}
    return {**gsm8k, 'infer_cfg': {**gsm8k['infer_cfg'], 'inferencer': inferencer}}


def served_requests(server: VLLMServer) -> float:
    """Requests the server has finished, from its own Prometheus counters."""
    text = httpx.get(server.base_url.removesuffix('/v1') + '/metrics', timeout=10).text
    return sum(float(v) for v in re.findall(r'^vllm:request_success_total\{[^}]*\} (\S+)$', text, re.M))


def test_chat_generation_equals_the_local_engine(vllm_server: VLLMServer, chat_lm) -> None:
    gsm8k = short_gsm8k()
    assert predictions(api_model(vllm_server, 'chat'), gsm8k, GSM8K_ROWS) == predictions(chat_lm, gsm8k, GSM8K_ROWS)


def test_completions_generation_equals_the_local_engine(vllm_server: VLLMServer, base_lm) -> None:
    gsm8k = short_gsm8k()
    expected = predictions(base_lm, gsm8k, GSM8K_ROWS)
    assert predictions(api_model(vllm_server, 'completions'), gsm8k, GSM8K_ROWS) == expected


@requires_shared_mmlu
def test_ppl_predictions_and_scores_equal_the_local_engine(vllm_server: VLLMServer, base_lm) -> None:
    mmlu = dataset_configs('mmlu_ppl', ('mmlu-marketing',), limit=3)[0]
    api = api_model(vllm_server, 'completions')
    assert predictions(api, mmlu, 3) == predictions(base_lm, mmlu, 3)
    texts = ['The capital of France is Paris.', 'Question: 2+2?\nAnswer: 4']
    assert api.perplexity(texts) == pytest.approx(base_lm.perplexity(texts), abs=1e-4)
    contexts, continuations = ['The capital of France is '] * 2, ['Paris', 'Rome']
    assert api.loglikelihood(contexts, continuations) == pytest.approx(
        base_lm.loglikelihood(contexts, continuations), abs=1e-3)


def test_the_response_cache_answers_a_rerun_without_a_request(vllm_server: VLLMServer, tmp_path: Path) -> None:
    prompts = ['Name a fruit.', 'Name a colour.']
    first = api_model(vllm_server, 'chat')
    first.use_response_cache(tmp_path)
    answers = first.generate(prompts, 16)
    before = served_requests(vllm_server)
    rerun = api_model(vllm_server, 'chat')  # a new process on -r: a new model reading the same folder
    rerun.use_response_cache(tmp_path)
    assert rerun.generate(prompts, 16) == answers
    assert rerun.client.stats['cached'] == 2 and rerun.client.stats['sent'] == 0
    assert served_requests(vllm_server) == before
