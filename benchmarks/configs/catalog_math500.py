# Benchmark job 'math500' of benchmarks/compare_catalog.py (see catalog_oc_prompts.py).
from mmengine.config import read_base

with read_base():
    from .catalog_oc_prompts import chat_models as models  # noqa: F401
    from .catalog_oc_prompts import infer  # noqa: F401
    from .catalog_oc_prompts import math500_datasets as datasets  # noqa: F401
