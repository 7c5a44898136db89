"""Transactional outbox: one row per message per destination chat."""
