"""Delivery model (the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from operations.db import Base, UTCDateTime

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
CANCELLED = "cancelled"  # its chat was unlinked or its agency left: never to be sent


class Delivery(Base):
    """A message owed to one chat, written in the transaction of the change that caused it."""

    __tablename__ = "delivery"
    __table_args__ = (
        Index("ix_delivery_state_next", "state", "next_attempt_at"),
        Index("ix_delivery_operation_state", "operation_id", "state"),
        # the worker's claims: is a chat held, which of its rows come first
        Index("ix_delivery_chat_state", "chat_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operation.id"))
    kind: Mapped[str] = mapped_column(String(24))
    payload: Mapped[str] = mapped_column(Text)  # opaque to the domain: the bot's rendered message
    state: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(300))
    message_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
