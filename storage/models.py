"""Typed SQLAlchemy models. The schema itself is created only by Alembic migrations."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC everywhere; always handed back timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - read by SQLAlchemy at class creation
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class Community(Base):
    """A Telegram group the bot serves."""

    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_forum: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    welcome_text: Mapped[str | None] = mapped_column(Text)
    last_welcome_at: Mapped[datetime | None]
    # Routing: how many peers each round asks, and how long a round waits for an answer.
    routing_fanout: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    escalation_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    # Any member may answer through the group's Answer button, not only the peers asked.
    open_answering: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Accepted answers enter the FAQ only once a moderator has verified them.
    faq_verification: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Quiet hours (minutes after midnight) for members who set none of their own, read in the
    # member's timezone or, without one, the community's. None: no default.
    quiet_from: Mapped[int | None] = mapped_column(Integer)
    quiet_to: Mapped[int | None] = mapped_column(Integer)
    # Forum topics that prompts (and the digest) and meetup invitations go to; None: the topic
    # where the schedule or meetup was made.
    prompt_thread_id: Mapped[int | None] = mapped_column(BigInteger)
    meetup_thread_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Member(Base):
    """A Telegram user the bot has seen."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64))
    telegram_language: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    spoken_languages: Mapped[list[str]] = mapped_column(default=list)
    bio: Mapped[str | None] = mapped_column(String(500))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Has started the bot in private and not blocked it since: only then can we DM them.
    dm_available: Mapped[bool] = mapped_column(Boolean, default=False)
    routing_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # Quiet hours in the member's timezone, as minutes after midnight (from may exceed to: the
    # quiet time then spans midnight); None: never quiet.
    quiet_from: Mapped[int | None] = mapped_column(Integer)
    quiet_to: Mapped[int | None] = mapped_column(Integer)
    onboarded_at: Mapped[datetime | None]
    # May their accepted answers be published in the FAQ: named, anonymous, no; None: not
    # asked yet (asked once, when the first one is accepted; changed in /profile).
    faq_consent: Mapped[str | None] = mapped_column(String(16))
    faq_consent_asked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("community_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Joined but not yet greeted: greeted in batches so a wave of joins is one message.
    welcome_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


class Tag(Base):
    """A topic in one community; `name` is normalized for matching, `label` is for display."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(40))
    # Part of the community's curated topic list (shown as buttons), not just a member's free tag.
    is_topic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class TagSynonym(Base):
    __tablename__ = "tag_synonyms"
    __table_args__ = (UniqueConstraint("community_id", "synonym"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    synonym: Mapped[str] = mapped_column(String(40))


class MemberExpertise(Base):
    """Member × tag: declared by the member, and/or earned through accepted answers."""

    __tablename__ = "member_expertise"
    # Covers routing's ranking of a topic's experts (weights and their age) without the rows.
    __table_args__ = (
        Index(
            "ix_member_expertise_ranking",
            "tag_id",
            "member_id",
            "declared",
            "earned_weight",
            "earned_day",
        ),
    )

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    declared: Mapped[bool] = mapped_column(Boolean, default=False)
    earned_weight: Mapped[float] = mapped_column(Float, default=0.0)
    # When `earned_weight` was last brought to date: it decays from then on (half-life in
    # bot.services.matching). Kept apart from `updated_at`, which changing the declared flag
    # also moves, so re-saving one's topics never makes old earned weight look fresh.
    earned_at: Mapped[datetime | None]
    # `earned_at` as days since 1970 (set with it): the database ranks a topic's experts by
    # decayed weight without parsing a date per row.
    earned_day: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime]

    @validates("earned_at")
    def _set_earned_day(self, _key: str, value: datetime | None) -> datetime | None:
        self.earned_day = None if value is None else epoch_days(value)
        return value


def epoch_days(moment: datetime) -> float:
    """Days (and their fraction) since 1970-01-01 UTC."""
    return moment.timestamp() / 86400.0


class ExpertDocument(Base):
    """What one member is known for in one community: bio, topic labels and accepted answers
    with their questions; ranked against questions through its search index
    (storage.search, `expert_documents_fts`)."""

    __tablename__ = "expert_documents"
    __table_args__ = (UniqueConstraint("community_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Question(Base):
    """A question asked in a community; `number` is what members see (#12): one more than the
    community's highest, taken in the asking transaction (the unique key settles a race)."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        # Covers /stats' counting of a community's questions by when they were asked.
        Index(
            "ix_questions_stats",
            "community_id",
            "created_at",
            "first_answer_at",
            "asker_id",
            "anonymous",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    # None once the asker's data is erased; the question itself stays for the FAQ.
    asker_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    # Where answers are posted: the group message they reply to, in its forum topic.
    group_message_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, answered, closed
    round: Mapped[int] = mapped_column(Integer, default=1)
    # When the escalation job looks at it next (None: nothing more to do).
    next_escalation_at: Mapped[datetime | None] = mapped_column(index=True)
    first_answer_at: Mapped[datetime | None]
    # When the asker was reminded to accept an answer (once, a day after the first answer).
    nudged_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Hidden by a moderator (bot.services.moderation): kept, but out of routing, listings and
    # the FAQ; why and by whom is also in the audit log.
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(300))


class QuestionTag(Base):
    __tablename__ = "question_tags"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)  # a #hashtag, not detected


class RoutingRequest(Base):
    """One peer asked privately to answer one question, in one round, and why they were chosen."""

    __tablename__ = "routing_requests"
    __table_args__ = (
        UniqueConstraint("question_id", "member_id"),
        # Covers routing's per-candidate record (count by status, last asked) without the rows.
        Index(
            "ix_routing_requests_member_id_status_created_at", "member_id", "status", "created_at"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    components: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # pending (not delivered yet), sent, answered, declined, later, expired, unreachable
    status: Mapped[str] = mapped_column(String(16), default="pending")
    dm_message_id: Mapped[int | None] = mapped_column(BigInteger)
    remind_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Answer(Base):
    __tablename__ = "answers"
    # Covers routing's per-candidate record (accepted answers, helpful votes) without the rows.
    __table_args__ = (
        Index(
            "ix_answers_author_id_accepted_helpful_count", "author_id", "accepted", "helpful_count"
        ),
        # Covers /stats' reading of a period's answers (by when they were given).
        Index("ix_answers_stats", "created_at", "question_id", "author_id", "accepted"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    group_message_id: Mapped[int | None] = mapped_column(BigInteger)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    # Hidden by a moderator (bot.services.moderation): kept, but out of routing, listings and
    # the FAQ; why and by whom is also in the audit log.
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(300))


class AnswerVote(Base):
    __tablename__ = "answer_votes"
    # Covers /stats' reading of a period's votes (by when they were cast).
    __table_args__ = (Index("ix_answer_votes_stats", "created_at", "answer_id", "member_id"),)

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # helpful
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message to send later, written in the same transaction as the change that causes it;
    the delivery worker sends it under Telegram's limits and records how it went."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column()  # sendMessage (or sendDocument) parameters
    # Enqueuing the same key twice sends once (e.g. "q12:r1:m7": one request, one message).
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    # What it is about, for what happens after (e.g. "routing_request", 12).
    kind: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[int | None] = mapped_column(Integer)
    # pending, sending, then: sent; failed (unreachable, or an outage past 48 h); refused (a
    # 400); dropped (no longer wanted); expanded (word for moderators, passed on to each)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    lease_until: Mapped[datetime | None]  # a sender's claim; after it, another may try
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class FaqEntry(Base):
    """A question and its answer kept for the community to find again: an accepted answer
    (with links to where it was given) or one written by a moderator. Searched through its
    index (storage.search.faq, `faq_fts`), which holds exactly the `published` entries."""

    __tablename__ = "faq_entries"
    __table_args__ = (Index("ix_faq_entries_community_id_published", "community_id", "published"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(default=list)  # labels, as shown
    language: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16))  # answer, moderator, import
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), index=True
    )
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", ondelete="SET NULL"), unique=True
    )
    # Who wrote the answer (their FAQ consent applies) and who put it here.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    verified_at: Mapped[datetime | None]
    review_at: Mapped[datetime | None]  # past it, the entry may be stale
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    # Searchable now: not deleted, consented to, verified where the community requires it.
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    # When it was first published (a withdrawn entry published again keeps it): the digest
    # tells of the entries new since the last one.
    published_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FaqSearch(Base):
    """One search of the FAQ (/search, inline mode, or the suggestions shown before a
    question is asked) and what came of it: what members look for, and whether it helped."""

    __tablename__ = "faq_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # search, inline, ask
    query: Mapped[str] = mapped_column(Text)
    results: Mapped[int] = mapped_column(Integer, default=0)
    entry_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # what was shown
    # ask: the question waits for the asker's choice, with where it was asked.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    group_message_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str | None] = mapped_column(String(16))  # solved, asked
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("faq_entries.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who changed what, for moderators to review: every FAQ change, and later every
    moderation action."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_community_id_created_at", "community_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))  # faq_add, faq_edit, faq_delete, ...
    target_kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Prompt(Base):
    """A discussion prompt in a community's bank. A starter (`starter_key` set) keeps its
    English text, translated into the community's language when posted."""

    __tablename__ = "prompts"
    __table_args__ = (UniqueConstraint("community_id", "starter_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    starter_key: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    times_used: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class WeeklySchedule:
    """The columns of a community's weekly schedule: an expression (bot.schedules.Weekly.text)
    in the community's timezone, and the next slot, which a firing claims by a conditional
    update (storage.repos.schedules). Shared by the prompts' and the digest's schedules."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), unique=True
    )
    expression: Mapped[str] = mapped_column(String(64))
    thread_id: Mapped[int | None] = mapped_column(BigInteger)  # a forum topic, or the main chat
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_fire_at: Mapped[datetime | None] = mapped_column(index=True)
    last_slot: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class PromptSchedule(WeeklySchedule, Base):
    """When a community's prompts are posted."""

    __tablename__ = "prompt_schedules"


class PromptPost(Base):
    """A prompt posted (or queued) for one slot of a schedule, and the replies it drew."""

    __tablename__ = "prompt_posts"
    __table_args__ = (
        UniqueConstraint("community_id", "slot"),
        Index("ix_prompt_posts_chat_id_message_id", "chat_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompts.id", ondelete="SET NULL"))
    slot: Mapped[datetime]
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class Meetup(Base):
    """A call the community meets in (Zoom, Meet, Jitsi), announced in the group with RSVP
    buttons; the join link goes privately to those who answer Going or Maybe."""

    __tablename__ = "meetups"
    __table_args__ = (Index("ix_meetups_community_id_starts_at", "community_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    join_url: Mapped[str] = mapped_column(Text)
    public_link: Mapped[bool] = mapped_column(Boolean, default=False)  # shown in the group too
    recurrence: Mapped[str | None] = mapped_column(String(16))  # weekly, monthly
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # or cancelled
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # times moved or cancelled
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    group_message_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    # Reminders claimed (queued) for the current start; a move clears them.
    reminded_day_at: Mapped[datetime | None]
    reminded_hour_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # A recurring meetup: the first occurrence's start, whose weekday, week of the month and
    # wall time every occurrence keeps; `recurred_at`: the next one was created (claimed once,
    # whatever the instances).
    series_starts_at: Mapped[datetime | None]
    recurred_at: Mapped[datetime | None]
    # After it ended: attendance asked and a recap offered (claimed once; a time before
    # `starts_at` belongs to an earlier occurrence), and the recap posted (once).
    followed_up_at: Mapped[datetime | None]
    recap_at: Mapped[datetime | None]
    recap_faq_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="SET NULL")
    )


class MeetupRsvp(Base):
    """A member's answer to a meetup's invitation (the last one counts)."""

    __tablename__ = "meetup_rsvps"
    __table_args__ = (UniqueConstraint("meetup_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meetup_id: Mapped[int] = mapped_column(ForeignKey("meetups.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(8))  # going, maybe, cant
    link_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    attended: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Asked "Did you attend?" (only then is `attended` taken from them).
    attendance_asked_at: Mapped[datetime | None]


class DigestSchedule(WeeklySchedule, Base):
    """When a community's digest is posted (bot.services.digest): every community has one,
    Mondays 09:00 by default, written for it the first time the digest job sees it.
    `last_sent_at`: the end of the period the last digest posted covered."""

    __tablename__ = "digest_schedules"

    last_sent_at: Mapped[datetime | None]


class Suspension(Base):
    """A member may not ask or answer in one community until `until` (or until a moderator
    lifts it: `lifted_at`). Only the newest one of a member there counts."""

    __tablename__ = "suspensions"
    __table_args__ = (Index("ix_suspensions_community_id_member_id", "community_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    until: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
