"""The audit export benchmark: `python -m tools.bench_audit_export` (docs/benchmark.md)."""
