"""Operation and Participation models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from operations.agency.models import Agency
from operations.db import Base, UTCDateTime, enum_type
from operations.enums import TLP, OperationStatus, ParticipationRole


class Operation(Base):
    """A joint operation run by several agencies."""

    __tablename__ = "operation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    objective: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OperationStatus] = mapped_column(enum_type(OperationStatus))
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tlp: Mapped[TLP] = mapped_column(enum_type(TLP))
    cadence_seconds: Mapped[int | None] = mapped_column(Integer)
    next_task_number: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # when the lead agency was told the planned end (ends_at) had passed; it is told once
    ends_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # four eyes: broadcasts, closing, membership changes and exports wait for a second person
    four_eyes: Mapped[bool] = mapped_column(Boolean, default=False)

    lead_agency: Mapped[Agency] = relationship(lazy="raise")


class Participation(Base):
    """An agency taking part in an operation."""

    __tablename__ = "participation"
    __table_args__ = (UniqueConstraint("operation_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    role: Mapped[ParticipationRole] = mapped_column(enum_type(ParticipationRole))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    agency: Mapped[Agency] = relationship(lazy="raise")
