# Needle in a haystack, one needle: a fact planted at depths 0-100% (step 10) of a public-domain text
# cut to 512/1024/1536 tokens of the evaluated model's tokenizer (33 rows; the default model's window is
# 2048). Raise load_kwargs.lengths up to the model's max_seq_len minus ~100 tokens (e.g. 1000-8000 step
# 1000 for an 8k model) and set tokenizer_path to that model's tokenizer. Scored by keyword match;
# summary/needle_grid_<abbr>.{csv,md} and summary/plots/needle_heatmap_<abbr>_<model>.png.
from mmengine.config import read_base

from evalkit.datasets import NeedleBenchDataset
from evalkit.openicl import GenInferencer, ZeroRetriever

with read_base():
    from ._needlebench_common import needlebench_eval_cfg, needlebench_prompt_template, needlebench_reader_cfg

needlebench_single_datasets = [dict(
    abbr='needlebench_single',
    type=NeedleBenchDataset,
    path='needlebench',
    load_kwargs=dict(lengths=[512, 1024, 1536], depths=list(range(0, 101, 10)), needle_count=1,
                     tokenizer_path='embedded:smollm2-135m-instruct'),
    reader_cfg=needlebench_reader_cfg,
    infer_cfg=dict(prompt_template=needlebench_prompt_template, retriever=dict(type=ZeroRetriever),
                   inferencer=dict(type=GenInferencer, max_out_len=32)),
    eval_cfg=needlebench_eval_cfg,
)]
