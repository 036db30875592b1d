"""Retrievers choose the in-context examples (rows of the train split) for each test row."""
from evalkit.openicl.retrievers.base import BaseRetriever
from evalkit.openicl.retrievers.fixk import FixKRetriever
from evalkit.openicl.retrievers.zero import ZeroRetriever

__all__ = ['BaseRetriever', 'FixKRetriever', 'ZeroRetriever']
