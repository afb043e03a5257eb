"""Discussion prompts: each community's bank of prompts, its weekly schedule (the slot each
firing claims) and the prompts posted, with the replies they drew.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "prompts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("starter_key", sa.String(32), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("times_used", sa.Integer(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("prompts", "community_id", "communities", "CASCADE"),
        _fk("prompts", "created_by_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompts")),
        sa.UniqueConstraint(
            "community_id", "starter_key", name=op.f("uq_prompts_community_id_starter_key")
        ),
    )
    op.create_table(
        "prompt_schedules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("expression", sa.String(64), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_fire_at", UTCDateTime(), nullable=True),
        sa.Column("last_slot", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("prompt_schedules", "community_id", "communities", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_schedules")),
        sa.UniqueConstraint("community_id", name=op.f("uq_prompt_schedules_community_id")),
    )
    op.create_index(op.f("ix_prompt_schedules_next_fire_at"), "prompt_schedules", ["next_fire_at"])
    op.create_table(
        "prompt_posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=True),
        sa.Column("slot", UTCDateTime(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("prompt_posts", "community_id", "communities", "CASCADE"),
        _fk("prompt_posts", "prompt_id", "prompts", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_posts")),
        sa.UniqueConstraint("community_id", "slot", name=op.f("uq_prompt_posts_community_id_slot")),
    )
    op.create_index(
        op.f("ix_prompt_posts_chat_id_message_id"), "prompt_posts", ["chat_id", "message_id"]
    )


def downgrade() -> None:
    op.drop_table("prompt_posts")
    op.drop_table("prompt_schedules")
    op.drop_table("prompts")
