"""Benchmarks for Backprop Lab, and the reference training loops they race against."""
