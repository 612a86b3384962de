"""Benchmarks of the gateway's own cost (run from the repository root: ``python -m bench.overhead``)."""
