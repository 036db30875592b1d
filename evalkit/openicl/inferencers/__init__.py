"""Inferencers: ask a model about every test row of a dataset (generation, scoring, dialogues, voting)."""
from evalkit.openicl.inferencers.base import BaseInferencer
from evalkit.openicl.inferencers.chat import ChatInferencer
from evalkit.openicl.inferencers.clp import CLPInferencer
from evalkit.openicl.inferencers.gen import GenInferencer
from evalkit.openicl.inferencers.ll import LLInferencer
from evalkit.openicl.inferencers.ppl import PPLInferencer
from evalkit.openicl.inferencers.sc import SCInferencer, majority_vote

__all__ = ['BaseInferencer', 'CLPInferencer', 'ChatInferencer', 'GenInferencer', 'LLInferencer', 'PPLInferencer',
           'SCInferencer', 'majority_vote']
