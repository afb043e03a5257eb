from collections.abc import AsyncIterator, Callable

import pytest

from bot.config import Settings
from bot.services.factory import Services, build_services
from bot.services.members import GroupInfo, Identity
from storage.db import Database
from tests.fakes.clock import FakeClock

GROUP = GroupInfo(chat_id=-100123, title="Planners of Peru", is_forum=False)


def identity(user_id: int, name: str, language: str | None = "en") -> Identity:
    return Identity(user_id, name, None, name.lower(), language)


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, welcome_batch_seconds=60)  # type: ignore[call-arg]


@pytest.fixture
async def services(
    db: Database, clock: FakeClock, settings: Settings
) -> AsyncIterator[Callable[[], Services]]:
    """Each call builds services over a new session, like a new update would."""
    sessions = []

    def make() -> Services:
        session = db.session()
        sessions.append(session)
        return build_services(session, clock, settings)

    yield make
    for session in sessions:
        await session.close()
