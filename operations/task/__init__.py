"""Task domain."""
