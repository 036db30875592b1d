# The demo: the embedded SmolLM2-135M-Instruct on the C-Eval sample (52 subjects) and a GSM8K sample,
# all shipped in data/, so it runs offline in a few minutes on two CPU cores.
from mmengine.config import read_base

with read_base():
    from .datasets.ceval.ceval_gen import ceval_datasets
    from .datasets.gsm8k.gsm8k_gen import gsm8k_datasets
    from .models.smollm2.hf_smollm2_135m_instruct import models

datasets = [*ceval_datasets, *[dict(ds, abbr='gsm8k-demo', path='demo/gsm8k-sample') for ds in gsm8k_datasets]]

# Two task processes; the default SizePartitioner cuts the work into four tasks of similar
# estimated cost, so both workers stay busy until the end.
infer = dict(runner=dict(type='LocalRunner', max_num_workers=2))
