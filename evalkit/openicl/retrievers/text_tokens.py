"""Words of a text for lexical matching, in any script.

Latin, Cyrillic and similar scripts are split into lower-cased words; runs of CJK characters,
which have no spaces between words, are segmented by ``jieba`` (so a Chinese question and
its paraphrase share words, not only single characters).  jieba's dictionary is loaded on the
first CJK text, and only then.
"""
from __future__ import annotations

import logging
import re

from evalkit.config.errors import ConfigError

# Han (incl. extension A and compatibility ideographs), kana, Hangul
_CJK_RUN = re.compile(r'[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+')
_WORD = re.compile(r'\w+')


def _segment_cjk(run: str) -> list[str]:
    try:
        import jieba
    except ImportError:
        raise ConfigError("BM25 retrieval of CJK text needs jieba to split words: pip install jieba") from None
    jieba.setLogLevel(logging.WARNING)  # it announces its dictionary loading on stderr otherwise
    return [w for w in jieba.lcut(run) if w.strip()]


def text_tokens(text: str) -> list[str]:
    """The words of ``text`` in order: CJK runs segmented by jieba, everything else lower-cased ``\\w+``."""
    tokens: list[str] = []
    position = 0
    for match in _CJK_RUN.finditer(text):
        tokens += _WORD.findall(text[position:match.start()].lower())
        tokens += _segment_cjk(match.group())
        position = match.end()
    return tokens + _WORD.findall(text[position:].lower())
