"""Shared fixtures: databases (SQLite and PostgreSQL), clock, fake Bot API, the whole bot."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage.db import Database
from tests import databases
from tests.fakes.clock import FakeClock

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.create_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def pg_template() -> Iterator[tuple[str, str]]:
    admin = databases.pg_admin_url()
    name = databases.create_pg_template(admin)
    yield admin, name
    databases.drop_pg_database(admin, name)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for this test alone."""
    if request.param == "sqlite":
        yield databases.copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "t.db")
        return
    admin, template = request.getfixturevalue("pg_template")
    name = databases.create_pg_database(admin, template)
    yield databases.pg_url_for(admin, name)
    databases.drop_pg_database(admin, name)


@pytest.fixture
async def db(database_url: str, clock: FakeClock) -> AsyncIterator[Database]:
    # The identity cache's entries expire on the test's clock.
    database = Database(database_url, now=lambda: clock.now().timestamp())
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
