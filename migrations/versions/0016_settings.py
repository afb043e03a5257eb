"""Settings: a community's default quiet hours and the forum topics for prompts and meetups.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("quiet_from", sa.Integer),
    ("quiet_to", sa.Integer),
    ("prompt_thread_id", sa.BigInteger),
    ("meetup_thread_id", sa.BigInteger),
)


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
