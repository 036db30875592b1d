"""The parts of a Hugging Face causal LM that evalkit's engines drive themselves.

The engines call the decoder stack and the output head separately: the head (a
[tokens, vocab] matmul plus log-softmax, about a third of this model's cost) then runs
only on positions whose score is needed, a slice at a time, so no float32
[batch, length, vocab] tensor is ever built.

A prefix shared by every row of a batch (the in-context examples) is kept once, not
per row: the model runs with the ``evalkit`` attention, which gives every query the
prefix's keys/values as well as its row's own.  When each row brings many queries
(scoring, prefill) it joins them per layer for one fused attention kernel; when it
brings one (decoding) it attends all rows' queries to the prefix with a single matmul
that reads the prefix once, attends each row to its own keys, and merges the two
softmaxes (copying the prefix per row would cost more than the step itself).  Rows'
own keys and values live in ``SlabLayer`` buffers allocated once per batch and
filled in place, so generation appends without re-concatenating.
"""
from __future__ import annotations

import inspect
from typing import Any

import torch
from transformers import AttentionInterface
from transformers.cache_utils import Cache, DynamicLayer
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

from evalkit.config.errors import ConfigError

_ATTENTION = 'evalkit'
# Query rows attended to a prefix at once: bounds the [rows, prefix] score matrix.
_SCORE_BYTES = 64 << 20
# From this many queries per row on, joining prefix and own keys for a fused kernel is faster.
_FUSED_MIN_QUERIES = 8

# Rows of hidden states sent through the output head at once: bounds the [rows, vocab] logits.
_HEAD_BYTES = 64 << 20


class SlabLayer(DynamicLayer):
    """One layer's keys/values in a preallocated buffer that grows in place.

    New keys are appended at a common column, or, with ``write_at`` set (one column per
    row), a single new key per row goes to that row's own column: rows of different
    lengths then share the buffer (continuous batching).
    """

    def __init__(self, batch: int, heads: int, dim: int, capacity: int, dtype: torch.dtype,
                 device: torch.device) -> None:
        super().__init__()
        # zeros, not empty: masked-out columns still meet a zero attention weight, and 0 * NaN is NaN
        self._k = torch.zeros((batch, heads, capacity, dim), dtype=dtype, device=device)
        self._v = torch.zeros_like(self._k)
        self.length = 0
        self.write_at: torch.Tensor | None = None
        self.dtype, self.device, self.is_initialized = dtype, device, True
        self._expose()

    def _expose(self) -> None:
        self.keys, self.values = self._k[:, :, :self.length], self._v[:, :, :self.length]

    def _reserve(self, end: int) -> None:
        if end > self._k.shape[-2]:  # out of room: double (amortised O(1) per token)
            pad = (0, 0, 0, max(end, 2 * self._k.shape[-2]) - self._k.shape[-2])
            self._k, self._v = torch.nn.functional.pad(self._k, pad), torch.nn.functional.pad(self._v, pad)

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any,
               **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        if self.write_at is not None:
            end = int(self.write_at.max()) + 1
            self._reserve(end)
            rows = torch.arange(len(self.write_at), device=self._k.device)
            self._k[rows, :, self.write_at] = key_states[:, :, 0]
            self._v[rows, :, self.write_at] = value_states[:, :, 0]
            self.length = max(self.length, end)
        else:
            end = self.length + key_states.shape[-2]
            self._reserve(end)
            self._k[:, :, self.length:end] = key_states
            self._v[:, :, self.length:end] = value_states
            self.length = end
        self._expose()
        return self.keys, self.values

    def place(self, row: int, keys: torch.Tensor, values: torch.Tensor) -> None:
        """Put one row's keys/values [heads, length, dim] at the start of that row."""
        self._reserve(keys.shape[1])
        self._k[row, :, :keys.shape[1]] = keys
        self._v[row, :, :keys.shape[1]] = values
        self.length = max(self.length, keys.shape[1])
        self._expose()

    def get_seq_length(self) -> int:
        return self.length

    def compact(self, sources: torch.Tensor, holes: torch.Tensor, rows: int, length: int) -> None:
        """Keep the first ``rows`` rows after moving rows ``sources`` into rows ``holes``, and the first
        ``length`` columns.  Only the moved rows are copied; the buffer itself is kept (a view)."""
        if len(sources):
            self._k[holes], self._v[holes] = self._k[sources], self._v[sources]
        self._k, self._v = self._k[:rows], self._v[:rows]
        self.length = length
        self._expose()


