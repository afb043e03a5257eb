"""The whole bot (real dispatcher, middlewares, handlers, services, database) against the fake
Bot API, driven update by update."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import Update
from sqlalchemy import select

from bot import jobs
from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from storage.db import Database
from storage.models import Community, Member
from tests.databases import service_url
from tests.fakes.clock import FakeClock
from tests.fakes.telegram_api import Chat, FakeTelegramAPI, User

ALICE = User(101, "Alice", "Asker", username="alice", language_code="en")
BOB = User(102, "Bob", username="bob_expert", language_code="en")
MARIA = User(103, "María", "Moderadora", username="maria", language_code="es")
OLGA = User(104, "Ольга", username="olga", language_code="ru")
GROUP = Chat(-1001000000001, "supergroup", title="Municipal Planners")


@dataclass
class Harness:
    fake: FakeTelegramAPI
    bot: Bot
    dp: Dispatcher
    db: Database
    clock: FakeClock
    settings: Settings

    async def send(self, update: dict[str, Any]) -> None:
        """Feed one update through the full pipeline and wait until it is handled."""
        await self.dp.feed_update(
            self.bot, Update.model_validate(update, context={"bot": self.bot})
        )

    async def say(self, user: User, text: str, chat: Chat | None = None, **kw: Any) -> None:
        await self.send(self.fake.text_update(user, text, chat, **kw))

    async def press(self, user: User, button: str, chat_id: int | None = None) -> None:
        """Tap `button` on the newest message that shows it, as a member would."""
        chat = chat_id or user.id
        for sent in reversed(self.fake.sent_messages(chat)):
            current = self.fake.message(chat, sent["message_id"])
            rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
            if any(b.get("text") == button for row in rows for b in row):
                await self.send(self.fake.press(user, current, button))
                return
        raise AssertionError(f"no message in chat {chat} shows a {button!r} button")

    async def set_status(self, user: User, status: str, group: Chat = GROUP) -> None:
        """Telegram changes the member's status (promoted, demoted, left) and, as it does for a
        bot administering the group, tells the bot with a chat_member update."""
        old = self.fake.status_of(group, user)
        self.fake.set_chat_member(group, user, status)
        await self.send(self.fake.chat_member(group, user, user, old, status))

    def last_answer(self) -> dict[str, Any]:
        """The bot's answer to the latest button press (answerCallbackQuery)."""
        return list(self.fake.callback_answers.values())[-1]

    def replies(self, chat_id: int) -> list[str]:
        return [m.get("text", "") for m in self.fake.sent_messages(chat_id)]

    def last_text(self, chat_id: int) -> str:
        return self.fake.last_message(chat_id).get("text", "")

    async def add_bot_to_group(self, by: User = MARIA, group: Chat = GROUP) -> int:
        await self.send(self.fake.my_chat_member(group, by, "left", "member"))
        community = await self.one(select(Community).where(Community.chat_id == group.id))
        return community.id

    async def flush_welcomes(self) -> int:
        i18n = self.dp["i18n"]
        return await jobs.flush_welcomes(self.bot, self.db, self.clock, self.settings, i18n)

    async def one(self, statement: Any) -> Any:
        async with self.db.session() as session:
            return (await session.scalars(statement)).one_or_none()

    async def all(self, statement: Any) -> list[Any]:
        async with self.db.session() as session:
            return list(await session.scalars(statement))

    async def member(self, user: User) -> Member | None:
        return await self.one(select(Member).where(Member.user_id == user.id))


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeTelegramAPI]:
    # Telegram's rate limits run on the test's clock, so they hold without real waiting.
    async with FakeTelegramAPI(clock=lambda: clock.now().timestamp()) as server:
        yield server


@pytest.fixture
async def h(
    fake: FakeTelegramAPI, db: Database, clock: FakeClock, database_url: str
) -> AsyncIterator[Harness]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=fake.token,
        telegram_api_url=fake.url,
        database_url=database_url,
        welcome_batch_seconds=60,
    )

    async def sleep(seconds: float) -> None:  # the bot waits on the test's clock
        clock.advance(seconds=seconds)

    bot = create_bot(settings, session=fake.create_session(), sleep=sleep)
    dp = create_dispatcher(settings, db, clock, storage=MemoryStorage(), with_scheduler=False)
    yield Harness(fake, bot, dp, db, clock, settings)
    await bot.session.close()


@pytest.fixture
async def redis_storage() -> AsyncIterator[RedisStorage]:
    """Dialog state (and what rides with it) in Redis, under a prefix of this test's own."""
    url = service_url("TEST_REDIS_URL", "Redis")
    prefix = f"peerbot-test-{uuid.uuid4().hex[:12]}"
    storage = RedisStorage.from_url(url, key_builder=DefaultKeyBuilder(prefix=prefix))
    yield storage
    keys = [key async for key in storage.redis.scan_iter(f"{prefix}:*")]
    if keys:
        await storage.redis.delete(*keys)
    await storage.close()
