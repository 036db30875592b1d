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
            backbone.head_rows += hidden.shape[0]
            logits = backbone.head(hidden).float().cpu()
            tokens = []
            for row, k in enumerate(prompts):
                if k not in generators:
                    generators[k] = torch.Generator().manual_seed(self.seeds[requests[k]])
                tokens.append(self.draw(logits[row], generators[k]))
            return torch.tensor(tokens, dtype=torch.long)

        return choose

    def draw(self, logits: torch.Tensor, generator: torch.Generator) -> int:
        """One token from ``softmax(logits / temperature)`` restricted to the top-k, then the top-p mass.

        Candidates are ordered by probability (ties by token id) only when a filter needs it; the
        draw is one uniform number from the request's generator, mapped through the cumulative mass."""
        probs = torch.softmax(logits / self.temperature, -1)
        if self.top_k > 0 and self.top_k < len(probs):
            probs, order = torch.topk(probs, self.top_k)
        elif self.top_p < 1:
            probs, order = torch.sort(probs, descending=True, stable=True)
        else:
            order = None
        probs = probs.double() / probs.sum()
        if self.top_p < 1:  # the fewest most likely tokens whose mass reaches top_p (at least one)
            before = probs.cumsum(-1) - probs
            probs = probs[:max(1, int((before < self.top_p).sum()))]
        cumulative = probs.cumsum(-1)
        threshold = torch.rand((), generator=generator, dtype=torch.float64) * cumulative[-1]
        index = min(int(torch.searchsorted(cumulative, threshold, right=True)), len(probs) - 1)
        return index if order is None else int(order[index])
