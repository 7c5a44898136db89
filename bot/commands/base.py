"""The registry the command modules declare into, and what they share."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_
from bot.registry import Kind, Param, Registry
from operations.enums import TLP, Priority
from operations.task.models import TEXT_MAX

REGISTRY = Registry()

OPERATION = Param("CODE", Kind.OPERATION, help=N_("operation code, e.g. PANGEA-18"))
AGENCY = Param("AGENCY", Kind.AGENCY, help=N_("agency code, e.g. FR-OCLCTIC"))
TASK = Param("REF", Kind.TASK, help=N_("task reference, e.g. PANGEA-18#12"))
TLP_FLAG = Param(
    "LEVEL",
    Kind.CHOICE,
    flag="tlp",
    required=False,
    choices=tuple(TLP),
    help=N_("Traffic Light Protocol marking"),
)
PRIORITY_FLAG = Param(
    "P",
    Kind.CHOICE,
    flag="priority",
    required=False,
    choices=tuple(Priority),
    help=N_("how urgent (default normal)"),
)
DETAILS_FLAG = Param(
    '"..."',
    Kind.TEXT,
    flag="details",
    required=False,
    max_length=TEXT_MAX,
    help=N_("what more there is to know"),
)


def four_eyes(args: dict[str, Any]) -> bool:
    """Held, whatever its arguments, in an operation with four eyes on (bot.holding)."""
    return True
