"""Questions routed to peers: questions with their tags, routing requests, answers, votes;
routing settings per community, quiet hours per member.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("routing_fanout", sa.Integer(), nullable=False, server_default="3")
        )
        batch.add_column(
            sa.Column("escalation_hours", sa.Integer(), nullable=False, server_default="24")
        )
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("quiet_from", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("quiet_to", sa.Integer(), nullable=True))

    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("group_message_id", sa.BigInteger(), nullable=True),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("next_escalation_at", UTCDateTime(), nullable=True),
        sa.Column("first_answer_at", UTCDateTime(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("questions", "community_id", "communities", "CASCADE"),
        _fk("questions", "asker_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint(
            "community_id", "number", name=op.f("uq_questions_community_id_number")
        ),
    )
    op.create_index(op.f("ix_questions_asker_id"), "questions", ["asker_id"])
    op.create_index(op.f("ix_questions_next_escalation_at"), "questions", ["next_escalation_at"])

    op.create_table(
        "question_tags",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("explicit", sa.Boolean(), nullable=False),
        _fk("question_tags", "question_id", "questions", "CASCADE"),
        _fk("question_tags", "tag_id", "tags", "CASCADE"),
        sa.PrimaryKeyConstraint("question_id", "tag_id", name=op.f("pk_question_tags")),
    )
    op.create_index(op.f("ix_question_tags_tag_id"), "question_tags", ["tag_id"])

    op.create_table(
        "routing_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dm_message_id", sa.BigInteger(), nullable=True),
        sa.Column("remind_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("responded_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("routing_requests", "question_id", "questions", "CASCADE"),
        _fk("routing_requests", "member_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_requests")),
        sa.UniqueConstraint(
            "question_id", "member_id", name=op.f("uq_routing_requests_question_id_member_id")
        ),
    )
    op.create_index(op.f("ix_routing_requests_member_id"), "routing_requests", ["member_id"])

    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("group_message_id", sa.BigInteger(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("answers", "question_id", "questions", "CASCADE"),
        _fk("answers", "author_id", "members", "SET NULL"),
        _fk("answers", "accepted_by_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
    )
    op.create_index(op.f("ix_answers_question_id"), "answers", ["question_id"])
    op.create_index(op.f("ix_answers_author_id"), "answers", ["author_id"])

    op.create_table(
        "answer_votes",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("answer_votes", "answer_id", "answers", "CASCADE"),
        _fk("answer_votes", "member_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint("answer_id", "member_id", "kind", name=op.f("pk_answer_votes")),
    )
    op.create_index(op.f("ix_answer_votes_member_id"), "answer_votes", ["member_id"])


def downgrade() -> None:
    op.drop_table("answer_votes")
    op.drop_table("answers")
    op.drop_table("routing_requests")
    op.drop_table("question_tags")
    op.drop_table("questions")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("quiet_to")
        batch.drop_column("quiet_from")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("escalation_hours")
        batch.drop_column("routing_fanout")
