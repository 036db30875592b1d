# Test config: a slice of the demo (configs/eval_demo.py): the same model and prompts on one C-Eval
# subject and the GSM8K sample; tests add --limit to keep it to a few rows.
from mmengine.config import read_base

with read_base():
    from ...configs.eval_demo import datasets as demo_datasets
    from ...configs.models.smollm2.hf_smollm2_135m_instruct import models  # noqa: F401 (read_base keeps it)

datasets = [d for d in demo_datasets if d['abbr'] in ('ceval-computer_network', 'gsm8k-demo')]
