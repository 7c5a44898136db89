"""The registry the command modules declare into, and what they share."""

from __future__ import annotations

from bot.registry import Kind, Param, Registry
from operations.enums import TLP, Priority

REGISTRY = Registry()

OPERATION = Param("CODE", Kind.OPERATION, help="operation code, e.g. PANGEA-18")
AGENCY = Param("AGENCY", Kind.AGENCY, help="agency code, e.g. FR-OCLCTIC")
TASK = Param("REF", Kind.TASK, help="task reference, e.g. PANGEA-18#12")
TLP_FLAG = Param(
    "LEVEL",
    Kind.CHOICE,
    flag="tlp",
    required=False,
    choices=tuple(TLP),
    help="Traffic Light Protocol marking",
)
PRIORITY_FLAG = Param(
    "P",
    Kind.CHOICE,
    flag="priority",
    required=False,
    choices=tuple(Priority),
    help="how urgent (default normal)",
)
