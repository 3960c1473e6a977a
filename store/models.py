"""SQLAlchemy 2 models: what oerlint keeps (ARCHITECTURE.md, "Data kept").

A resource has versions (one per distinct content hash × metadata hash); a result belongs to one
version and one ruleset version, so re-checking the same content with the same rules is a no-op
(the unique constraint makes check tasks idempotent) and a new ruleset re-checks without a new
download. `Resource.current_result_id` points at the one current result.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, Boolean, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy import DateTime as _DateTime
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class DateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite gives naive ones back otherwise)."""
    impl = _DateTime
    cache_ok = True

    def __init__(self, timezone: bool = True):
        super().__init__(timezone=True)

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))                 # oai | moodle
    institution: Mapped[str | None] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(Text)
    schedule: Mapped[str | None] = mapped_column(String(100))     # cron expression
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)  # options, never a token
    checkpoint: Mapped[dict[str, Any]] = mapped_column(default=dict)  # harvest checkpoint
    # the last deletion reconciliation that listed the whole source (sweeps.reconcile)
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resources: Mapped[list["Resource"]] = relationship(back_populates="source")


class Resource(Base):
    __tablename__ = "resources"
    __table_args__ = (UniqueConstraint("source_id", "identifier"),
                      Index("ix_resources_record", "source_id", "record_identifier"))
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    identifier: Mapped[str] = mapped_column(String(1000))
    # the harvested record this unit belongs to (sweeps.units): its units are found by index
    record_identifier: Mapped[str | None] = mapped_column(String(1000))
    title: Mapped[str | None] = mapped_column(Text)
    record: Mapped[dict[str, Any]] = mapped_column(default=dict)  # ResourceRecord.to_dict()
    owner: Mapped[str | None] = mapped_column(String(200), index=True)  # author's login, for the API
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # True from the moment the harvest says the record changed until a result for the new
    # version is stored: a fetch that fails leaves it set, so the next sweep tries again.
    stale: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_versions.id", use_alter=True, name="fk_resource_current_version",
                   ondelete="SET NULL"))
    current_result_id: Mapped[int | None] = mapped_column(
        ForeignKey("results.id", use_alter=True, name="fk_resource_current_result",
                   ondelete="SET NULL"))
    source: Mapped[Source] = relationship(back_populates="resources")


class ResourceVersion(Base):
    __tablename__ = "resource_versions"
    __table_args__ = (UniqueConstraint("resource_id", "sha256", "metadata_sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))               # content ("-" when metadata only)
    metadata_sha256: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(Text)                 # token-free
    media_type: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    blob_path: Mapped[str | None] = mapped_column(Text)           # cached content, to re-check offline
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Sweep(Base):
    __tablename__ = "sweeps"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|succeeded|failed
    suspicious: Mapped[bool] = mapped_column(Boolean, default=False)
    suspicious_reason: Mapped[str | None] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(String(20), default="manual")  # manual|schedule|api
    executor: Mapped[str] = mapped_column(String(20), default="inprocess")  # inprocess|celery
    ruleset_version: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    checkpoint: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)                # token-free


class SweepItem(Base):
    """One resource to process in one sweep; the sweep is finished when none is pending."""
    __tablename__ = "sweep_items"
    __table_args__ = (UniqueConstraint("sweep_id", "resource_id"),
                      Index("ix_sweep_items_state", "sweep_id", "state"))
    id: Mapped[int] = mapped_column(primary_key=True)
    sweep_id: Mapped[int] = mapped_column(ForeignKey("sweeps.id", ondelete="CASCADE"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending | done | error
    outcome: Mapped[str | None] = mapped_column(String(20))  # checked|rechecked|unchanged|error
    downloaded: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str | None] = mapped_column(Text)          # token-free
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class Result(Base):
    __tablename__ = "results"
    __table_args__ = (UniqueConstraint("version_id", "ruleset_version"),
                      Index("ix_results_resource", "resource_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("resource_versions.id", ondelete="CASCADE"))
    sweep_id: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id", ondelete="SET NULL"))
    ruleset_version: Mapped[str] = mapped_column(String(40))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    media_type: Mapped[str | None] = mapped_column(String(200))
    accessibility: Mapped[int | None] = mapped_column(Integer)
    overall: Mapped[int | None] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    findings: Mapped[list[Any]] = mapped_column(default=list)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))                 # admin | reviewer | author
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)  # sha256 of the secret
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("results.id", ondelete="SET NULL"))
    result_snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)  # scores + findings cited
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)  # Annex 3 item id -> yes/no/na + note
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Lease(Base):
    """A named lock with an expiry: one sweep per source, one beat tick at a time."""
    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
