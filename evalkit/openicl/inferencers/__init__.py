"""Inferencers: ask a model about every test row of a dataset (generation or PPL scoring)."""
from evalkit.openicl.inferencers.base import BaseInferencer
from evalkit.openicl.inferencers.gen import GenInferencer
from evalkit.openicl.inferencers.ppl import PPLInferencer

__all__ = ['BaseInferencer', 'GenInferencer', 'PPLInferencer']
