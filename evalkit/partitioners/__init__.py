"""Partitioners split models x datasets into tasks (whole datasets, or row ranges of large ones)."""
from evalkit.partitioners.base import BasePartitioner
from evalkit.partitioners.naive import NaivePartitioner
from evalkit.partitioners.num_worker import NumWorkerPartitioner
from evalkit.partitioners.size import SizePartitioner

__all__ = ['BasePartitioner', 'NaivePartitioner', 'NumWorkerPartitioner', 'SizePartitioner']
