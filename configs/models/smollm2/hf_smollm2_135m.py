# The embedded default model read as a base model: raw prompts, no chat template (for PPL scoring).
from evalkit.models import HuggingFaceCausalLM

models = [dict(
    type=HuggingFaceCausalLM,
    abbr='smollm2-135m-hf',
    path='embedded:smollm2-135m-instruct',
    mode='base',
    dtype='float32',
    max_seq_len=2048,
    max_out_len=256,
    batch_size=8,
    run_cfg=dict(num_gpus=0),
)]
