"""Inbound events from chat platforms, recorded so that a redelivery is processed once."""
