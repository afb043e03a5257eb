"""After a meetup: who was asked whether they attended, the follow-up claimed once, the recap.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meetups") as batch:
        batch.add_column(sa.Column("followed_up_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("recap_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("recap_faq_entry_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_meetups_recap_faq_entry_id_faq_entries"),
            "faq_entries",
            ["recap_faq_entry_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("meetup_rsvps") as batch:
        batch.add_column(sa.Column("attendance_asked_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meetup_rsvps") as batch:
        batch.drop_column("attendance_asked_at")
    with op.batch_alter_table("meetups") as batch:
        batch.drop_constraint(op.f("fk_meetups_recap_faq_entry_id_faq_entries"), type_="foreignkey")
        batch.drop_column("recap_faq_entry_id")
        batch.drop_column("recap_at")
        batch.drop_column("followed_up_at")
