"""How much work a dataset is, estimated before any model loads.

A row costs what the model reads and writes for it: the tokens of every prompt it
scores (a PPL row reads one full prompt per candidate label) plus its generated
tokens, which are dearer than read ones because they are decoded one at a time.
Prompt tokens are estimated from a few rendered prompts without a tokenizer (about
four ASCII characters per token, one and a half per other character such as CJK: between
Chinese-aware tokenizers and byte-level English ones, where it is two to three), which
keeps the partitioner fast and model-agnostic; the estimate only has to rank tasks.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evalkit.api.prompt import prompt_to_text
from evalkit.config.plain import content_hash
from evalkit.tasks.infer import prepare

# A token of max_out_len costs about this many prompt tokens: decoding is sequential, while
# prompts are read in parallel and share their few-shot prefixes; answers mostly stop early.
# Fitted on the demo (SmolLM2 on CPU): a GSM8K row (~360 prompt tokens, cap 256) took 2.4x
# as long as a 5-shot C-Eval row (~570 prompt tokens, cap 16).
GEN_TOKEN_COST = 4.0
SAMPLE_ROWS = 4
DEFAULT_MAX_OUT_LEN = 256


@dataclass(frozen=True)
class DatasetCost:
    rows: int
    row_cost: float

    @property
    def total(self) -> float:
        return self.rows * self.row_cost


def estimate_tokens(text: str) -> float:
    ascii_chars = len(text.encode('ascii', 'ignore'))
    return ascii_chars / 4 + 1.5 * (len(text) - ascii_chars)


_cache: dict[str, DatasetCost] = {}


def dataset_cost(model_cfg: Mapping[str, Any], dataset_cfg: Mapping[str, Any],
                 gen_token_cost: float = GEN_TOKEN_COST) -> DatasetCost:
    """Rows of the dataset's test split (after ``limit``) and the estimated cost of one row."""
    max_out_len = int(model_cfg.get('max_out_len') or DEFAULT_MAX_OUT_LEN)
    key = content_hash([dataset_cfg, max_out_len, gen_token_cost])
    if key not in _cache:
        builder, inferencer = prepare(dataset_cfg, approximate=True)
        rows = len(builder.test)
        samples = sorted({i * rows // SAMPLE_ROWS for i in range(SAMPLE_ROWS)} & set(range(rows)))
        costs = []
        for i in samples:
            prompts, gen_tokens = inferencer.row_requests(builder, i, max_out_len)
            costs.append(sum(estimate_tokens(prompt_to_text(p)) + gen_token_cost * gen_tokens for p in prompts))
        _cache[key] = DatasetCost(rows, sum(costs) / len(costs) if costs else 0.0)
    return _cache[key]
