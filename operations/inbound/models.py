"""InboundEvent model: every accepted platform update, and the command it carries until answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from operations.db import Base, UTCDateTime

# The life of a record (operations.inbound.service): RECEIVED when the platform's update is
# recorded, before the platform is told it arrived; RAN (the command ran, its reply stored in
# the same transaction) or HELD (the adapter answered instead of running it); ANSWERED once
# the answer went out. An event with nothing to run is ANSWERED from the start.
RECEIVED = "received"
RAN = "ran"
HELD = "held"
ANSWERED = "answered"


class InboundEvent(Base):
    """An update or event accepted from a platform (Telegram update, Slack command or event)."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("platform", "event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    state: Mapped[str] = mapped_column(
        String(8), default=ANSWERED, server_default=ANSWERED, index=True
    )
    command: Mapped[str | None] = mapped_column(Text)  # opaque to this layer (bot.inbox)
    route: Mapped[str | None] = mapped_column(Text)  # where and how to answer (the adapter's)
    reply: Mapped[str | None] = mapped_column(Text)  # the stored answer, once RAN or HELD
    holder: Mapped[str | None] = mapped_column(String(40))  # the process working on it
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
