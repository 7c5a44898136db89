"""InboundEvent model."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from operations.db import Base, UTCDateTime


class InboundEvent(Base):
    """An update or event id already accepted from a platform (Telegram update, Slack event)."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("platform", "event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
