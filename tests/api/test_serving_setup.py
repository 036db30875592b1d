"""Setting up and configuring vLLM serving without a server: a failed venv install leaves no stamp and
names its log; ``-a vllm`` rewrites HF model configs into valid API-model configs."""
from __future__ import annotations

from pathlib import Path

import pytest

from evalkit import registry
from evalkit.config.errors import ConfigError
from evalkit.config.validation import check_component
from evalkit.serving.accelerator import accelerate_models, vllm_model_config
from evalkit.serving.vllm_venv import STAMP_NAME, VLLMVenvError, ensure_vllm_venv, is_installed

HF_CHAT = {'type': 'HuggingFaceCausalLM', 'abbr': 'smollm2', 'path': 'embedded:smollm2-135m-instruct', 'mode': 'chat',
           'dtype': 'float32', 'max_seq_len': 2048, 'max_out_len': 64, 'batch_size': 8, 'run_cfg': {'num_gpus': 0}}


def test_a_failed_install_leaves_no_stamp_and_names_its_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real pip that can reach no package: the torch step fails as it would offline.
    monkeypatch.setenv('PIP_CONFIG_FILE', '/dev/null')
    monkeypatch.setenv('PIP_NO_INDEX', '1')
    monkeypatch.setenv('PIP_FIND_LINKS', str(tmp_path / 'no-wheels'))
    venv = tmp_path / 'vllm-venv'
    with pytest.raises(VLLMVenvError) as failure:
        ensure_vllm_venv(venv)
    log = tmp_path / 'vllm-venv-install.log'
    assert str(log) in str(failure.value) and 'torch==2.13.0' in str(failure.value)
    assert 'No matching distribution' in log.read_text() or 'ERROR' in log.read_text()
    assert not (venv / STAMP_NAME).exists()
    assert not is_installed(venv)


def test_hf_configs_become_api_configs_that_validate() -> None:
    chat = vllm_model_config(HF_CHAT, 'models[0]')
    assert chat['api'] == 'chat' and chat['serve'] == {'model': 'embedded:smollm2-135m-instruct'}
    assert 'batch_size' not in chat and chat['max_out_len'] == 64 and chat['abbr'] == 'smollm2'
    base = accelerate_models([{**HF_CHAT, 'mode': 'base'}], 'vllm')[0]
    assert base['api'] == 'completions'  # the endpoint that can also score PPL datasets
    for converted in (chat, base):
        check_component(converted, registry.MODELS, 'models[0]', ignore=('run_cfg', 'serve'))


def test_only_local_hf_models_in_float32_are_served() -> None:
    with pytest.raises(ConfigError, match='HuggingFaceCausalLM'):
        vllm_model_config({'type': 'OpenAIModel', 'path': 'x', 'base_url': 'http://h/v1'}, 'models[0]')
    with pytest.raises(ConfigError, match="dtype='float32'"):
        vllm_model_config({**HF_CHAT, 'dtype': 'bfloat16'}, 'models[0]')
