# The headline job (benchmarks/mmlu_full.py): all of MMLU, 57 subjects, 14,042 test questions, 5-shot
# PPL from dev, exactly as the 4-subject job of compare_peers.py runs its subjects (same prompt, model
# settings and single task process), so the two runs' predictions on those subjects can be compared.
from mmengine.config import read_base

with read_base():
    from ...configs.datasets.mmlu.mmlu_ppl import mmlu_datasets as datasets  # noqa: F401
    from .peers_mmlu_ppl import infer, models  # noqa: F401
