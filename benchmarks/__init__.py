"""Benchmarks of jointops against bare baselines: `python -m benchmarks [--quick] [--json PATH]`."""
