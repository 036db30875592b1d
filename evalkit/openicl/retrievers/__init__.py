"""Retrievers choose the in-context examples (rows of the train split) for each test row."""
from evalkit.openicl.retrievers.base import BaseRetriever, KShotRetriever, RetrievalTask
from evalkit.openicl.retrievers.bm25 import BM25Retriever
from evalkit.openicl.retrievers.dpp import DPPRetriever
from evalkit.openicl.retrievers.fixk import FixKRetriever
from evalkit.openicl.retrievers.mdl import MDLRetriever
from evalkit.openicl.retrievers.random_shots import RandomRetriever
from evalkit.openicl.retrievers.sliding_window import SlidingWindowRetriever
from evalkit.openicl.retrievers.topk import TopkRetriever
from evalkit.openicl.retrievers.votek import VotekRetriever
from evalkit.openicl.retrievers.zero import ZeroRetriever

__all__ = ['BM25Retriever', 'BaseRetriever', 'DPPRetriever', 'FixKRetriever', 'KShotRetriever', 'MDLRetriever',
           'RandomRetriever', 'RetrievalTask', 'SlidingWindowRetriever', 'TopkRetriever', 'VotekRetriever',
           'ZeroRetriever']
