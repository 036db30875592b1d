"""Needle in a haystack: can the model find a planted fact in a long document?

Each test row is a context of a given length (counted in the *evaluated model's* tokens, since
"2k tokens" means different texts to different tokenizers) cut from a public-domain haystack text
shipped with evalkit, with one or several short invented facts (the needles) inserted at sentence
boundaries at a given depth, and a question only a needle answers.  Rows form a grid of context
lengths x depths, so a summary can show where in a long context retrieval fails (a heatmap, see
``evalkit/summarizers/needlebench.py``).  Generation is deterministic: same files, same tokenizer,
same grid, same rows.

Files, under a data root (``path``, default ``needlebench``): ``haystack.txt`` (first line a header
naming the source and licence, not part of the haystack) and ``needles.jsonl`` (``needle``,
``question``, ``keywords``: the words an answer must contain).  With several needles, the first is
placed at the row's depth and the rest spread evenly over the remaining depth, each with its own
question; the row is answered when every keyword of every needle appears.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.config.errors import ConfigError
from evalkit.datasets.base import BaseDataset, read_jsonl_rows, to_dataset_dict
from evalkit.datasets.data_root import describe_roots
from evalkit.registry import LOAD_DATASETS

if TYPE_CHECKING:
    from datasets import DatasetDict

DEFAULT_LENGTHS = (512, 1024, 1536)  # fits the default model's 2048-token window with the question and answer
DEFAULT_DEPTHS = tuple(range(0, 101, 10))
DEFAULT_TOKENIZER = 'embedded:smollm2-135m-instruct'
# A sentence ends at . ! or ? (optionally closed by a quote) followed by white space.
SENTENCE_END = re.compile(r'(?<=[.!?])["\u201d]?\s+')


@dataclass(frozen=True)
class Needle:
    text: str
    question: str
    keywords: tuple[str, ...]


@LOAD_DATASETS.register_module()
class NeedleBenchDataset(BaseDataset):
    """The length x depth grid as one ``test`` split (columns: context, question, answer (all keywords),
    needle_keywords (per needle), length, depth, context_tokens)."""

    @staticmethod
    def split_files(path: str, name: str | None = None, **_settings: Any) -> dict[str, str]:
        # The grid settings shape the rows but not which files are read.
        return {'test': f'{path}/haystack.txt', 'needles': f'{path}/needles.jsonl'}

    @classmethod
    def check_config(cls, dataset_cfg: Mapping[str, Any], where: str) -> None:
        """Up front, so a bad grid fails before any model loads."""
        settings = dict(dataset_cfg.get('load_kwargs') or {})
        _check_grid(settings.get('lengths', DEFAULT_LENGTHS), settings.get('depths', DEFAULT_DEPTHS),
                    settings.get('needle_count', 1), f'{where}.load_kwargs')

    @classmethod
    def load(cls, path: str, name: str | None = None, lengths: Sequence[int] = DEFAULT_LENGTHS,
             depths: Sequence[int] = DEFAULT_DEPTHS, needle_count: int = 1,
             tokenizer_path: str = DEFAULT_TOKENIZER) -> DatasetDict:
        """``lengths``: context sizes in tokens of ``tokenizer_path`` (the evaluated model's tokenizer);
        ``depths``: where the first needle goes, in percent of the context; ``needle_count``: needles per row."""
        where = f"NeedleBenchDataset (path '{path}')"
        _check_grid(lengths, depths, needle_count, where)
        files = cls.local_files(path, name)
        if files is None:
            raise ConfigError(f"{where}: {path}/haystack.txt and {path}/needles.jsonl were not found together under "
                              f"any data root ({describe_roots()}). evalkit ships them in data/needlebench; point "
                              f"path at that folder's name or put your own haystack and needles there.")
        haystack = _read_haystack(files['test'])
        needles = _read_needles(files['needles'])
        if needle_count > len(needles):
            raise ConfigError(f'{where}: needle_count={needle_count} but {files["needles"]} holds only '
                              f'{len(needles)} needles. Lower needle_count or add needles to the file.')
        generator = HaystackGenerator(haystack, _tokenizer(tokenizer_path))
        chosen = needles[:needle_count]
        rows = [generator.row(length, depth, chosen) for length in lengths for depth in depths]
        return to_dataset_dict({'test': rows})


def _check_grid(lengths: Any, depths: Any, needle_count: Any, where: str) -> None:
    if not isinstance(lengths, (list, tuple)) or not lengths or not all(
            isinstance(n, int) and n >= 64 for n in lengths):
        raise ConfigError(f'{where}.lengths: expected a non-empty list of context lengths in tokens (each at least 64), '
                          f'got {lengths!r}; e.g. lengths=[512, 1024, 1536]. Keep them below the model\'s '
                          f'max_seq_len minus the question and answer (about 100 tokens).')
    if not isinstance(depths, (list, tuple)) or not depths or not all(
            isinstance(d, (int, float)) and 0 <= d <= 100 for d in depths):
        raise ConfigError(f'{where}.depths: expected a non-empty list of percentages between 0 (start of the '
                          f'context) and 100 (end), got {depths!r}; e.g. depths=list(range(0, 101, 10)).')
    if not isinstance(needle_count, int) or needle_count < 1:
        raise ConfigError(f'{where}.needle_count: expected a whole number of needles per row (1 or more), '
                          f'got {needle_count!r}.')


@functools.lru_cache(maxsize=4)
def _tokenizer(tokenizer_path: str) -> Any:
    """The evaluated model's tokenizer (``embedded:NAME`` resolved to its local folder); only the tokenizer,
    never the weights."""
    from transformers import AutoTokenizer

    from evalkit.models.embedded import resolve_model_path

    return AutoTokenizer.from_pretrained(resolve_model_path(tokenizer_path))


def _read_haystack(path: Path) -> list[str]:
    """The haystack's sentences, in order (the header line dropped, paragraphs joined)."""
    lines = path.read_text(encoding='utf-8').splitlines()[1:]
    sentences = [s.strip() for paragraph in '\n'.join(lines).split('\n\n')
                 for s in SENTENCE_END.split(' '.join(paragraph.split())) if s.strip()]
    if not sentences:
        raise ConfigError(f"Data file '{path}': no text after the header line; a haystack needs a few thousand words.")
    return sentences


def _read_needles(path: Path) -> list[Needle]:
    needles = []
    for number, row in enumerate(read_jsonl_rows(path, ['needle', 'question', 'keywords']), 1):
        keywords = row['keywords']
        if not isinstance(keywords, list) or not keywords or not all(isinstance(k, str) and k for k in keywords):
            raise ConfigError(f"Data file '{path}', row {number}: 'keywords' must be a non-empty list of strings "
                              f"(the words a right answer contains), got {keywords!r}.")
        needles.append(Needle(row['needle'].strip(), row['question'].strip(), tuple(keywords)))
    return needles


class HaystackGenerator:
    """Builds contexts of an exact-ish token length from whole sentences, with needles at given depths."""

    def __init__(self, sentences: Sequence[str], tokenizer: Any) -> None:
        self.sentences = list(sentences)
        self.tokenizer = tokenizer
        self.sentence_tokens = [self.count(' ' + s) for s in self.sentences]

    def count(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)['input_ids'])

    def row(self, length: int, depth: float, needles: Sequence[Needle]) -> dict[str, Any]:
        depths = [depth + i * (100 - depth) / len(needles) for i in range(len(needles))]
        context = self.context(length, list(zip(depths, [n.text for n in needles])))
        question = needles[0].question if len(needles) == 1 else 'Answer each question.\n' + '\n'.join(
            f'{i}. {n.question}' for i, n in enumerate(needles, 1))
        return {'context': context, 'question': question,
                'answer': [k for n in needles for k in n.keywords],
                'needle_keywords': [list(n.keywords) for n in needles],
                'length': length, 'depth': depth, 'context_tokens': self.count(context)}

    def context(self, length: int, placed: Sequence[tuple[float, str]]) -> str:
        """Whole haystack sentences in order (cycling through the text when it is shorter; near the end, one too
        long for the space left is skipped for a shorter one further on) up to ``length`` tokens with
        the needles, each needle inserted at the sentence boundary nearest its depth (percent of the haystack
        part's tokens, so depth 0 is before the first sentence and 100 after the last)."""
        budget = length - sum(self.count(' ' + text) for _, text in placed)
        chosen: list[str] = []
        boundaries = [0]  # tokens before each sentence boundary
        index, skipped_in_a_row = 0, 0
        while skipped_in_a_row < len(self.sentences):  # stop once no sentence fits the space left
            size = self.sentence_tokens[index % len(self.sentences)]
            if boundaries[-1] + size <= budget:
                chosen.append(self.sentences[index % len(self.sentences)])
                boundaries.append(boundaries[-1] + size)
                skipped_in_a_row = 0
            else:  # too long for the space left: a shorter sentence further on may still fit
                skipped_in_a_row += 1
            index += 1
        inserts: dict[int, list[str]] = {}
        for depth, text in placed:
            target = depth / 100 * boundaries[-1]
            nearest = min(range(len(boundaries)), key=lambda b: (abs(boundaries[b] - target), b))
            inserts.setdefault(nearest, []).append(text)
        pieces = []
        for position in range(len(chosen) + 1):
            pieces.extend(inserts.get(position, []))
            if position < len(chosen):
                pieces.append(chosen[position])
        return ' '.join(pieces)
