"""The digest: each community's digest schedule (the slot each firing claims, and the end of
the period the last digest covered), and when each FAQ entry was first published (what is new
since the last digest). Entries published already count as published when they were verified,
or else created.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_schedules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("expression", sa.String(64), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_fire_at", UTCDateTime(), nullable=True),
        sa.Column("last_slot", UTCDateTime(), nullable=True),
        sa.Column("last_sent_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_digest_schedules_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_schedules")),
        sa.UniqueConstraint("community_id", name=op.f("uq_digest_schedules_community_id")),
    )
    op.create_index(op.f("ix_digest_schedules_next_fire_at"), "digest_schedules", ["next_fire_at"])
    op.add_column("faq_entries", sa.Column("published_at", UTCDateTime(), nullable=True))
    entries = sa.table(
        "faq_entries",
        sa.column("published", sa.Boolean()),
        sa.column("published_at", UTCDateTime()),
        sa.column("verified_at", UTCDateTime()),
        sa.column("created_at", UTCDateTime()),
    )
    op.execute(
        entries.update()
        .where(entries.c.published.is_(True))
        .values(published_at=sa.func.coalesce(entries.c.verified_at, entries.c.created_at))
    )


def downgrade() -> None:
    with op.batch_alter_table("faq_entries") as batch:
        batch.drop_column("published_at")
    op.drop_table("digest_schedules")
