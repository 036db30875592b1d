"""Postprocessors for code answers: the program text inside a model's reply.

Chat models wrap code in Markdown fences and add prose around it; base models simply continue
the prompt.  Both code benchmarks' evaluators apply these to every sample themselves (so
several samples per row are all treated alike); they are registered as well, for configs
that want the extracted code as the prediction of another evaluator.
"""
from __future__ import annotations

import ast
import re
import warnings

from evalkit.registry import POSTPROCESSORS

# An opening fence (optionally tagged with a language), then everything up to the closing fence
# or the end of the text: an answer cut off by max_out_len still yields its code.
_FENCE = re.compile(r'^[ \t]*```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:^[ \t]*```|\Z)', re.S | re.M)
_PYTHON_TAGS = {'', 'python', 'python3', 'py'}
_FENCE_LINE = re.compile(r'^[ \t]*```', re.M)


def first_python_block(text: str) -> str | None:
    """The first fenced block tagged as Python (or not tagged at all), or None."""
    for match in _FENCE.finditer(text):
        if match.group(1).lower() in _PYTHON_TAGS:
            return match.group(2)
    return None


@POSTPROCESSORS.register_module()
class CodeBlock:
    """The first Python code block of a reply; a reply without one is taken as code already
    (a base model's continuation of the prompt, as HumanEval's prompt + completion convention
    expects).  A reply may also start with bare code and close a fence it never opened: with an
    odd number of fences and valid Python before the first, that code is the answer."""

    def __call__(self, text: str) -> str:
        before, fences = _FENCE_LINE.split(text, 1)[0], len(_FENCE_LINE.findall(text))
        if fences % 2 and before.strip() and _parses(before):
            return before
        block = first_python_block(text)
        return before if block is None else block


def _parses(code: str) -> bool:
    """Whether ``code`` is valid Python; parsing only, nothing is executed (and the parser's
    warnings about the model's style, such as invalid escapes, are not ours to show)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _unquoted(code: str) -> str:
    """``code`` without the quotes the few-shot answers wrap it in.  The opening quote may be in
    the prompt and the closing one may be missing, and code may itself end in a string literal,
    so the first of (both stripped, either one stripped, as it is) that parses wins."""
    lead = code[:1] in ('"', "'") and not code.startswith(code[0] * 3)
    trail = code[-1:] in ('"', "'") and not code.endswith(code[-1] * 3)
    options = [code[int(lead):len(code) - int(trail)], code[int(lead):], code[:len(code) - int(trail)]]
    return next((option.strip() for option in options if _parses(option)), code)


@POSTPROCESSORS.register_module()
class MBPPCode:
    """The code of an MBPP answer in the few-shot format ``[BEGIN] 'code' [DONE]``: what lies
    between the markers (either may be missing: the prompt already ends with ``[BEGIN]`` and
    generation stops at ``[DONE]``), without the quotes around it, or a fenced block inside."""

    def __call__(self, text: str) -> str:
        text = text.split('[BEGIN]', 1)[-1].split('[DONE]', 1)[0]
        block = first_python_block(text)
        return _unquoted((text if block is None else block).strip())
