"""Benchmarks and query-plan tools (see bench/README.md when present)."""
