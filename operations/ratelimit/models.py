"""RateSlot model: when the next message under one limit may go."""

from __future__ import annotations

from sqlalchemy import Double, String
from sqlalchemy.orm import Mapped, mapped_column

from operations.db import Base


class RateSlot(Base):
    """One limit (a platform overall, one chat): the instant, in seconds since the epoch on the
    database's clock, from which the next message may be sent."""

    __tablename__ = "rate_slot"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_free: Mapped[float] = mapped_column(Double())
