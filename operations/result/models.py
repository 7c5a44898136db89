"""Result model."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from operations.agency.models import Agency
from operations.db import Base, UTCDateTime, enum_type
from operations.enums import ResultKind

NOTE_MAX = 500
COUNT_MAX = 999_999_999  # fits a 32-bit integer column on every backend


class Result(Base):
    """A figure an agency achieved in an operation (12 arrests, 3 websites taken down),
    preliminary or confirmed; numbered within the operation; withdrawn, never deleted."""

    __tablename__ = "result"
    __table_args__ = (UniqueConstraint("operation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"))
    number: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    kind: Mapped[ResultKind] = mapped_column(enum_type(ResultKind))
    count: Mapped[int] = mapped_column(Integer)
    preliminary: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX))
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))

    agency: Mapped[Agency] = relationship(lazy="raise")
