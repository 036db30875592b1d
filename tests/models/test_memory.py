"""Peak memory of an MMLU PPL run does not grow with the number of questions (results stream out)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import PROJECT_ROOT, cli_env, requires_shared_mmlu

_SCRIPT = textwrap.dedent('''
    import json, resource, sys
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, 'benchmarks')
    from engine_speed import mmlu_builders
    from evalkit.models import HuggingFaceCausalLM
    from evalkit.openicl.inferencers import PPLInferencer

    model = HuggingFaceCausalLM(path='embedded:smollm2-135m-instruct', mode='base', batch_size=4)
    [builder] = mmlu_builders(['abstract_algebra'], int(sys.argv[1]))
    written = []
    PPLInferencer(chunk_size=4).run(model, builder, list(range(len(builder.test))),
                                    lambda records: written.append(len(records)))
    print(json.dumps({'rows': sum(written), 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
''')


def _peak_rss_mb(questions: int) -> float:
    out = subprocess.run([sys.executable, '-c', _SCRIPT, str(questions)], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, timeout=900, env=cli_env())
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result['rows'] == questions
    return result['peak_rss_mb']


@pytest.mark.slow
@requires_shared_mmlu
def test_peak_rss_does_not_grow_with_dataset_size() -> None:
    small, large = _peak_rss_mb(4), _peak_rss_mb(20)
    assert large <= small + 50, (small, large)
