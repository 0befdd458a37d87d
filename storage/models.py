"""Database tables (SQLAlchemy 2.0 declarative). SQL lives in storage/ only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite so autoincrement works there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Unit(Base):
    """A reporting unit in the hierarchy (province, district, commune, agency...)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(32))  # e.g. "tinh", "huyen", "xa"
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # Materialised path of ids, "/1/5/23/": a subtree is one index range scan (storage.units.in_subtree).
    # Byte order ("C") on PostgreSQL: under a language collation such as vi_VN or en_US an ordinary
    # index serves neither `LIKE '/1/5/%'` nor a range, and '/' may even sort as if absent.
    path: Mapped[str] = mapped_column(
        String(1024).with_variant(String(1024, collation="C"), "postgresql"), index=True
    )
    depth: Mapped[int] = mapped_column(Integer, default=0)
    # The code as people type it: upper case, no diacritics, no spaces ("qt-hl", "QT HL" → "QT-HL"),
    # so a code typed on a phone finds its unit (storage.units.code_key); filled by import.
    code_key: Mapped[str] = mapped_column(String(64), index=True, default="", server_default="")


class Member(Base):
    """A person using the bot, on any number of channels."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(255), default="")
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The membership the member works in now, of several ("/donvi" switches); None: the first.
    current_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # A supervisor's conversation between turns, as JSON (bot/oversight): e.g. waiting for the
    # reason of a return. None: nothing pending.
    oversight_state: Mapped[str | None] = mapped_column(Text)


class Identity(Base):
    """A member's account on one channel (Telegram user id, Zalo user id, console user)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # telegram | zalo_oa | zalo_bot | console
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str | None] = mapped_column(String(64))  # where to send, if not external_id
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Membership(Base):
    """A member's role in a unit: reporter answers its reports, supervisor oversees its subtree."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("member_id", "unit_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # reporter | supervisor
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invite(Base):
    """An invite code; only its hash is kept, so a leaked database leaks no codes."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    uses_left: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # None: the operator


class JoinAttempt(Base):
    """Every try at joining with a code, right or wrong: wrong ones are limited per identity and
    overall (storage.invites), and all of them can be audited."""

    __tablename__ = "join_attempts"
    __table_args__ = (Index("ix_join_attempts_identity", "channel", "external_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ok: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(
        String(16), default=""
    )  # joined | unknown | expired | used_up | limited
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))


class AuditEvent(Base):
    """Who did what, when: joins, failed joins, role changes, removals, submissions, returns,
    approvals, answer edits. Never updated, never deleted (storage.audit)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_unit_at", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # who; None: the operator
    actor: Mapped[str] = mapped_column(String(255), default="")  # their name then, or "operator"
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    detail: Mapped[Any] = mapped_column(JSON, nullable=True)  # what: e.g. {"version": 2, "reason": "…"}


class Campaign(Base):
    """One report to collect: an outline version, the root of the units it covers, deadlines."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    outline_id: Mapped[str] = mapped_column(String(64))
    outline_version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    root_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The header of the compiled report (documents.model.Header), set by `baocao campaign set`;
    # None: a default from the compiled unit (storage.compiled.header_for).
    header_committee: Mapped[str | None] = mapped_column(String(255))
    header_superior: Mapped[str | None] = mapped_column(String(255))
    header_number: Mapped[str | None] = mapped_column(String(64))
    header_place: Mapped[str | None] = mapped_column(String(120))
    header_on_behalf: Mapped[str | None] = mapped_column(String(120))
    header_signer_title: Mapped[str | None] = mapped_column(String(120))
    header_basis: Mapped[str | None] = mapped_column(String(500))
    header_recipients: Mapped[Any] = mapped_column(JSON, nullable=True)  # ["- Ban Thường vụ Tỉnh ủy (b/c),"]


class Deadline(Base):
    """The deadline of one level of units in a campaign (e.g. xa → 2018-06-30)."""

    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("campaign_id", "level"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    level: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date)


