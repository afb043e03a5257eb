"""The schema comes only from migrations: they go up, down and up again, and match the models."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from bot.migrate import downgrade, upgrade
from storage.models import Base
from storage.search import is_index_table
from tests import databases

TABLES = {
    "communities",
    "members",
    "memberships",
    "tags",
    "tag_synonyms",
    "member_expertise",
    "questions",
    "question_tags",
    "routing_requests",
    "answers",
    "answer_votes",
    "outbox",
    "expert_documents",
    "faq_entries",
    "faq_searches",
    "audit_log",
    "prompts",
    "prompt_schedules",
    "prompt_posts",
    "meetups",
    "meetup_rsvps",
    "digest_schedules",
    "suspensions",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield databases.sqlite_url(tmp_path / "empty.db")
        return
    admin = databases.pg_admin_url()
    name = databases.create_pg_database(admin)
    yield databases.pg_url_for(admin, name)
    databases.drop_pg_database(admin, name)


def _not_index(name: str | None, type_: str, _parent: object) -> bool:
    return not (type_ == "table" and name is not None and is_index_table(name))


async def _tables_and_diff(url: str) -> tuple[set[str], list[object]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def inspect_sync(sync_conn: object) -> tuple[set[str], list[object]]:
                tables = set(inspect(sync_conn).get_table_names()) - {"alembic_version"}
                # Search indexes are the search backend's, per dialect, outside the models.
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "include_name": _not_index}
                )
                return tables, compare_metadata(context, Base.metadata)

            return await conn.run_sync(inspect_sync)
    finally:
        await engine.dispose()


def test_upgrade_downgrade_upgrade_matches_models(empty_url: str) -> None:
    upgrade(empty_url)
    downgrade(empty_url, "base")
    tables, _ = databases.run_sync(_tables_and_diff(empty_url))
    assert tables == set(), "downgrade to base must remove every table"

    upgrade(empty_url)
    tables, diff = databases.run_sync(_tables_and_diff(empty_url))
    assert {t for t in tables if not is_index_table(t)} == TABLES
    assert "expert_documents_fts" in tables  # FTS5 table (SQLite) or tsvector table
    assert {"faq_fts", "faq_fts_terms"} <= tables
    assert diff == [], f"models and migrations disagree: {diff}"
