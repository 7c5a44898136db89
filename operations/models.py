"""Every model, imported once so that the metadata is complete (migrations, tests)."""

from operations.agency.models import Agency
from operations.audit.models import AuditEvent, AuditHead
from operations.channel.models import Channel
from operations.db import Base
from operations.delivery.models import Delivery
from operations.inbound.models import InboundEvent
from operations.member.models import Identity, Invite, LinkCode, Member
from operations.operation.models import Operation, Participation
from operations.ratelimit.models import RateSlot
from operations.release.models import ReleaseRequest
from operations.reminder.models import Reminder, ReminderLog
from operations.result.models import Result
from operations.status.models import Ack, StatusUpdate
from operations.task.models import Task, TaskNote

__all__ = [
    "Ack",
    "Agency",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Channel",
    "Delivery",
    "Identity",
    "InboundEvent",
    "Invite",
    "LinkCode",
    "Member",
    "Operation",
    "Participation",
    "RateSlot",
    "ReleaseRequest",
    "Reminder",
    "ReminderLog",
    "Result",
    "StatusUpdate",
    "Task",
    "TaskNote",
]
