"""Portal content edited in the back office: pages, service descriptions, FAQ entries, notices.

An item holds what is the same in every language (slug, menu place, the service it
describes, where and when a notice shows). Each language is a translation of its own with its
own workflow state, and every save is a new, kept version. The version the public reads is
`published_number`; a newer draft may wait for review beside it.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models._types import created_at_column, enum_check, enum_column
from portal.models.service import Service
from portal.models.staff import StaffUser


class ContentKind(StrEnum):
    PAGE = "page"
    SERVICE = "service"  # the description of a service of the catalogue
    FAQ = "faq"  # one question and its answer, belonging to a service
    NOTICE = "notice"  # a banner on chosen pages for a time


class WorkflowState(StrEnum):
    """The state of a translation's newest version, as in Plone's simple publication workflow."""
    PRIVATE = "private"
    PENDING = "pending"
    PUBLISHED = "published"
    EXPIRED = "expired"


class NoticePlacement(StrEnum):
    ALL = "all"
    START = "start"
    SERVICES = "services"  # the service pages in `targets` (all service pages when empty)
    PAGES = "pages"  # the content pages in `targets` (all content pages when empty)
    BOOKING = "booking"


class ContentItem(db.Model):
    __tablename__ = "content_item"
    __table_args__ = (
        UniqueConstraint("kind", "slug"),
        enum_check("kind", ContentKind, "kind_known"),
        enum_check("placement", NoticePlacement, "placement_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = enum_column(ContentKind)
    slug: Mapped[str] = mapped_column(String(80))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), index=True)
    # Place in the public menu (pages); None keeps a page out of the menu.
    menu_position: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order of FAQ entries
    placement: Mapped[str | None] = enum_column(NoticePlacement, nullable=True)
    targets: Mapped[list] = mapped_column(JSON, default=list)  # service codes or page slugs
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    service: Mapped[Service | None] = relationship()
    translations: Mapped[list[ContentTranslation]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ContentTranslation.language")

    def translation(self, language: str) -> ContentTranslation | None:
        return next((t for t in self.translations if t.language == language), None)

    def __repr__(self) -> str:
        return f"<ContentItem {self.kind} {self.slug}>"


class ContentTranslation(db.Model):
    __tablename__ = "content_translation"
    __table_args__ = (
        UniqueConstraint("item_id", "language"),
        enum_check("state", WorkflowState, "state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_item.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(5))
    state: Mapped[str] = enum_column(WorkflowState, default=WorkflowState.PRIVATE)
    published_number: Mapped[int | None] = mapped_column(Integer)
    # Scheduled publishing and expiry, evaluated whenever the content is read.
    publish_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expire_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    item: Mapped[ContentItem] = relationship(back_populates="translations")
    versions: Mapped[list[ContentVersion]] = relationship(
        back_populates="translation", cascade="all, delete-orphan", order_by="ContentVersion.number")

    @property
    def latest(self) -> ContentVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def published(self) -> ContentVersion | None:
        return self.version(self.published_number) if self.published_number else None

    def version(self, number: int) -> ContentVersion | None:
        return next((v for v in self.versions if v.number == number), None)


class ContentVersion(db.Model):
    __tablename__ = "content_version"
    __table_args__ = (UniqueConstraint("translation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(ForeignKey("content_translation.id", ondelete="CASCADE"),
                                                index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    # Service descriptions only (Markdown): who may apply, what to bring, fees, how long it takes.
    audience: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[str] = mapped_column(Text, default="")
    fees: Mapped[str] = mapped_column(Text, default="")
    processing_time: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(String(300), default="")  # the editor's note on the change
    # The German version this text was translated from (None for German itself).
    source_number: Mapped[int | None] = mapped_column(Integer)
    restored_from: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    translation: Mapped[ContentTranslation] = relationship(back_populates="versions")
    created_by: Mapped[StaffUser | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[StaffUser | None] = relationship(foreign_keys=[published_by_id])

    TEXT_FIELDS = ("title", "summary", "body", "audience", "documents", "fees", "processing_time")

    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name) or "" for name in self.TEXT_FIELDS}


class ContentMedia(db.Model):
    """An image or PDF leaflet for content, stored through the document checks."""
    __tablename__ = "content_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # unguessable, in the public URL
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
