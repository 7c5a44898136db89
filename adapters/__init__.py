"""Adapters: the only code that talks to chat platforms and terminals."""
