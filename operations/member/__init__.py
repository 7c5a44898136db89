"""Member domain."""