class Backbone:
    """Decoder stack + output head of a loaded ``AutoModelForCausalLM``."""

    def __init__(self, model: Any) -> None:
        config = model.config.get_text_config()
        kinds = set(getattr(config, 'layer_types', None) or ['full_attention'])
        if kinds != {'full_attention'}:
            raise ConfigError(f"evalkit's inference engine supports full-attention decoders; this model has "
                              f"layer types {sorted(kinds)}.")
        self.model = model
        self.decoder = model.get_decoder()
        # transformers renamed the decoder's cache argument (past_key_values -> cache) within 5.x.
        params = inspect.signature(self.decoder.forward).parameters
        self._cache_arg = 'cache' if 'cache' in params else 'past_key_values'
        self.head = model.get_output_embeddings()
        self.device = next(model.parameters()).device
        self.dtype = next(model.parameters()).dtype
        self.n_layers = config.num_hidden_layers
        self.n_heads = config.num_attention_heads
        self.n_kv_heads = getattr(config, 'num_key_value_heads', None) or self.n_heads
        self.head_dim = getattr(config, 'head_dim', None) or config.hidden_size // self.n_heads
        self.hidden_size = config.hidden_size
        self.intermediate_size = getattr(config, 'intermediate_size', 4 * config.hidden_size)
        self.vocab_size = self.head.out_features
        # Positions scored through the output head (token_logprobs; generation's picks are not counted):
        # with the decoder's token count, what a scoring ceiling is priced by.
        self.head_rows = 0
        self._check_head()
        model.set_attn_implementation(_ATTENTION)
        self._check_prefix_attention()

    def _check_head(self) -> None:
        """Fail early if the model transforms its logits beyond ``head(decoder(x))`` (softcapping, scaling)."""
        ids = torch.tensor([[1, 2, 3, 4]], device=self.device) % self.vocab_size
        with torch.inference_mode():
            full = self.model(input_ids=ids).logits[0, -1].float()
            ours = self.head(self.decoder(input_ids=ids).last_hidden_state[0, -1]).float()
        if not torch.allclose(full, ours, atol=1e-3, rtol=1e-3):
            raise ConfigError(f'{type(self.model).__name__} post-processes its logits; evalkit\'s engine '
                              f'would score it wrongly.')

    def _check_prefix_attention(self) -> None:
        """Fail early if the architecture does not route the prefix to the attention (scores would ignore it)."""
        ids = torch.tensor([[5, 6, 7, 8, 9, 10]], device=self.device) % self.vocab_size
        with torch.inference_mode():
            whole = self.decoder(input_ids=ids).last_hidden_state[0, -1]
            cache = self.new_cache(1, 3)
            self.decoder(input_ids=ids[:, :3], use_cache=True, **{self._cache_arg: cache})
            prefix = _Keys([layer.keys for layer in cache.layers], [layer.values for layer in cache.layers])
            split = self.forward(ids[:, 3:], torch.arange(3, 6)[None], self.new_cache(1, 3), prefix=prefix)[0, -1]
        if not torch.allclose(whole, split, atol=1e-3, rtol=1e-3):
            raise ConfigError(f"{type(self.model).__name__}'s attention does not take evalkit's shared prefix; "
                              f"the engine supports decoders built on transformers' AttentionInterface.")

    def new_cache(self, batch: int, capacity: int) -> Cache:
        """Empty keys/values for ``batch`` rows, room for ``capacity`` tokens each (it grows if needed)."""
        return Cache(layers=[SlabLayer(batch, self.n_kv_heads, self.head_dim, capacity, self.dtype, self.device)
                             for _ in range(self.n_layers)])

    def forward(self, ids: torch.Tensor, positions: torch.Tensor, cache: Cache | None = None,
                mask: torch.Tensor | None = None, prefix: Any = None) -> torch.Tensor:
        """Final hidden states [batch, length, hidden]; ``cache`` (if any) is extended in place.

        ``prefix`` (keys/values per layer, ``keys(layer)``/``values(layer)``, batch 1) precedes
        every row and every token sees it; ``mask`` [batch, 1, length, cached + length] (True:
        may attend) covers the rows' own tokens only, None meaning causal.
        """
        if prefix is not None and mask is None:  # explicit, so transformers builds no mask of its own
            past = cache.get_seq_length() if cache is not None else 0
            mask = torch.ones((ids.shape[1], past + ids.shape[1]), dtype=torch.bool).tril(past)[None, None]
        out = self.decoder(input_ids=ids.to(self.device), position_ids=positions.to(self.device),
                           attention_mask=None if mask is None else mask.to(self.device),
                           use_cache=cache is not None, evalkit_prefix=prefix, **{self._cache_arg: cache})
        return out.last_hidden_state

    def token_logprobs(self, hidden: torch.Tensor, slots: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """``log p(tokens[j] | hidden[slots[j]])`` for every j, as float32 on the CPU.

        Log-softmax runs over a slice of hidden rows at a time; a row predicting several
        tokens (the last context token before each label) goes through the head once.
        """
        out = torch.empty(len(slots), dtype=torch.float32)
        self.head_rows += hidden.shape[0]
        step = max(1, _HEAD_BYTES // (4 * self.vocab_size))
        for lo in range(0, hidden.shape[0], step):
            chosen = ((slots >= lo) & (slots < lo + step)).nonzero()[:, 0]
            if len(chosen):
                logp = self.head(hidden[lo:lo + step]).float().log_softmax(-1)
                out[chosen] = logp[(slots[chosen] - lo).to(logp.device), tokens[chosen].to(logp.device)].cpu()
        return out

    def next_tokens(self, hidden: torch.Tensor) -> torch.Tensor:
        """Greedy choice from final hidden states [batch, hidden]."""
        return self.head(hidden).argmax(-1)

    def kv_bytes(self, tokens: int) -> int:
        """Keys and values of ``tokens`` positions of one row, over all layers."""
        return tokens * self.n_layers * 2 * self.n_kv_heads * self.head_dim * (torch.finfo(self.dtype).bits // 8)

    def forward_bytes(self, rows: int, width: int, past: int) -> int:
        """Rough peak memory of one forward over ``rows`` x ``width`` own tokens after a ``past``-token prefix."""
        elem = torch.finfo(self.dtype).bits // 8
        keys = past + width
        cache = rows * self.kv_bytes(width)
        # per layer, transient: prefix and own keys/values joined, the mask, scores (if the kernel
        # materialises them), the MLP
        attention = rows * keys * (2 * self.n_kv_heads * self.head_dim * elem + width * (1 + 4 * self.n_heads))
        mlp = rows * width * (4 * self.hidden_size + 3 * self.intermediate_size) * elem
        return cache + attention + mlp


class _Keys:
    """Per-layer keys/values of a prefix, the interface ``Backbone.forward`` expects of ``prefix``."""

    def __init__(self, keys: list[torch.Tensor], values: list[torch.Tensor]) -> None:
        self._keys, self._values = keys, values

    def keys(self, layer: int) -> torch.Tensor:
        return self._keys[layer]

    def values(self, layer: int) -> torch.Tensor:
        return self._values[layer]


def _softmax_parts(scores: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Unnormalised softmax-weighted values, the row maxima and the row sums of exp(scores - max)."""
    top = scores.amax(-1, keepdim=True).clamp(min=torch.finfo(scores.dtype).min)
    weights = (scores - top).exp_()
    return torch.matmul(weights.to(values.dtype), values), top, weights.sum(-1, keepdim=True)


def _prefix_parts(query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                  scale: float) -> tuple[torch.Tensor, ...]:
    """Attention of grouped queries [kv_heads, n, dim] to one prefix [kv_heads, p, dim], in blocks of queries."""
    step = max(1, _SCORE_BYTES // (4 * keys.shape[0] * max(keys.shape[1], 1)))
    parts = [_softmax_parts(torch.matmul(query[:, lo:lo + step], keys.transpose(-1, -2)).float() * scale, values)
             for lo in range(0, query.shape[1], step)]
    return tuple(torch.cat(p, 1) for p in zip(*parts))


def _prefix_attention(module: Any, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                      attention_mask: torch.Tensor | None, scaling: float | None = None, dropout: float = 0.0,
                      evalkit_prefix: Any = None, **kwargs: Any) -> tuple[torch.Tensor, None]:
    """Attention over a shared prefix and each row's own keys (see the module docstring)."""
    if evalkit_prefix is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, scaling=scaling, dropout=dropout,
                                      **kwargs)
    rows, heads, length, dim = query.shape
    kv_heads, own = key.shape[1], key.shape[2]  # Backbone.forward always passes a mask with a prefix
    scale = scaling if scaling is not None else dim ** -0.5
    prefix_keys, prefix_values = evalkit_prefix.keys(module.layer_idx), evalkit_prefix.values(module.layer_idx)
    if length >= _FUSED_MIN_QUERIES:
        keys = torch.cat([prefix_keys.expand(rows, -1, -1, -1), key], 2)
        values = torch.cat([prefix_values.expand(rows, -1, -1, -1), value], 2)
        seen = torch.ones((rows, 1, length, prefix_keys.shape[2]), dtype=torch.bool, device=query.device)
        mask = torch.cat([seen, attention_mask.expand(rows, 1, length, own)], -1)
        out = torch.nn.functional.scaled_dot_product_attention(query, keys, values, attn_mask=mask, scale=scale,
                                                               enable_gqa=True)
        return out.transpose(1, 2).contiguous(), None
    grouped = query.reshape(rows, kv_heads, heads // kv_heads * length, dim)  # kv head h serves query heads h*rep..
    flat = grouped.transpose(0, 1).reshape(kv_heads, -1, dim)
    out_p, top_p, sum_p = _prefix_parts(flat, prefix_keys[0], prefix_values[0], scale)
    out_p, top_p, sum_p = (t.reshape(kv_heads, rows, -1, t.shape[-1]).transpose(0, 1) for t in (out_p, top_p, sum_p))
    scores = torch.matmul(grouped, key.transpose(-1, -2)).float() * scale  # [rows, kv_heads, rep * length, own]
    allowed = attention_mask.expand(rows, 1, length, own).repeat(1, 1, heads // kv_heads, 1)
    out_o, top_o, sum_o = _softmax_parts(scores.masked_fill_(~allowed, float('-inf')), value)
    top = torch.maximum(top_p, top_o)
    w_p, w_o = (top_p - top).exp(), (top_o - top).exp()
    out = (out_p * w_p + out_o * w_o) / (sum_p * w_p + sum_o * w_o)
    return out.to(query.dtype).reshape(rows, heads, length, dim).transpose(1, 2).contiguous(), None


AttentionInterface.register(_ATTENTION, _prefix_attention)
AttentionMaskInterface.register(_ATTENTION, sdpa_mask)
