"""Agency model."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from operations.db import Base, UTCDateTime, enum_type
from operations.enums import Language


class Agency(Base):
    """A participating law-enforcement agency."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[Language] = mapped_column(enum_type(Language, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
