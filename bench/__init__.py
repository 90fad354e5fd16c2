"""Benchmarks (`make bench`): every performance budget measured on PostgreSQL beside its floor; see run.py."""
