"""Stress-testing an OpenAI-compatible endpoint (``tools/perf.py``): load generation, streamed
requests timed token by token, latency/throughput metrics and their reports.

Modules, one job each: ``prompts`` (what is sent), ``client`` (one streamed request),
``load`` (closed and open loops), ``metrics`` (summaries), ``report`` (table, files, plots),
``cli`` (the command line).
"""
