"""Summarizers turn per-dataset results into tables (CSV, text, Markdown)."""
from evalkit.summarizers.default import DefaultSummarizer

__all__ = ['DefaultSummarizer']
