"""Operation domain."""
