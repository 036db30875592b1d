"""Hugging Face causal language models (local folders, hub ids or the embedded default).

This class turns prompts into token ids and scores/texts back; the work is done by
evalkit's engines, which drive the model's decoder directly: ``scoring.Scorer``
(per-token log-probabilities with shared prefixes computed once) and
``generation.Generator`` (greedy or seeded sampled decoding with a shared prefill and early stops).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from evalkit.api.model import BaseModel
from evalkit.api.prompt import Prompt
from evalkit.api.sampling import Sampling
from evalkit.config.errors import ConfigError
from evalkit.models.embedded import _EMBEDDED, EMBEDDED_PREFIX, resolve_model_path
from evalkit.models.templates import render_chat_template, render_meta_template, render_plain
from evalkit.registry import MODELS

_DTYPES = ('float32', 'bfloat16', 'float16', 'auto')
# A Hugging Face hub id: ``name`` or ``owner/name`` of letters, digits, '-', '_' and '.'.
_HUB_ID = re.compile(r'^(?:[A-Za-z0-9][\w.-]{0,95}/)?[A-Za-z0-9][\w.-]{0,95}$')


def check_model_location(path: Any, where: str) -> None:
    """A model path must be an existing local folder, a well-formed hub id or a known ``embedded:`` name.

    Checked before any task starts, so a typo is reported in seconds rather than by a task
    after start-up; whether a hub id exists is only known when it is downloaded."""
    if not isinstance(path, str) or not path.strip():
        raise ConfigError(f'{where}: expected a model folder, hub id or embedded:NAME, got {path!r}.')
    if path.startswith(EMBEDDED_PREFIX):
        if path[len(EMBEDDED_PREFIX):] not in _EMBEDDED:
            raise ConfigError(f"{where}: unknown embedded model {path!r}; available: "
                              f"{', '.join(EMBEDDED_PREFIX + n for n in sorted(_EMBEDDED))}.")
        return
    local = Path(path).expanduser()
    if local.exists():
        if not local.is_dir():
            raise ConfigError(f"{where}: '{path}' is a file; point it at the model's folder (the one holding "
                              f"config.json).")
        return
    if path.startswith(('/', '.', '~')) or path.count('/') > 1 or '\\' in path:
        raise ConfigError(f"{where}: local model folder '{path}' does not exist. Check the path (relative paths "
                          f"start from the folder you run evalkit in); `python tools/default_model.py` prints "
                          f"the bundled model's folder.")
    if not _HUB_ID.match(path) or '--' in path or '..' in path:
        raise ConfigError(f"{where}: '{path}' is neither an existing local folder nor a valid Hugging Face hub id "
                          f"(owner/name of letters, digits, '-', '_', '.'). Fix the path or the id.")
    _check_hub_model(path, where)


def _check_hub_model(repo_id: str, where: str) -> None:
    """A hub id that is not in the local cache must be downloadable now.

    Why: asking the hub (seconds at most; at once when it cannot be reached) turns a
    misspelt id, or a relative folder that does not exist and so reads as an id, into an
    error before any task starts instead of one in a task's log after start-up."""
    from huggingface_hub import HfApi, try_to_load_from_cache
    from huggingface_hub.errors import RepositoryNotFoundError

    if isinstance(try_to_load_from_cache(repo_id, 'config.json'), str):
        return
    try:
        HfApi().model_info(repo_id, timeout=10)
    except RepositoryNotFoundError:
        raise ConfigError(f"{where}: '{repo_id}' is not a local folder (relative paths start from the folder you "
                          f"run evalkit in), and the Hugging Face hub has no model of that id that this machine "
                          f"may read (for a private or gated model, log in with `hf auth login`).") from None
    except Exception as error:  # offline mode, no network, hub down
        raise ConfigError(f"{where}: '{repo_id}' is not a local folder (relative paths start from the folder you "
                          f"run evalkit in), nor in the local Hugging Face cache, and the hub cannot be reached to "
                          f"download it ({type(error).__name__}: {str(error)[:160]}). Give the model's local folder, "
                          f"or download it first on a machine with access.") from None


