"""Tessera's benchmarks: the reference workloads of ../shared/bench/workloads.md beside peers."""
