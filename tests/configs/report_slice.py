# Test config for the HTML report: the demo's model and C-Eval prompts on one subject of each of three
# categories (so the report has group rows and a category radar); tests add --limit 3.
from mmengine.config import read_base

with read_base():
    from ...configs.eval_demo import datasets as demo_datasets
    from ...configs.models.smollm2.hf_smollm2_135m_instruct import models  # noqa: F401 (read_base keeps it)

datasets = [d for d in demo_datasets if d['abbr'] in ('ceval-computer_network', 'ceval-law', 'ceval-college_economics')]