class Submission(Base):
    """A unit's report in a campaign. `version` is the one being worked on."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # draft | submitted | returned | approved; every change is guarded by the status and version
    # it was read at (storage/turns.py, storage/submissions.py), so two changes never cross.
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    submitted_version: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    returned_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # who returned or approved
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_count: Mapped[int] = mapped_column(Integer, default=0)  # for progress without a scan
    # Of the questions that apply to the unit, how many are required (Progress.required_count), and
    # the outline sections every required question of which is answered, as JSON ids ["I", "II"]:
    # both written with answered_count, so "tiến độ" never reads answers.
    required_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sections_answered: Mapped[Any] = mapped_column(JSON, nullable=True)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Answer(Base):
    """The current answer to one question of a submission."""

    __tablename__ = "answers"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    skipped: Mapped[bool] = mapped_column(default=False)
    attachments: Mapped[Any] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class AnswerRevision(Base):
    """Every change to an answer: who, when, in which version. Never updated, never deleted.

    A narrative answer grows one message at a time; a revision that only extends the one before
    (`kind` "append") holds just the added text, so an answer sent in n parts costs n parts, not n²/2.
    `storage.turns.answer_history` puts the full values back together.
    """

    __tablename__ = "answer_revisions"
    __table_args__ = (Index("ix_answer_revisions_submission_question", "submission_id", "question_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    question_id: Mapped[str] = mapped_column(String(32))
    submission_version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8), default="value", server_default="value")  # value | append
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    skipped: Mapped[bool] = mapped_column(default=False)
    attachments: Mapped[Any] = mapped_column(JSON, nullable=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubmissionDocument(Base):
    """What makes a submitted version a document the level above can file: số/ký hiệu, date, signer,
    drafter, and the file id of a photo or PDF of the signed, stamped paper. One per submitted version,
    written in the same transaction as the (guarded) submission, never updated."""

    __tablename__ = "submission_documents"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40))  # số, ký hiệu: "12-BC/ĐU"
    signed_on: Mapped[str] = mapped_column(String(10))  # ISO date, as answers keep dates
    signer_title: Mapped[str] = mapped_column(String(120))
    signer_name: Mapped[str] = mapped_column(String(60))
    drafter_name: Mapped[str] = mapped_column(String(60))
    drafter_phone: Mapped[str] = mapped_column(String(16))
    attachment: Mapped[Any] = mapped_column(JSON, nullable=True)  # {kind, file_id, name, size}
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewRead(Base):
    """The version of a unit's submission a supervisor last read, so the next time they are shown
    what changed since then."""

    __tablename__ = "review_reads"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DialogStateRow(Base):
    """A member's place in a campaign's dialog, as the engine's JSON."""

    __tablename__ = "dialog_states"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    state: Mapped[str] = mapped_column(Text)
    # Bumped on every write: a turn that read an older row lost a race and is run again.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProcessedUpdate(Base):
    """Incoming updates already applied, so a redelivered one is applied once."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# --- the outbox (appended: shared by every channel) -----------------------------------------------
from sqlalchemy import Boolean, LargeBinary, false, text  # noqa: E402 - kept with the table that needs them

_PENDING = text("status = 'pending'")


class OutboxMessage(Base):
    """A message waiting to be sent, or sent: replies, reminders and files for every channel.

    A process that wants to send a row leases it (`leased_by`, `lease_until`); a lease that runs out
    (the process died) lets another process take the row over. Rows of one chat go out in id order.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # The head of each chat's queue, and the rows due now: both only over pending rows.
        Index(
            "ix_outbox_pending_chat",
            "channel",
            "chat_id",
            "id",
            postgresql_where=_PENDING,
            sqlite_where=_PENDING,
        ),
        Index("ix_outbox_pending_due", "not_before", postgresql_where=_PENDING, sqlite_where=_PENDING),
        # The claim's order: replies before bulk rows (issue 10), oldest first.
        Index("ix_outbox_pending_bulk", "bulk", "id", postgresql_where=_PENDING, sqlite_where=_PENDING),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # text | document
    body: Mapped[str] = mapped_column(Text, default="")  # the text, or a document's caption
    buttons: Mapped[Any] = mapped_column(JSON, nullable=True)  # [[[label, action], ...], ...]
    filename: Mapped[str | None] = mapped_column(String(255))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    leased_by: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    external_id: Mapped[str | None] = mapped_column(String(64))  # the platform's message id
    error: Mapped[str | None] = mapped_column(String(255))  # why the last try failed; never the text
    # A broadcast (reminders): sent after every reply waiting, and overtaken by its chat's replies.
    bulk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # kind "edit": the row whose sent message this one changes in place (a compile's progress).
    replaces: Mapped[int | None] = mapped_column(BigId)


