"""StatusUpdate and Ack models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from operations.db import Base, UTCDateTime, enum_type
from operations.enums import TLP


class StatusUpdate(Base):
    """A dated situation report on an operation, numbered within it; `ack_requested` when
    every agency it reaches is asked to acknowledge it (status --ack)."""

    __tablename__ = "status_update"
    __table_args__ = (
        Index("ix_status_update_operation_created", "operation_id", "created_at"),
        UniqueConstraint("operation_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    text: Mapped[str] = mapped_column(Text)
    tlp: Mapped[TLP] = mapped_column(enum_type(TLP))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ack_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # when the lead agency was told which agencies had still not acknowledged (the chase)
    ack_lead_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Ack(Base):
    """One agency asked to acknowledge one status update: who acknowledged it for the agency
    and when (None: not yet); `chased_at` when it was reminded."""

    __tablename__ = "ack"
    __table_args__ = (UniqueConstraint("status_update_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status_update_id: Mapped[int] = mapped_column(ForeignKey("status_update.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    chased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
