"""Agency domain."""
