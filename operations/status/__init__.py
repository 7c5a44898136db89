"""Status domain."""
