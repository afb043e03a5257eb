from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.services.factory import Services, build_services
from bot.services.members import GroupInfo, Identity
from storage.db import Database
from storage.models import OutboxMessage
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


async def fire_due(
    db: Database, clock: FakeClock, service: Any, grace: timedelta, render: Callable[..., str]
) -> int:
    """One run of a firing job (bot.jobs): the due slots of `service` (PromptsService,
    DigestService), each fired in a session of its own."""
    async with db.session() as session:
        due = await service(session, clock).due()
    fired = 0
    for schedule_id, slot in due:
        async with db.session() as session:
            fired += await service(session, clock).fire(schedule_id, slot, grace, render)
    return fired


async def queued(db: Database, kind: str) -> list[OutboxMessage]:
    """The outbox's messages of `kind`, oldest first."""
    async with db.session() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
        return list(rows)
