"""Partitioners split models x datasets into tasks."""
from evalkit.partitioners.base import BasePartitioner
from evalkit.partitioners.naive import NaivePartitioner

__all__ = ['BasePartitioner', 'NaivePartitioner']
