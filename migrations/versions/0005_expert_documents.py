"""Expert documents for text relevance in routing, with a full-text index per dialect (SQLite
FTS5, PostgreSQL tsvector + GIN); earned expertise remembers when it was last brought to date.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime
from storage.search import create_index, drop_index, index_text, put_statements
from storage.search.experts import INDEX, MAX_ANSWERS, compose

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member_expertise") as batch:
        batch.add_column(sa.Column("earned_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("earned_day", sa.Float(), nullable=True))
    op.execute("UPDATE member_expertise SET earned_at = updated_at WHERE earned_weight > 0")
    if op.get_bind().dialect.name == "sqlite":
        days = "julianday(earned_at) - 2440587.5"
    else:
        days = "extract(epoch from earned_at) / 86400.0"
    op.execute(f"UPDATE member_expertise SET earned_day = {days} WHERE earned_at IS NOT NULL")
    op.create_table(
        "expert_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_expert_documents_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_expert_documents_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_documents")),
        sa.UniqueConstraint(
            "community_id", "member_id", name=op.f("uq_expert_documents_community_id_member_id")
        ),
    )
    op.create_index(op.f("ix_expert_documents_member_id"), "expert_documents", ["member_id"])
    # Routing reads every candidate's record: these cover it without touching the rows.
    for table, columns in COVERING.items():
        op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, columns)
    op.create_index(op.f(RANKING[0]), RANKING[1], RANKING_COLUMNS)
    dialect = op.get_bind().dialect.name
    for statement in create_index(dialect, INDEX, "expert_documents"):
        op.execute(statement)
    _backfill(op.get_bind(), dialect)


COVERING = {
    "routing_requests": ["member_id", "status", "created_at"],
    "answers": ["author_id", "accepted", "helpful_count"],
}
# Named by hand: the default name would pass PostgreSQL's 63 characters.
RANKING = ("ix_member_expertise_ranking", "member_expertise")
RANKING_COLUMNS = ["tag_id", "member_id", "declared", "earned_weight", "earned_day"]


def _backfill(conn: sa.Connection, dialect: str) -> None:
    """A document for every active member of every community who already has something to
    say (a bio, topics, accepted answers)."""
    now = datetime.now(UTC).replace(tzinfo=None)  # stored naive UTC, as UTCDateTime does
    pairs = conn.execute(
        sa.text("SELECT community_id, member_id FROM memberships WHERE active ORDER BY id")
    ).all()
    for community_id, member_id in pairs:
        params = {"c": community_id, "m": member_id, "n": MAX_ANSWERS}
        bio = conn.execute(sa.text("SELECT bio FROM members WHERE id = :m"), params).scalar()
        labels = conn.execute(
            sa.text(
                "SELECT t.label FROM tags t JOIN member_expertise e ON e.tag_id = t.id "
                "WHERE e.member_id = :m AND t.community_id = :c "
                "AND (e.declared OR e.earned_weight > 0) ORDER BY t.label"
            ),
            params,
        ).scalars()
        answers = conn.execute(
            sa.text(
                "SELECT q.text, a.text FROM answers a JOIN questions q ON q.id = a.question_id "
                "WHERE a.author_id = :m AND a.accepted AND q.community_id = :c "
                "ORDER BY a.id DESC LIMIT :n"
            ),
            params,
        ).all()
        body = compose(bio, list(labels), [(q, a) for q, a in answers])
        if not body:
            continue
        doc_id = conn.execute(
            sa.text(
                "INSERT INTO expert_documents (community_id, member_id, body, updated_at) "
                "VALUES (:c, :m, :body, :now) RETURNING id"
            ),
            {**params, "body": body, "now": now},
        ).scalar_one()
        for statement in put_statements(dialect, INDEX):
            conn.execute(
                statement,
                {"id": doc_id, "scope": community_id, "key": member_id, "body": index_text(body)},
            )


def downgrade() -> None:
    for statement in drop_index(op.get_bind().dialect.name, INDEX):
        op.execute(statement)
    for table, columns in COVERING.items():
        op.drop_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table_name=table)
    op.drop_index(op.f(RANKING[0]), table_name=RANKING[1])
    op.drop_index(op.f("ix_expert_documents_member_id"), table_name="expert_documents")
    op.drop_table("expert_documents")
    with op.batch_alter_table("member_expertise") as batch:
        batch.drop_column("earned_day")
        batch.drop_column("earned_at")
