"""Subjective evaluation: judge models grading answers, pairwise arenas and their ratings."""
