"""``run.py -a vllm`` end to end: a local HF model config served by a vLLM server the inference task
starts and stops; predictions written, no server process left behind, the API key in no file."""
from __future__ import annotations

import os
import re
from pathlib import Path

import psutil
import pytest

from evalkit.serving.vllm_venv import is_installed
from tests.conftest import cli_env, only_run_dir, run_cli

SECRET = 'sk-e2e-h1-never-written-7781'


def leftover_processes(group: int) -> list[str]:
    found = []
    for process in psutil.process_iter(['pid', 'cmdline']):
        try:
            if os.getpgid(process.pid) == group:
                found.append(' '.join(process.info['cmdline'] or [])[:120])
        except (ProcessLookupError, psutil.Error):
            continue
    return found


@pytest.mark.slow
def test_accelerator_vllm_end_to_end(work_dir: Path) -> None:
    if not is_installed():
        pytest.skip('the vLLM venv is not installed (python tools/vllm_server.py setup; make test does it)')
    done = run_cli('--models', 'hf_smollm2_135m_instruct', '--datasets', 'gsm8k_gen', '--limit', '2', '-a', 'vllm',
                   '-w', str(work_dir), '--cfg-options', 'models.0.key=ENV:EVALKIT_E2E_KEY',
                   'datasets.0.infer_cfg.inferencer.max_out_len=24',
                   env=cli_env(EVALKIT_E2E_KEY=SECRET))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run = only_run_dir(work_dir)
    predictions = (run / 'predictions' / 'smollm2-135m-instruct' / 'gsm8k.jsonl').read_text().splitlines()
    assert len(predictions) == 2
    log = next((run / 'logs' / 'vllm').glob('*.log')).read_text()
    group = int(re.search(r'^# server process group (\d+)$', log, re.M).group(1))
    assert leftover_processes(group) == []
    assert (run / 'api_cache' / 'smollm2-135m-instruct.jsonl').is_file()
    leaked = [p for p in run.rglob('*') if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaked == []
