"""Benchmarks, run from the project root: ``python -m benchmarks.throughput`` (``make bench``)."""
