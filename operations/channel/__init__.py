"""Channel domain."""
