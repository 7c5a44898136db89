"""Reminders: what fired, and custom reminders."""