def default_device_map(visible_gpus: int) -> str | None:
    """Where the weights go unless ``model_kwargs`` says: a task given several GPUs by its runner
    (``run_cfg.num_gpus`` > 1 sets ``CUDA_VISIBLE_DEVICES``) shards the model over all of them
    with accelerate's ``device_map='auto'``; one GPU holds it whole; without one it stays on the CPU."""
    if visible_gpus > 1:
        return 'auto'
    return 'cuda' if visible_gpus == 1 else None


@MODELS.register_module()
class HuggingFaceCausalLM(BaseModel):
    """A causal LM loaded with transformers.

    ``mode='base'`` feeds prompts as text (through ``meta_template`` when given);
    ``mode='chat'`` renders dialogues with the tokenizer's chat template.
    ``batch_size`` is rows per forward pass, or ``'auto'`` (as many as memory allows).
    ``share_prefixes=False`` computes every request in full (for benchmarks; same results).
    ``generation_kwargs`` set the default decoding (``evalkit.api.sampling.Sampling``: temperature,
    top_p, top_k, seed, num_return_sequences, Hugging Face's do_sample); greedy when absent.
    """

    @classmethod
    def check_config(cls, cfg: Mapping[str, Any], where: str) -> None:
        """Up-front checks (run by config validation before any task): paths, mode, dtype, decoding."""
        check_model_location(cfg.get('path'), f'{where}.path')
        if cfg.get('tokenizer_path') is not None:
            check_model_location(cfg['tokenizer_path'], f'{where}.tokenizer_path')
        if cfg.get('mode', 'base') not in ('base', 'chat'):
            raise ConfigError(f"{where}.mode: expected 'base' or 'chat', got {cfg['mode']!r}.")
        Sampling.from_generation_kwargs(cfg.get('generation_kwargs'), where)
        if cfg.get('dtype', 'float32') not in _DTYPES:
            raise ConfigError(f"{where}.dtype: expected one of {', '.join(_DTYPES)}, got {cfg['dtype']!r}.")

    def __init__(self, path: str, abbr: str | None = None, tokenizer_path: str | None = None,
                 tokenizer_kwargs: dict | None = None, model_kwargs: dict | None = None,
                 mode: str = 'base', meta_template: dict | None = None, dtype: str = 'float32',
                 max_seq_len: int = 2048, max_out_len: int = 256, batch_size: int | Literal['auto'] = 8,
                 stop_words: list | None = None, generation_kwargs: dict | None = None,
                 share_prefixes: bool = True) -> None:
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
        self.sampling = Sampling.from_generation_kwargs(generation_kwargs, f"model '{self.abbr}'")
        self.share_prefixes = share_prefixes
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
            if (device_map := default_device_map(torch.cuda.device_count())) is not None:
                model_kwargs.setdefault('device_map', device_map)
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
        self._build_engines()

    def _build_engines(self) -> None:
        from evalkit.models.engine.backbone import Backbone
        from evalkit.models.engine.batching import BatchSizer
        from evalkit.models.engine.generation import Generator
        from evalkit.models.engine.prefix_cache import PrefixCache
        from evalkit.models.engine.scoring import Scorer

        backbone = Backbone(self.model)
        self.prefix_cache = PrefixCache(backbone)
        sizer = BatchSizer(self.batch_size, backbone, reserved=lambda: self.prefix_cache.nbytes)
        self.scorer = Scorer(backbone, self.prefix_cache, sizer)
        self.generator = Generator(backbone, self.prefix_cache, sizer)

    def scoring_work(self) -> dict[str, int]:
        return {'decoder_tokens': self.scorer.stats.tokens + self.prefix_cache.computed_tokens,
                'padded_tokens': self.scorer.stats.padded_tokens, 'forwards': self.scorer.stats.forwards,
                'scored_positions': self.scorer.backbone.head_rows,
                'attended_keys': self.scorer.stats.attended_keys + self.prefix_cache.attended_keys}

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
    def _truncate_left(self, ids: list[int], keep: int) -> tuple[list[int], int]:
        cut = max(0, len(ids) - keep)
        return ids[cut:], cut

    def perplexity(self, prompts: Sequence[Prompt], mask_lengths: Sequence[int] | None = None) -> list[float]:
        """OpenCompass's ``get_ppl``, computed exactly as it is for one prompt at a time.

        Sum of the NLL of every token after the first (after ``mask_lengths[i]`` with a
        mask) divided by the number of tokens not counting the masked ones.  Like
        OpenCompass, tokens equal to the pad token id are left out of both sums (its
        ``ignore_index``).  Prompts longer than ``max_seq_len`` lose their beginning.
        """
        import torch

        encoded = [self._truncate_left(self._encode(self.render(p)), self.max_seq_len) for p in prompts]
        self.last_truncation = [cut for _, cut in encoded]
        sequences = [ids for ids, _ in encoded]
        masks = [max(0, (mask_lengths[i] if mask_lengths else 0) - cut) for i, (_, cut) in enumerate(encoded)]
        starts = [max(m, 1) for m in masks]
        logprobs = self.scorer.token_logprobs(sequences, starts, share=self.share_prefixes)
        pad = self.tokenizer.pad_token_id
        results = []
        for seq, lp, start, masked in zip(sequences, logprobs, starts, masks):
            ids = torch.tensor(seq, dtype=torch.long)
            counted = ids[start:] != pad
            results.append(float(-lp[counted].double().sum()) / max(int((ids != pad).sum()) - masked, 1))
        return results

    def loglikelihood(self, contexts: Sequence[Prompt], continuations: Sequence[str]) -> list[float]:
        """lm-eval's ``loglikelihood``: trailing context spaces move to the continuation, the
        continuation's tokens are those of the whole text after the context's, and at most
        ``max_seq_len`` + 1 tokens are kept (the left is cut)."""
        sequences, starts, cuts = [], [], []
        for context, continuation in zip(contexts, continuations):
            ctx_ids, cont_ids = self._encode_pair(self.render(context), continuation)
            whole = (ctx_ids + cont_ids)[-(self.max_seq_len + 1):]
            cuts.append(len(ctx_ids) + len(cont_ids) - len(whole))
            sequences.append(whole)
            starts.append(max(len(whole) - len(cont_ids), 1))
        self.last_truncation = cuts
        logprobs = self.scorer.token_logprobs(sequences, starts, share=self.share_prefixes)
        return [float(lp.double().sum()) for lp in logprobs]

    def choice_logprobs(self, prompts: Sequence[Prompt], choices: Sequence[str]) -> list[list[float]]:
        """The contract's ``choice_logprobs``: each prompt plus one choice token per request, scored
        at the prompt's last position; the engine packs a prompt's requests into one row (the prompt
        once, then every choice token), so each question costs one forward pass.  Trailing spaces of
        a prompt move into the choices ("Answer: " + "A" is read as "Answer:" + " A"), as in
        ``loglikelihood``: a lone space token is not where a model expects the answer to start."""
        choice_ids: dict[str, int] = {}

        def token_of(choice: str) -> int:
            if choice not in choice_ids:
                ids = self.tokenizer(choice, add_special_tokens=False)['input_ids']
                if len(ids) != 1:
                    raise ConfigError(
                        f"model '{self.abbr}': choice {choice!r} is {len(ids)} tokens for this tokenizer "
                        f"({self.tokenizer.convert_ids_to_tokens(ids)}); CLPInferencer reads one token per "
                        f"choice. Use single-token choices (letters), or LLInferencer for longer continuations.")
                choice_ids[choice] = ids[0]
            return choice_ids[choice]

        sequences, cuts = [], []
        for prompt in prompts:
            text = self.render(prompt)
            spaces = len(text) - len(text.rstrip(' '))
            ids, cut = self._truncate_left(self._encode(text[:len(text) - spaces]), self.max_seq_len - 1)
            sequences.extend(ids + [token_of(' ' * spaces + choice)] for choice in choices)
            cuts.extend([cut] * len(choices))
        self.last_truncation = cuts
        logprobs = self.scorer.token_logprobs(sequences, [len(s) - 1 for s in sequences], share=self.share_prefixes)
        k = len(choices)
        return [[float(lp[0]) for lp in logprobs[i * k:(i + 1) * k]] for i in range(len(prompts))]

    def _encode_pair(self, context: str, continuation: str) -> tuple[list[int], list[int]]:
        spaces = len(context) - len(context.rstrip())
        if spaces:
            context, continuation = context[:-spaces], context[-spaces:] + continuation
        if not context:  # condition on the start-of-text token, as lm-eval does
            cont = self.tokenizer(continuation, add_special_tokens=False)['input_ids']
            bos = self.tokenizer.bos_token_id
            first = bos if bos is not None else self.tokenizer.eos_token_id
            return ([first], cont) if not cont or cont[0] != first else (cont[:1], cont[1:])
        whole, ctx = self._encode(context + continuation), self._encode(context)
        return ctx, whole[len(ctx):]

    # -- generation ----------------------------------------------------------------------
    streams_answers = True

    def generate(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str] = (),
                 sampling: Sampling | None = None, seeds: Sequence[int] | None = None) -> list[str]:
        return self._generate(prompts, max_out_len, stop_words, None, sampling, seeds)

    def generate_each(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str],
                      on_done: Callable[[int, str], None], sampling: Sampling | None = None,
                      seeds: Sequence[int] | None = None) -> None:
        self._generate(prompts, max_out_len, stop_words, on_done, sampling, seeds)

    def _generate(self, prompts: Sequence[Prompt], max_out_len: int, stop_words: Sequence[str],
                  on_done: Callable[[int, str], None] | None, sampling: Sampling | None,
                  seeds: Sequence[int] | None) -> list[str]:
        stops = [s for s in dict.fromkeys([*self.stop_words, *stop_words]) if s]
        keep = max(self.max_seq_len - max_out_len, 1)
        full = [self._encode(self.render(p)) for p in prompts]
        self.last_truncation = [max(0, len(ids) - keep) for ids in full]
        encoded = [ids[-keep:] for ids in full]
        eos = self._eos_ids()
        # A stop word completed by the newest token lies within its last few tokens (>= 1 byte each).
        window = 4 * max((len(s) for s in stops), default=0) + 2

        def is_done(ids: list[int]) -> bool:
            if ids[-1] in eos:
                return True
            text = self.tokenizer.decode(ids[-window:], skip_special_tokens=True) if stops else ''
            return any(s in text for s in stops)

        def text_of(ids: list[int]) -> str:
            return _cut_at_stop_words(self.tokenizer.decode(ids, skip_special_tokens=True), stops)

        hand_over = None if on_done is None else (lambda i, ids: on_done(i, text_of(ids)))
        sampling = sampling or self.sampling
        if sampling.greedy:
            outputs = self.generator.generate(encoded, max_out_len, is_done, share=self.share_prefixes,
                                              on_done=hand_over)
        else:
            seeds = list(seeds) if seeds is not None else [sampling.request_seed(i, 0) for i in range(len(prompts))]
            outputs = self._sample(encoded, max_out_len, is_done, sampling, seeds, hand_over)
        return [text_of(ids) for ids in outputs]

    def _sample(self, encoded: list[list[int]], max_out_len: int, is_done: Callable[[list[int]], bool],
                sampling: Sampling, seeds: list[int], on_done: Callable[[int, list[int]], None] | None,
                ) -> list[list[int]]:
        """Sampled generation in layers of distinct prompts: the engine decodes identical prompts once,
        but samples of one prompt (self-consistency) must each get their own seed.  Layer n holds every
        prompt's n-th copy, so a layer is one full continuous batch."""
        from evalkit.models.engine.sampling import Sampler

        layers: list[list[int]] = []
        seen: dict[tuple[int, ...], int] = {}
        for i, ids in enumerate(encoded):
            n = seen[tuple(ids)] = seen.get(tuple(ids), -1) + 1
            if n == len(layers):
                layers.append([])
            layers[n].append(i)
        outputs: list[list[int]] = [[] for _ in encoded]
        for layer in layers:
            sampler = Sampler(sampling.temperature, sampling.top_p, sampling.top_k, [seeds[i] for i in layer])
            hand_over = None if on_done is None else (lambda k, ids, layer=layer: on_done(layer[k], ids))
            for k, ids in enumerate(self.generator.generate([encoded[i] for i in layer], max_out_len, is_done,
                                                            share=self.share_prefixes, on_done=hand_over,
                                                            sampler=sampler)):
                outputs[layer[k]] = ids
        return outputs

    def _eos_ids(self) -> set[int]:
        eos = getattr(self.model.generation_config, 'eos_token_id', None)
        if eos is None:
            eos = self.tokenizer.eos_token_id
        return set(eos) if isinstance(eos, list) else ({eos} if eos is not None else set())


def _cut_at_stop_words(text: str, stops: Sequence[str]) -> str:
    cut = min((text.find(s) for s in stops if s in text), default=len(text))
    return text[:cut]
