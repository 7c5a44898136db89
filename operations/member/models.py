"""Member, Identity and Invite models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from operations.agency.models import Agency
from operations.db import Base, UTCDateTime, enum_type
from operations.enums import Language, Role


class Member(Base):
    """A person working on operations for an agency."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role))
    language: Mapped[Language | None] = mapped_column(enum_type(Language, 2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    digest_at: Mapped[str | None] = mapped_column(String(5))  # "HH:MM" local, None: no digest
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # kept for the audit

    agency: Mapped[Agency | None] = relationship(lazy="raise")


class Identity(Base):
    """A chat account (platform, workspace, user id) that belongs to a member."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("platform", "workspace", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(120))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Invite(Base):
    """A one-time code that makes whoever redeems it a member of an agency."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LinkCode(Base):
    """A one-time code that adds the chat account redeeming it to an existing member."""

    __tablename__ = "link_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
