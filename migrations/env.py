"""Alembic environment: async engines, batch mode on SQLite, URL handed in by bot.migrate."""

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from storage.models import Base
from storage.search import is_index_table

config = context.config
target_metadata = Base.metadata


def _include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Autogenerate leaves the search indexes alone: they are per dialect, not models."""
    return not (type_ == "table" and name is not None and is_index_table(name))


def _configure_and_run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure_and_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # called from async code through conn.run_sync()
        _configure_and_run(connection)
        return
    asyncio.run(_run_async(config.attributes["url"]))


if context.is_offline_mode():
    context.configure(url=config.attributes["url"], target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
