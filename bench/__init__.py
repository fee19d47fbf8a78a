"""Benchmarks for graphsvc (see bench/README.md). Run them as modules: ``python -m bench.<name>``."""
