# Benchmark (benchmarks/serve_compare.py, part b): evalkit's own GSM8K prompt (gsm8k_gen: 4-shot chain of
# thought as a chat dialogue), first 100 questions, greedy, up to 256 new tokens, through an OpenAI-compatible
# chat endpoint with 8 requests in flight.  serve_compare.py sets models.0.base_url to the server it measures.
from mmengine.config import read_base

from evalkit.models import OpenAIChat

with read_base():
    from ...configs.datasets.gsm8k.gsm8k_gen import gsm8k_datasets

datasets = [dict(gsm8k_datasets[0], reader_cfg=dict(gsm8k_datasets[0]['reader_cfg'], limit=100))]
models = [dict(type=OpenAIChat, abbr='smollm2-api', path='smollm2', base_url='http://127.0.0.1:8011/v1',
               max_concurrency=8, max_out_len=256, max_seq_len=2048)]
infer = dict(runner=dict(type='LocalRunner', max_num_workers=1))
