"""Slack adapter on slack-bolt (Socket Mode or HTTP events)."""
