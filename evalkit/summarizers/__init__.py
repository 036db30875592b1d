"""Summarizers turn per-dataset results into tables (CSV, text, Markdown)."""
from evalkit.summarizers.circular import CircularSummarizer
from evalkit.summarizers.default import DefaultSummarizer

__all__ = ['CircularSummarizer', 'DefaultSummarizer']
