"""Recurring meetups: when an occurrence starts, the next one is created once, claimed by a
conditional update of `recurred_at`; every occurrence keeps the series' first start, whose
weekday, week of the month and wall time the next ones follow.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meetups") as batch:
        batch.add_column(sa.Column("series_starts_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("recurred_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meetups") as batch:
        batch.drop_column("recurred_at")
        batch.drop_column("series_starts_at")
