"""Hugging Face causal language models (local folders, hub ids or the embedded default).

Scoring batches sort requests by length and right-pad them, so a request's score
does not depend on what it was batched with; only the positions that are scored go
through log-softmax.  Generation left-pads, stops each sequence at its stop words,
and ends a batch once every sequence has stopped.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt
from evalkit.config.errors import ConfigError
from evalkit.models.embedded import resolve_model_path
from evalkit.models.templates import render_chat_template, render_meta_template, render_plain
from evalkit.registry import MODELS

_DTYPES = ('float32', 'bfloat16', 'float16', 'auto')


@MODELS.register_module()
class HuggingFaceCausalLM(BaseModel):
    """A causal LM loaded with transformers.

    ``mode='base'`` feeds prompts as text (through ``meta_template`` when given);
    ``mode='chat'`` renders dialogues with the tokenizer's chat template.
    """

    def __init__(self, path: str, abbr: str | None = None, tokenizer_path: str | None = None,
                 tokenizer_kwargs: dict | None = None, model_kwargs: dict | None = None,
                 mode: str = 'base', meta_template: dict | None = None, dtype: str = 'float32',
                 max_seq_len: int = 2048, max_out_len: int = 256, batch_size: int = 8,
                 stop_words: list | None = None, generation_kwargs: dict | None = None) -> None:
        if mode not in ('base', 'chat'):
            raise ConfigError(f"model '{abbr or path}': mode must be 'base' or 'chat', got {mode!r}.")
        if dtype not in _DTYPES:
            raise ConfigError(f"model '{abbr or path}': dtype must be one of {', '.join(_DTYPES)}, got {dtype!r}.")
        self.abbr = abbr or path
        self.path = path
        self.mode = mode
        self.meta_template = meta_template
        self.max_seq_len = max_seq_len
        self.max_out_len = max_out_len
        self.batch_size = batch_size
        self.stop_words = list(stop_words or [])
        self.generation_kwargs = dict(generation_kwargs or {})
        self._load(resolve_model_path(path), resolve_model_path(tokenizer_path or path),
                   dict(tokenizer_kwargs or {}), dict(model_kwargs or {}), dtype)

    # -- loading -------------------------------------------------------------------------
    def _load(self, path: str, tokenizer_path: str, tokenizer_kwargs: dict, model_kwargs: dict,
              dtype: str) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(tokenizer_path, **tokenizer_kwargs)
            model_kwargs.setdefault('dtype', dtype if dtype == 'auto' else getattr(torch, dtype))
            self.model = AutoModelForCausalLM.from_pretrained(path, **model_kwargs)
        except OSError as exc:
            raise ConfigError(
                f"model '{self.abbr}': cannot load '{path}': {exc}. Point 'path' at a local model folder "
                f"(e.g. `python tools/default_model.py` prints the default one), or allow network access "
                f"to the Hugging Face hub."
            ) from None
        self.model.eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if self.mode == 'chat' and not getattr(self.tokenizer, 'chat_template', None) and not self.meta_template:
            raise ConfigError(
                f"model '{self.abbr}': mode='chat' but the tokenizer has no chat template; "
                f"give a meta_template or use mode='base'.")
        self.device = next(self.model.parameters()).device

    # -- prompts -------------------------------------------------------------------------
    def render(self, prompt: Prompt) -> str:
        if self.meta_template:
            return render_meta_template(prompt, self.meta_template)
        if self.mode == 'chat':
            return render_chat_template(prompt, self.tokenizer)
        return render_plain(prompt)

    def _encode(self, text: str) -> list[int]:
        # Chat templates already contain the special tokens they need.
        return self.tokenizer(text, add_special_tokens=self.mode == 'base' and not self.meta_template)['input_ids']

    def token_count(self, prompt: Prompt) -> int:
        return len(self._encode(self.render(prompt)))

    # -- scoring -------------------------------------------------------------------------
    def _token_logprobs(self, sequences: Sequence[list[int]], starts: Sequence[int]) -> list[Any]:
        """Log-probability of each token of ``sequences[i][starts[i]:]`` given what precedes it.

        Batches are formed longest-first and right-padded, so every row is computed
        exactly as it would be alone.
        """
        import torch

        order = sorted(range(len(sequences)), key=lambda i: -len(sequences[i]))
        out: list[Any] = [None] * len(sequences)
        pad = self.tokenizer.pad_token_id
        for b in range(0, len(order), self.batch_size):
            rows = order[b:b + self.batch_size]
            width = max(len(sequences[i]) for i in rows)
            ids = torch.full((len(rows), width), pad, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for r, i in enumerate(rows):
                ids[r, :len(sequences[i])] = torch.tensor(sequences[i])
                mask[r, :len(sequences[i])] = 1
            with torch.inference_mode():
                hidden = self.model.model(input_ids=ids.to(self.device), attention_mask=mask.to(self.device))[0]
                for r, i in enumerate(rows):
                    first = max(starts[i], 1)
                    positions = hidden[r, first - 1:len(sequences[i]) - 1]
                    logits = self.model.lm_head(positions).float()
                    targets = ids[r, first:len(sequences[i])].to(self.device)
                    logprobs = logits.log_softmax(-1).gather(-1, targets[:, None])[:, 0]
                    out[i] = logprobs.cpu()
        return out

    def _truncate_left(self, ids: list[int]) -> tuple[list[int], int]:
        cut = max(0, len(ids) - self.max_seq_len)
        return ids[cut:], cut

    def perplexity(self, prompts: Sequence[Prompt], mask_lengths: Sequence[int] | None = None) -> list[float]:
        encoded = [self._truncate_left(self._encode(self.render(p))) for p in prompts]
        sequences = [ids for ids, _ in encoded]
        masks = [max(0, (mask_lengths[i] if mask_lengths else 0) - cut) for i, (_, cut) in enumerate(encoded)]
        logprobs = self._token_logprobs(sequences, [1] * len(sequences))
        results = []
        for lp, masked, seq in zip(logprobs, masks, sequences):
            scored = lp[max(masked - 1, 0):]
            # OpenCompass divides the summed NLL by the number of unmasked tokens.
            results.append(float(-scored.sum()) / max(len(seq) - masked, 1))
        return results

    def loglikelihood(self, contexts: Sequence[Prompt], continuations: Sequence[str]) -> list[float]:
        sequences, starts = [], []
        for context, continuation in zip(contexts, continuations):
            text = self.render(context)
            ctx_ids = self._encode(text)
            whole = self._encode(text + continuation)
            n_cont = max(len(whole) - len(ctx_ids), 1)
            whole, _ = self._truncate_left(whole)
            sequences.append(whole)
            starts.append(len(whole) - n_cont)
        return [float(lp.sum()) for lp in self._token_logprobs(sequences, starts)]

    # -- generation ----------------------------------------------------------------------
    def generate(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str] = ()) -> list[str]:
        import torch

        stops = [s for s in dict.fromkeys([*self.stop_words, *stop_words]) if s]
        encoded = [self._encode(self.render(p))[-(self.max_seq_len - max_out_len):] for p in prompts]
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))
        out = [''] * len(encoded)
        pad = self.tokenizer.pad_token_id
        kwargs: dict[str, Any] = dict(do_sample=False, max_new_tokens=max_out_len, pad_token_id=pad)
        if stops:
            kwargs.update(stop_strings=stops, tokenizer=self.tokenizer)
        kwargs.update(self.generation_kwargs)
        for b in range(0, len(order), self.batch_size):
            rows = order[b:b + self.batch_size]
            width = max(len(encoded[i]) for i in rows)
            ids = torch.full((len(rows), width), pad, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for r, i in enumerate(rows):
                ids[r, width - len(encoded[i]):] = torch.tensor(encoded[i])
                mask[r, width - len(encoded[i]):] = 1
            with torch.inference_mode():
                generated = self.model.generate(input_ids=ids.to(self.device), attention_mask=mask.to(self.device),
                                                **kwargs)
            for r, i in enumerate(rows):
                text = self.tokenizer.decode(generated[r, width:], skip_special_tokens=True)
                out[i] = _cut_at_stop_words(text, stops)
        return out


def _cut_at_stop_words(text: str, stops: Sequence[str]) -> str:
    cut = min((text.find(s) for s in stops if s in text), default=len(text))
    return text[:cut]

