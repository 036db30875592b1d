"""The parts of a Hugging Face causal LM that evalkit's engines drive themselves.

The engines call the decoder stack and the output head separately: the head (a
[tokens, vocab] matmul plus log-softmax, about a third of this model's cost) then runs
only on positions whose score is needed, a slice at a time, so no float32
[batch, length, vocab] tensor is ever built.  Keys and values live in ``SlabLayer``
buffers that are allocated once per batch and filled in place: a shared prefix is
copied into each row once, and generation appends without re-concatenating.
"""
from __future__ import annotations

from typing import Any

import torch
from transformers.cache_utils import Cache, DynamicLayer

from evalkit.config.errors import ConfigError

# Rows of hidden states sent through the output head at once: bounds the [rows, vocab] logits.
_HEAD_BYTES = 64 << 20


class SlabLayer(DynamicLayer):
    """One layer's keys/values in a preallocated buffer that grows in place."""

    def __init__(self, keys: torch.Tensor, values: torch.Tensor, capacity: int) -> None:
        super().__init__()
        batch, heads, length, dim = keys.shape
        self._k = keys.new_empty(batch, heads, max(capacity, length), dim)
        self._v = values.new_empty(batch, heads, max(capacity, length), dim)
        self._k[:, :, :length] = keys
        self._v[:, :, :length] = values
        self.length = length
        self.dtype, self.device, self.is_initialized = keys.dtype, keys.device, True
        self._expose()

    def _expose(self) -> None:
        self.keys, self.values = self._k[:, :, :self.length], self._v[:, :, :self.length]

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any,
               **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        end = self.length + key_states.shape[-2]
        if end > self._k.shape[-2]:  # out of room: double (amortised O(1) per token)
            grow = max(end, 2 * self._k.shape[-2]) - self._k.shape[-2]
            pad = (0, 0, 0, grow)
            self._k, self._v = torch.nn.functional.pad(self._k, pad), torch.nn.functional.pad(self._v, pad)
        self._k[:, :, self.length:end] = key_states
        self._v[:, :, self.length:end] = value_states
        self.length = end
        self._expose()
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.length

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        self._k, self._v = self._k[indices], self._v[indices]
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
        self._check_head()

    def _check_head(self) -> None:
        """Fail early if the model transforms its logits beyond ``head(decoder(x))`` (softcapping, scaling)."""
        ids = torch.tensor([[1, 2, 3, 4]], device=self.device) % self.vocab_size
        with torch.inference_mode():
            full = self.model(input_ids=ids).logits[0, -1].float()
            ours = self.head(self.decoder(input_ids=ids).last_hidden_state[0, -1]).float()
        if not torch.allclose(full, ours, atol=1e-3, rtol=1e-3):
            raise ConfigError(f'{type(self.model).__name__} post-processes its logits; evalkit\'s engine '
                              f'would score it wrongly.')

    def new_cache(self, batch: int, capacity: int, prefix: Any = None) -> Cache:
        """Empty keys/values for ``batch`` rows, or ``prefix`` (a PrefixView) copied into each row."""
        layers = []
        for layer in range(self.n_layers):
            if prefix is None:
                shape = (batch, self.n_kv_heads, 0, self.head_dim)
                k = v = torch.empty(shape, dtype=self.dtype, device=self.device)
            else:
                k, v = prefix.keys(layer), prefix.values(layer)
                k, v = k.expand(batch, -1, -1, -1), v.expand(batch, -1, -1, -1)
            layers.append(SlabLayer(k, v, capacity))
        return Cache(layers=layers)

    def forward(self, ids: torch.Tensor, positions: torch.Tensor, cache: Cache | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        """Final hidden states [batch, length, hidden]; ``cache`` (if any) is extended in place."""
        out = self.decoder(input_ids=ids.to(self.device), position_ids=positions.to(self.device),
                           attention_mask=None if mask is None else mask.to(self.device),
                           past_key_values=cache, use_cache=cache is not None)
        return out.last_hidden_state

    def token_logprobs(self, hidden: torch.Tensor, slots: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """``log p(tokens[j] | hidden[slots[j]])`` for every j, as float32 on the CPU.

        Log-softmax runs over a slice of hidden rows at a time; a row predicting several
        tokens (the last context token before each label) goes through the head once.
        """
        out = torch.empty(len(slots), dtype=torch.float32)
        step = max(1, _HEAD_BYTES // (4 * self.vocab_size))
        slots, tokens = slots.to(self.device), tokens.to(self.device)
        for lo in range(0, hidden.shape[0], step):
            chosen = ((slots >= lo) & (slots < lo + step)).nonzero()[:, 0]
            if len(chosen):
                logp = self.head(hidden[lo:lo + step]).float().log_softmax(-1)
                out[chosen.cpu()] = logp[slots[chosen] - lo, tokens[chosen]].cpu()
        return out

    def next_tokens(self, hidden: torch.Tensor) -> torch.Tensor:
        """Greedy choice from final hidden states [batch, hidden]."""
        return self.head(hidden).argmax(-1)

    def forward_bytes(self, rows: int, width: int, past: int) -> int:
        """Rough peak memory of one forward over ``rows`` x ``width`` new tokens after ``past`` cached ones."""
        elem = torch.finfo(self.dtype).bits // 8
        keys = past + width
        cache = rows * keys * self.n_layers * 2 * self.n_kv_heads * self.head_dim * elem
        # per layer, transient: keys/values repeated for every query head, attention scores, the mask, the MLP
        attention = rows * self.n_heads * keys * (2 * self.head_dim * elem + width * 4) + rows * width * keys
        mlp = rows * width * (4 * self.hidden_size + 3 * self.intermediate_size) * elem
        return cache + attention + mlp
