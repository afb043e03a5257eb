"""The FAQ: entries with their search index and vocabulary (SQLite FTS5 + trigrams, or
PostgreSQL tsvector + pg_trgm), searches and what came of them, the audit log, members' consent
to publish their answers, and communities' choice to verify entries first.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime
from storage.search import faq

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("faq_verification", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("faq_consent", sa.String(16), nullable=True))
        batch.add_column(sa.Column("faq_consent_asked_at", UTCDateTime(), nullable=True))
    op.create_table(
        "faq_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", UTCDateTime(), nullable=True),
        sa.Column("review_at", UTCDateTime(), nullable=True),
        sa.Column("view_count", sa.Integer(), nullable=False),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("faq_entries", "community_id", "communities", "CASCADE"),
        _fk("faq_entries", "question_id", "questions", "SET NULL"),
        _fk("faq_entries", "answer_id", "answers", "SET NULL"),
        _fk("faq_entries", "author_id", "members", "SET NULL"),
        _fk("faq_entries", "created_by_id", "members", "SET NULL"),
        _fk("faq_entries", "verified_by_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
        sa.UniqueConstraint("answer_id", name=op.f("uq_faq_entries_answer_id")),
    )
    op.create_index(op.f("ix_faq_entries_question_id"), "faq_entries", ["question_id"])
    op.create_index(op.f("ix_faq_entries_author_id"), "faq_entries", ["author_id"])
    op.create_index(
        op.f("ix_faq_entries_community_id_published"), "faq_entries", ["community_id", "published"]
    )
    op.create_table(
        "faq_searches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("entry_ids", sa.JSON(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("group_message_id", sa.BigInteger(), nullable=True),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        _fk("faq_searches", "community_id", "communities", "CASCADE"),
        _fk("faq_searches", "member_id", "members", "SET NULL"),
        _fk("faq_searches", "entry_id", "faq_entries", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_searches")),
    )
    op.create_index(op.f("ix_faq_searches_community_id"), "faq_searches", ["community_id"])
    op.create_index(op.f("ix_faq_searches_member_id"), "faq_searches", ["member_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target_kind", sa.String(32), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("audit_log", "community_id", "communities", "CASCADE"),
        _fk("audit_log", "actor_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        op.f("ix_audit_log_community_id_created_at"), "audit_log", ["community_id", "created_at"]
    )
    for statement in faq.create_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in faq.drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index(op.f("ix_audit_log_community_id_created_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_faq_searches_member_id"), table_name="faq_searches")
    op.drop_index(op.f("ix_faq_searches_community_id"), table_name="faq_searches")
    op.drop_table("faq_searches")
    op.drop_index(op.f("ix_faq_entries_community_id_published"), table_name="faq_entries")
    op.drop_index(op.f("ix_faq_entries_author_id"), table_name="faq_entries")
    op.drop_index(op.f("ix_faq_entries_question_id"), table_name="faq_entries")
    op.drop_table("faq_entries")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("faq_consent_asked_at")
        batch.drop_column("faq_consent")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("faq_verification")
