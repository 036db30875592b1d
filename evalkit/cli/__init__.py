"""The command line: ``python run.py CONFIG`` or the one-liner flags."""
