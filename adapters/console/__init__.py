"""The local console: a terminal as the built-in local administrator."""
