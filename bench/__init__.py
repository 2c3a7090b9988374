"""Benchmarks and the load run (`make bench`, `make load`); see BENCHMARKS.md."""
