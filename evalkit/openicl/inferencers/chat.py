"""Multi-turn conversations: the model answers a dialogue's user turns one after another.

Row format: the column ``turns_column`` (default ``turns``) holds the dialogue as a list whose
items are either strings (user messages, as in MT-Bench's ``turns``) or messages
``{'role': 'SYSTEM'|'HUMAN'|'BOT', 'prompt': text}``; BOT messages are the gold answers.  Gold
answers may instead come from ``answers_column``: a list whose j-th item answers the j-th user
message.  The dataset's prompt templates are not used: the dialogue is the prompt.

``infer_mode``:
- ``last``: one answer, to the last user message, after the dialogue as given;
- ``every``: an answer to every user message, each seeing the model's own earlier answers
  (gold answers are dropped);
- ``every_with_gt``: an answer to every user message, each seeing the gold earlier answers.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from evalkit.api.model import BaseModel
from evalkit.api.prompt import ROLES, Message, Prompt
from evalkit.config.errors import ConfigError
from evalkit.openicl.inferencers.base import BaseInferencer, truncated_tokens, with_truncation
from evalkit.openicl.inferencers.gen import GenInferencer
from evalkit.openicl.prompt_builder import PromptBuilder
from evalkit.registry import INFERENCERS

INFER_MODES = ('last', 'every', 'every_with_gt')


@INFERENCERS.register_module()
class ChatInferencer(GenInferencer):
    """Answers the user turns of each row's dialogue (see the module docstring for the row format).

    The record's ``answers`` holds one answer per answered user turn, ``prediction`` the last one
    and ``prompt`` the last prompt as the model read it.  ``system_prompt`` is put first in every
    dialogue.  Sampling keys work as in ``GenInferencer`` (one answer per turn, seeded per row and turn).
    """

    def __init__(self, infer_mode: Literal['last', 'every', 'every_with_gt'] = 'last', turns_column: str = 'turns',
                 answers_column: str | None = None, system_prompt: str | None = None,
                 max_out_len: int | None = None, stop_words: list | None = None, chunk_size: int = 16,
                 temperature: float | None = None, top_p: float | None = None, top_k: int | None = None,
                 seed: int | None = None) -> None:
        if infer_mode not in INFER_MODES:
            raise ConfigError(f"ChatInferencer.infer_mode: expected one of {', '.join(INFER_MODES)}, "
                              f"got {infer_mode!r}.")
        super().__init__(max_out_len, stop_words, chunk_size, temperature, top_p, top_k, seed)
        self.infer_mode, self.turns_column, self.answers_column = infer_mode, turns_column, answers_column
        self.system_prompt = system_prompt

    run = BaseInferencer.run  # turn t of a row needs its answer to turn t-1: chunk by chunk, no streaming
    reads_templates = False  # the dialogue is the prompt: a config needs no prompt_template

    def dialogue(self, row: Mapping[str, Any], i: int) -> list[Message]:
        """Row ``i``'s dialogue as messages, gold answers included where the row gives them."""
        where = f'ChatInferencer: test row {i}, column {self.turns_column!r}'
        items = row.get(self.turns_column)
        if not isinstance(items, Sequence) or isinstance(items, str) or not items:
            raise ConfigError(f'{where}: expected a non-empty list of user messages or role/prompt messages, got '
                              f'{items!r}. Set turns_column to the column holding the dialogue.')
        messages: list[Message] = [{'role': 'SYSTEM', 'prompt': self.system_prompt}] if self.system_prompt else []
        for item in items:
            if isinstance(item, str):
                messages.append({'role': 'HUMAN', 'prompt': item})
            elif isinstance(item, Mapping) and item.get('role') in ROLES and isinstance(item.get('prompt'), str):
                messages.append({'role': item['role'], 'prompt': item['prompt']})
            else:
                raise ConfigError(f"{where}: item {item!r} is neither a string nor a message "
                                  f"{{'role': one of {', '.join(ROLES)}, 'prompt': text}}.")
        if self.answers_column is not None:
            messages = _with_answers(messages, row.get(self.answers_column), i, self.answers_column)
        if not any(m['role'] == 'HUMAN' for m in messages):
            raise ConfigError(f'{where}: the dialogue has no user (HUMAN) message to answer.')
        return messages

    def turns_to_answer(self, dialogue: list[Message]) -> list[int]:
        """Positions in ``dialogue`` of the user messages the model answers."""
        humans = [k for k, m in enumerate(dialogue) if m['role'] == 'HUMAN']
        return humans[-1:] if self.infer_mode == 'last' else humans

    def prompt(self, dialogue: list[Message], position: int, own_answers: list[str], i: int) -> list[Message]:
        """The dialogue up to the user message at ``position``, with the earlier answers this mode uses."""
        if self.infer_mode == 'last':
            return dialogue[:position + 1]
        if self.infer_mode == 'every_with_gt':
            for k, message in enumerate(dialogue[:position]):
                if message['role'] == 'HUMAN' and dialogue[k + 1]['role'] != 'BOT':
                    raise ConfigError(f"ChatInferencer (infer_mode='every_with_gt'): test row {i} has no gold "
                                      f"answer after user message {message['prompt'][:60]!r}. Give one (a BOT "
                                      f"message or answers_column), or use infer_mode='every'.")
            return dialogue[:position + 1]
        own = iter(own_answers)
        prompt: list[Message] = []
        for message in dialogue[:position + 1]:
            if message['role'] == 'BOT':
                continue
            if message['role'] == 'HUMAN' and prompt and prompt[-1]['role'] == 'HUMAN':
                prompt.append({'role': 'BOT', 'prompt': next(own)})
            prompt.append(message)
        return prompt

    def row_requests(self, builder: PromptBuilder, i: int, model_max_out_len: int) -> tuple[list[Prompt], int]:
        dialogue = self.dialogue(builder.test[i], i)
        turns = self.turns_to_answer(dialogue)
        return [dialogue[:t + 1] for t in turns], self.max_out_len or model_max_out_len

    def infer_chunk(self, model: BaseModel, builder: PromptBuilder, indices: Sequence[int]) -> list[dict[str, Any]]:
        dialogues = [self.dialogue(builder.test[i], i) for i in indices]
        turns = [self.turns_to_answer(d) for d in dialogues]
        answers: list[list[str]] = [[] for _ in indices]
        last_prompt: list[Prompt] = [''] * len(indices)
        cuts = [0] * len(indices)
        for turn in range(max(len(t) for t in turns)):
            todo = [n for n in range(len(indices)) if turn < len(turns[n])]
            prompts = [self.prompt(dialogues[n], turns[n][turn], answers[n], indices[n]) for n in todo]
            texts = self._answer(model, prompts, [indices[n] for n in todo], turn)
            for n, prompt, text, cut in zip(todo, prompts, texts, truncated_tokens(model, len(todo))):
                answers[n].append(text)
                last_prompt[n], cuts[n] = prompt, max(cuts[n], cut)
        return [with_truncation({'index': i, 'prompt': model.render(last_prompt[n]), 'prediction': answers[n][-1],
                                 'answers': answers[n], 'gold': builder.test[i].get(builder.output_column)}, cuts[n])
                for n, i in enumerate(indices)]

    def _answer(self, model: BaseModel, prompts: list[list[Message]], rows: list[int], turn: int) -> list[str]:
        sampling = self.sampling(model)
        sampled = {} if sampling.greedy else {
            'sampling': sampling, 'seeds': [sampling.request_seed(row, turn) for row in rows]}
        texts: list[str] = [''] * len(prompts)
        keep: Callable[[int, str], None] = texts.__setitem__
        model.generate_each(prompts, self.max_out_len or getattr(model, 'max_out_len', 256), self.stop_words,
                            keep, **sampled)
        return texts


def _with_answers(messages: list[Message], answers: Any, i: int, column: str) -> list[Message]:
    """Put gold answer j right after the j-th user message."""
    if not isinstance(answers, Sequence) or isinstance(answers, str):
        raise ConfigError(f'ChatInferencer: test row {i}, column {column!r} (answers_column): expected a list of '
                          f'answers, one per user message, got {answers!r}.')
    if any(m['role'] == 'BOT' for m in messages):
        raise ConfigError(f'ChatInferencer: test row {i} has BOT messages in its dialogue and an answers_column; '
                          f'give the gold answers one way only.')
    merged: list[Message] = []
    pending = iter(answers)
    for message in messages:
        merged.append(message)
        if message['role'] == 'HUMAN':
            answer = next(pending, None)
            if answer is not None:
                merged.append({'role': 'BOT', 'prompt': str(answer)})
    return merged
