"""Every command of the grammar, declared once in `REGISTRY`."""

from bot.commands import agency, general, operation, status, summary, task
from bot.commands.base import REGISTRY

__all__ = ["REGISTRY", "agency", "general", "operation", "status", "summary", "task"]
