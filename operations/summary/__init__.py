"""Summary domain."""
