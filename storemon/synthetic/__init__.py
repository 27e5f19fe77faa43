"""Synthetic exports of the real fleet's shape and quirks: the demo data and the benchmarks."""
