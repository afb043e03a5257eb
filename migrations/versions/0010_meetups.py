"""Meetups and members' answers to them (RSVP, attendance).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "meetups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("join_url", sa.Text(), nullable=False),
        sa.Column("public_link", sa.Boolean(), nullable=False),
        sa.Column("recurrence", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("group_message_id", sa.BigInteger(), nullable=True),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("reminded_day_at", UTCDateTime(), nullable=True),
        sa.Column("reminded_hour_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("meetups", "community_id", "communities", "CASCADE"),
        _fk("meetups", "created_by_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetups")),
    )
    op.create_index(
        op.f("ix_meetups_community_id_starts_at"), "meetups", ["community_id", "starts_at"]
    )
    op.create_table(
        "meetup_rsvps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meetup_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(8), nullable=False),
        sa.Column("link_sent", sa.Boolean(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("meetup_rsvps", "meetup_id", "meetups", "CASCADE"),
        _fk("meetup_rsvps", "member_id", "members", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetup_rsvps")),
        sa.UniqueConstraint(
            "meetup_id", "member_id", name=op.f("uq_meetup_rsvps_meetup_id_member_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("meetup_rsvps")
    op.drop_index(op.f("ix_meetups_community_id_starts_at"), table_name="meetups")
    op.drop_table("meetups")
