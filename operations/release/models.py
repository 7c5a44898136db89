"""ReleaseRequest model."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from operations.db import Base, UTCDateTime, enum_type
from operations.enums import ReleaseState
from operations.member.models import Member
from operations.operation.models import Operation

REASON_MAX = 500


class ReleaseRequest(Base):
    """An action held in a four-eyes operation (`R-12`) until another person approves it:
    the command line as typed, who asked and from which account and chat (it runs as them
    when released), and the decision."""

    __tablename__ = "release_request"
    __table_args__ = (Index("ix_release_request_state_expires_at", "state", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    command: Mapped[str] = mapped_column(Text)
    requester_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[ReleaseState] = mapped_column(enum_type(ReleaseState))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(REASON_MAX))

    operation: Mapped[Operation] = relationship(lazy="raise")
    requester: Mapped[Member] = relationship(lazy="raise", foreign_keys=[requester_id])

    @property
    def ref(self) -> str:
        """How people name it: R-12."""
        return f"R-{self.id}"
