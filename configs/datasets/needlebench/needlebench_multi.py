# Needle in a haystack, three needles per context: the first at depths 0-100% (step 10), the others
# spread evenly over the rest of the context, one question each; a row counts when every needle's
# keywords are in the answer (keyword_recall gives partial credit). Lengths as in needlebench_single.
from mmengine.config import read_base

from evalkit.datasets import NeedleBenchDataset
from evalkit.openicl import GenInferencer, ZeroRetriever

with read_base():
    from ._needlebench_common import needlebench_eval_cfg, needlebench_prompt_template, needlebench_reader_cfg

needlebench_multi_datasets = [dict(
    abbr='needlebench_multi',
    type=NeedleBenchDataset,
    path='needlebench',
    load_kwargs=dict(lengths=[512, 1024, 1536], depths=list(range(0, 101, 10)), needle_count=3,
                     tokenizer_path='embedded:smollm2-135m-instruct'),
    reader_cfg=needlebench_reader_cfg,
    infer_cfg=dict(prompt_template=needlebench_prompt_template, retriever=dict(type=ZeroRetriever),
                   inferencer=dict(type=GenInferencer, max_out_len=96)),
    eval_cfg=needlebench_eval_cfg,
)]
