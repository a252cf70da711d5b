"""Benchmarks for the codec server and the GUI; ``make bench`` runs them (see README.md)."""
