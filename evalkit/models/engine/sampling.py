"""Choosing each next token: greedy (the argmax) or seeded sampling.

The decode loop asks a *chooser* for the next token of some of its rows, naming each row by
the stream prompt it decodes.  Greedy is the backbone's argmax, unchanged.  Sampling gives
every request its own ``torch.Generator``, seeded from the request's seed when the request
first asks for a token, and draws one uniform number per token from it (inverse CDF over
the filtered distribution).  A request's tokens therefore depend only on its own logits and
its own seed: not on which rows share the batch, the batch size, or a restart after running
out of memory (a restarted stream builds a fresh chooser, so generators start over).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from evalkit.models.engine.backbone import Backbone

# (final hidden states [rows, hidden], the stream prompt of each row) -> next token ids [rows] on the CPU
Chooser = Callable[[torch.Tensor, list[int]], torch.Tensor]


def greedy_chooser(backbone: Backbone) -> Chooser:
    return lambda hidden, prompts: backbone.next_tokens(hidden).cpu()


class Sampler:
    """Temperature / top-k / top-p sampling with one seed per request (``seeds[request]``)."""

    def __init__(self, temperature: float, top_p: float, top_k: int, seeds: Sequence[int]) -> None:
        if temperature <= 0:
            raise ValueError('Sampler needs temperature > 0; greedy decoding uses greedy_chooser')
        self.temperature, self.top_p, self.top_k, self.seeds = temperature, top_p, top_k, list(seeds)

    def chooser(self, backbone: Backbone, requests: Sequence[int]) -> Chooser:
        """A chooser for one stream whose prompt k is request ``requests[k]``."""
        generators: dict[int, torch.Generator] = {}

        def choose(hidden: torch.Tensor, prompts: list[int]) -> torch.Tensor:
            for k in prompts:
                if k not in generators:
                    generators[k] = torch.Generator().manual_seed(self.seeds[requests[k]])
            uniforms = torch.stack([torch.rand((), generator=generators[k], dtype=torch.float64) for k in prompts])
            return self.draw(backbone.head(hidden).float().cpu(), uniforms)

        return choose

    def draw(self, logits: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
        """One token per row of ``logits`` [rows, vocab] from ``softmax(logits / temperature)`` restricted
        to the top-k, then to the top-p mass, chosen by the row's uniform number through the cumulative
        mass.  Every step is row-wise, so a row's token does not depend on the other rows."""
        probs = torch.softmax(logits / self.temperature, -1)
        order = None  # candidates are ordered by probability only when a filter needs it
        if 0 < self.top_k < probs.shape[-1]:
            probs, order = torch.topk(probs, self.top_k, dim=-1)
        elif self.top_p < 1:
            probs, order = torch.sort(probs, dim=-1, descending=True, stable=True)
        probs = probs.double()
        probs = probs / probs.sum(-1, keepdim=True)
        if self.top_p < 1:  # the fewest most likely tokens whose mass reaches top_p (the first always stays)
            probs = probs.masked_fill(probs.cumsum(-1) - probs >= self.top_p, 0.0)
        cumulative = probs.cumsum(-1)
        thresholds = uniforms.double()[:, None] * cumulative[:, -1:]
        index = torch.searchsorted(cumulative, thresholds, right=True).clamp(max=probs.shape[-1] - 1)
        return (index if order is None else order.gather(-1, index))[:, 0].long()
