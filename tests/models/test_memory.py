"""Memory under a hard cap: ``batch_size='auto'`` sizes its batches from what the process's memory
cgroup still allows (a container's or a Slurm job's limit), so scoring and generation finish inside
the cap instead of being killed by the kernel (on CPU there is no out-of-memory exception to catch).

The cap is a real cgroup-v1 memory limit set as root; where that is impossible the test skips and
says why.  The script runs in a child process that joins the cgroup before it starts Python.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, SHARED_DATASETS, cli_env, requires_shared_mmlu

CGROUP_ROOT = Path('/sys/fs/cgroup/memory')
LIMIT = 2 << 30  # the model (0.5 GiB of float32 weights) plus its runtime need about 1.2 GiB

_SCRIPT = textwrap.dedent('''
    import json, sys
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, 'benchmarks')
    from engine_speed import builders_for, mmlu_builders
    from evalkit.models import HuggingFaceCausalLM
    from evalkit.models.engine.batching import cgroup_headroom_bytes
    from evalkit.openicl.inferencers import GenInferencer, PPLInferencer

    base = HuggingFaceCausalLM(path='embedded:smollm2-135m-instruct', mode='base', batch_size='auto')
    headroom = cgroup_headroom_bytes()
    sizer = base.scorer.sizer
    [mmlu] = mmlu_builders(['abstract_algebra'], 6)
    scored = PPLInferencer().infer_chunk(base, mmlu, list(range(6)))
    chat = HuggingFaceCausalLM(path='embedded:smollm2-135m-instruct', mode='chat', batch_size='auto')
    [gsm8k] = builders_for('gsm8k/gsm8k_gen.py', 'gsm8k_datasets', None, 12)
    generated = GenInferencer(max_out_len=24).infer_chunk(chat, gsm8k, list(range(12)))
    print(json.dumps({'headroom': headroom, 'budget': sizer.budget, 'decode_budget': sizer.decode_budget,
                      'scored': len(scored), 'generated': len(generated)}))
''')


def _memory_cgroup(tmp_name: str) -> Path:
    if os.geteuid() != 0 or not (CGROUP_ROOT / 'cgroup.procs').exists():
        pytest.skip(f'needs root and a cgroup-v1 memory controller at {CGROUP_ROOT} to cap memory')
    group = CGROUP_ROOT / tmp_name
    try:
        group.mkdir(exist_ok=True)
        (group / 'memory.limit_in_bytes').write_text(str(LIMIT))
    except OSError as exc:
        pytest.skip(f'cannot create a memory cgroup here: {exc}')
    return group


@pytest.mark.slow
@requires_shared_mmlu
def test_auto_batches_fit_a_hard_memory_cap() -> None:
    if not (SHARED_DATASETS / 'gsm8k').is_dir():
        pytest.skip(f'GSM8K not found at {SHARED_DATASETS}/gsm8k')
    group = _memory_cgroup(f'evalkit-test-{os.getpid()}')
    try:
        out = subprocess.run([sys.executable, '-c', _SCRIPT], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             timeout=900, env=cli_env(EVALKIT_DATA_ROOT=str(SHARED_DATASETS)),
                             preexec_fn=lambda: (group / 'cgroup.procs').write_text(str(os.getpid())))
        peak = int((group / 'memory.max_usage_in_bytes').read_text())
    finally:
        group.rmdir()
    assert out.returncode == 0, f'killed or failed under a {LIMIT >> 20} MiB cap: {out.stderr[-2000:]}'
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert (result['scored'], result['generated']) == (6, 12)
    assert 0 < result['headroom'] < LIMIT
    # the budgets came from the cap, not from the machine's 24 GiB
    assert result['budget'] <= result['headroom'] // 4 and result['decode_budget'] <= result['headroom'] // 4
    assert peak <= LIMIT
