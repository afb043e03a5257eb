"""Moderation: questions and answers a moderator hid, and members suspended in a community.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HIDDEN = ("questions", "answers")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    for table in HIDDEN:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("hidden_at", UTCDateTime(), nullable=True))
            batch.add_column(sa.Column("hidden_by_id", sa.Integer(), nullable=True))
            batch.add_column(sa.Column("hidden_reason", sa.String(300), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_hidden_by_id_members"),
                "members",
                ["hidden_by_id"],
                ["id"],
                ondelete="SET NULL",
            )
    op.create_table(
        "suspensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", UTCDateTime(), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("suspensions", "community_id", "communities", "CASCADE"),
        _fk("suspensions", "member_id", "members", "CASCADE"),
        _fk("suspensions", "created_by_id", "members", "SET NULL"),
        _fk("suspensions", "lifted_by_id", "members", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspensions")),
    )
    op.create_index(
        "ix_suspensions_community_id_member_id", "suspensions", ["community_id", "member_id"]
    )
    op.create_index(op.f("ix_suspensions_member_id"), "suspensions", ["member_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_suspensions_member_id"), table_name="suspensions")
    op.drop_index("ix_suspensions_community_id_member_id", table_name="suspensions")
    op.drop_table("suspensions")
    for table in HIDDEN:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_hidden_by_id_members"), type_="foreignkey")
            batch.drop_column("hidden_reason")
            batch.drop_column("hidden_by_id")
            batch.drop_column("hidden_at")