class CompiledFile(Base):
    """A compiled report kept for a while to be downloaded by a signed link (bot/files.py), for a
    channel that cannot carry the file itself."""

    __tablename__ = "compiled_files"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# --- linked identities (issue 11) --------------------------------------------------------------------


class LinkCode(Base):
    """A one-time code a member asks for on one channel (`/lienket`) to add their account on another
    channel to the same member (storage.links). Only its HMAC under BAOCAO_SECRET_KEY is stored."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # where it was asked for
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[str | None] = mapped_column(String(100))  # channel:external_id of the linked account


# --- reminders (issue 10) --------------------------------------------------------------------------


class ReminderSchedule(Base):
    """When a campaign's reminders go out: days from each level's deadline, at a local hour.

    No row: the defaults (storage.reminders.DEFAULT_OFFSETS at 08:00, working days only)."""

    __tablename__ = "reminder_schedules"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    offsets: Mapped[Any] = mapped_column(JSON)  # [-7, -3, -1, 0, 1, 3]
    hour: Mapped[int] = mapped_column(Integer, default=8)
    weekends: Mapped[bool] = mapped_column(default=False)  # False: a Sat/Sun offset moves to a weekday
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reminder(Base):
    """One reminder to one member, recorded under its key BEFORE it is sent, in the transaction that
    queues its outbox row: a second process (or a rerun) inserting the same key does nothing.

    kind/slot: "scheduled"/"-3" (the offset), "orphan"/"-3" (a unit with nobody, told to `member`, its
    supervisor), "digest"/"2018-07-02" (the local day; `unit_id` is the supervisor's unit),
    "manual"/"2018-07-02T09:15:00" (by hand, /nhac; the UTC minute).
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", "member_id", "kind", "slot"),
        Index("ix_reminders_campaign_unit", "campaign_id", "unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(16))  # scheduled | orphan | digest | manual
    slot: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    outbox_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    # queued | sent | undeliverable: copied from the outbox row once it is settled (outbox rows are
    # purged after a week; the outcome stays here).
    outcome: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(String(255))
    by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # manual: who asked
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HandReminded(Base):
    """When a unit was last reminded by hand (/nhac) in a campaign. The cooldown is taken on this row
    (an upsert that only moves `last_at` forward once the cooldown has passed): two supervisors
    confirming in the same instant remind the unit once."""

    __tablename__ = "hand_reminded"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


# --- the outbox across processes (issue 10) ---
from sqlalchemy import Float  # noqa: E402 - kept with the tables that need it


class SendRate(Base):
    """A channel's bot-wide send rate, shared by every process (storage/rates.py).

    Sends are spaced `1 / rate` apart across all processes: a process reserves the next few send
    times by moving `next_at` forward. `paused_until`: the platform said to wait (HTTP 429).
    Both are seconds since the epoch (UTC), as every process's clock counts them.
    """

    __tablename__ = "send_rates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float, default=0.0)
    paused_until: Mapped[float] = mapped_column(Float, default=0.0)


class ChatHold(Base):
    """Which process last sent to a chat, and until when no other process may send to it (the
    platform's per-chat rate across processes: a chat's next message after a hand-over waits)."""

    __tablename__ = "outbox_holds"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    worker: Mapped[str] = mapped_column(String(32))
    until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# --- Zalo Official Account (issue 11) ---

from sqlalchemy import Boolean  # noqa: E402 - kept with the table that needs it


class ZaloOAToken(Base):
    """The OA's access/refresh token pair (one row per app). The refresh token is single-use: it is
    replaced under a row lock (storage/zalo_oa.py) so two processes never both present it."""

    __tablename__ = "zalo_oa_tokens"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the access token's
    # PKCE code verifier kept between `baocao zalo oa-auth` printing the URL and taking the code.
    code_verifier: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ZaloOAFollower(Base):
    """Whether a Zalo user follows the OA (follow / unfollow events): an unfollower is not written to."""

    __tablename__ = "zalo_oa_followers"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    following: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
