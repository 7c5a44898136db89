"""StatusUpdate model."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from operations.db import Base, UTCDateTime, enum_type
from operations.enums import TLP


class StatusUpdate(Base):
    """A dated situation report on an operation."""

    __tablename__ = "status_update"
    __table_args__ = (Index("ix_status_update_operation_created", "operation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    text: Mapped[str] = mapped_column(Text)
    tlp: Mapped[TLP] = mapped_column(enum_type(TLP))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
