"""Throwaway databases for tests: a migrated template per run, copied per test.

SQLite always; PostgreSQL where TEST_DATABASE_URL is set (required when CI=true).
"""

import asyncio
import os
import shutil
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.migrate import upgrade


def run_sync(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to completion from sync code, whether or not a loop is running here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def service_url(variable: str, service: str) -> str:
    """The URL of an external test service; skipped with the reason when unset, except in CI
    (CI=true), where a missing service fails the test instead of hiding it."""
    url = os.environ.get(variable, "").strip()
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true requires {variable}: {service} tests may not be skipped")
        pytest.skip(f"{service} case skipped: {variable} is not set")
    return url


def pg_admin_url() -> str:
    return service_url("TEST_DATABASE_URL", "PostgreSQL")


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _pg_execute(admin_url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def pg_url_for(admin_url: str, database: str) -> str:
    return (
        make_url(admin_url)
        .set(drivername="postgresql+asyncpg", database=database)
        .render_as_string(hide_password=False)
    )


def create_pg_template(admin_url: str) -> str:
    name = f"peerbot_tpl_{uuid.uuid4().hex[:12]}"
    run_sync(_pg_execute(admin_url, f'CREATE DATABASE "{name}"'))
    upgrade(pg_url_for(admin_url, name))
    return name


def create_pg_database(admin_url: str, template: str | None = None) -> str:
    name = f"peerbot_test_{uuid.uuid4().hex[:12]}"
    suffix = f' TEMPLATE "{template}"' if template else ""
    run_sync(_pg_execute(admin_url, f'CREATE DATABASE "{name}"{suffix}'))
    return name


def drop_pg_database(admin_url: str, name: str) -> None:
    run_sync(_pg_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def create_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    upgrade(sqlite_url(path))
    return path


def copy_sqlite(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return sqlite_url(target)
