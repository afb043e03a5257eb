"""Covering indexes for /stats: a community's questions by when they were asked, answers by
when they were given and votes by when they were cast, each with the columns the figures read:
a period is one range read that never visits the answers' or votes' rows.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_questions_stats": (
        "questions",
        ["community_id", "created_at", "first_answer_at", "asker_id", "anonymous"],
    ),
    "ix_answers_stats": ("answers", ["created_at", "question_id", "author_id", "accepted"]),
    "ix_answer_votes_stats": ("answer_votes", ["created_at", "answer_id", "member_id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(op.f(name), table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(op.f(name), table_name=table)
