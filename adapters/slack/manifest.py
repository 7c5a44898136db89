"""A Slack app manifest for jointops, generated from the command registry."""

from __future__ import annotations

from typing import Any

from bot.i18n import Translator
from bot.registry import Registry

BOT_SCOPES = [
    "app_mentions:read",
    "chat:write",
    "chat:write.public",
    "commands",
    "users:read",
    "channels:read",
    "groups:read",
    "im:write",  # conversations.open: an export goes to the asker's direct message
    "files:write",  # the external upload of an export
]


def manifest(
    registry: Registry,
    *,
    command: str = "/ops",
    http_url: str | None = None,
    name: str = "jointops",
) -> dict[str, Any]:
    """The manifest: the slash command, scopes, events, interactivity, Socket Mode or HTTP URLs."""
    tr = Translator("en")
    lines = [f"{command} {c.usage()} — {tr.gettext(c.summary)}" for c in registry.all()]
    long_description = (
        "Coordinate joint operations across agencies, platforms and timezones: tasks, status "
        "updates, reminders and summaries.\n\nCommands:\n" + "\n".join(lines)
    )
    slash: dict[str, Any] = {
        "command": command,
        "description": "jointops: operations, tasks, status, summaries",
        "usage_hint": 'help | task add CODE "title" --to AGENCY | summary CODE',
        "should_escape": False,
    }
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": ["app_mention"]},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": http_url is None,
        "token_rotation_enabled": False,
    }
    if http_url is not None:
        slash["url"] = http_url
        settings["event_subscriptions"]["request_url"] = http_url
        settings["interactivity"]["request_url"] = http_url
    return {
        "display_information": {
            "name": name,
            "description": "Chat-ops for coordinated international operations",
            "long_description": long_description[:4000],
            "background_color": "#1d3557",
        },
        "features": {
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [slash],
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": settings,
    }
