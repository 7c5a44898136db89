"""Every command of the grammar, declared once in `REGISTRY`."""

from bot.commands import general  # noqa: I001 - declaration order is help order
from bot.commands import member, me
from bot.commands import agency, operation, task, task_record, status, ack, summary, remind, result
from bot.commands import export
from bot.commands import release
from bot.commands.base import REGISTRY

__all__ = [
    "REGISTRY",
    "ack",
    "agency",
    "export",
    "general",
    "me",
    "member",
    "operation",
    "release",
    "remind",
    "result",
    "status",
    "summary",
    "task",
    "task_record",
]
