"""The composition root: settings → database → services → dispatcher → scheduler."""

import asyncio
import contextlib
import gc
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.attendance_messages import follow_up_message
from bot.clock import Clock, SystemClock
from bot.commands import register_commands
from bot.config import Settings
from bot.delivery import Delivery
from bot.flood import FloodLimiter, Limit, create_flood_limiter
from bot.i18n import create_i18n
from bot.messages import consent_request, invite_message, moderator_notice, moderators_in_group
from bot.middlewares import DbSessionMiddleware, LocaleMiddleware
from bot.rights import LearnRights, create_rights
from bot.scheduler import create_scheduler
from bot.services import attendance, faq, meetups, moderators, prompts
from bot.services.attendance import AttendanceService
from bot.services.faq import FaqService
from bot.services.meetups import MeetupsService
from bot.services.members import pick_locale
from bot.services.moderators import ModeratorsService
from bot.services.prompts import PromptsService
from bot.services.questions import QuestionsService
from bot.telegram import KeepResponseModels, RetryMiddleware, Sleep
from bot.zoom import ZoomClient
from handlers import get_routers
from handlers.errors import on_error
from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)


def create_bot(
    settings: Settings,
    session: AiohttpSession | None = None,
    sleep: Sleep = asyncio.sleep,
    *,
    retry: bool = True,
) -> Bot:
    """A Bot on TELEGRAM_API_URL (if set) whose calls retry 429/5xx; `sleep` is injectable so
    tests wait on their fake clock."""
    if session is None:
        session = AiohttpSession(timeout=settings.telegram_timeout)
        if settings.telegram_api_url:
            session.api = TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/"))
    session.middleware(KeepResponseModels())
    if retry:
        session.middleware(RetryMiddleware(sleep=sleep))
    return Bot(
        token=settings.require_token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def create_storage(settings: Settings) -> BaseStorage:
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.redis_url)
    return MemoryStorage()


INLINE_FACTOR = 5


def create_flood(settings: Settings, clock: Clock, storage: BaseStorage) -> FloodLimiter:
    """Members' flood limits; in Redis when the FSM state is (REDIS_URL), under its keys'
    prefix, so every instance counts the same."""
    limits = {
        "ask": Limit(settings.ask_limit, settings.ask_window_seconds),
        "search": Limit(settings.search_limit, settings.search_window_seconds),
        # Inline mode asks again as the member types: a bucket of its own, five times larger.
        "inline": Limit(settings.search_limit * INLINE_FACTOR, settings.search_window_seconds),
    }
    redis = getattr(storage, "redis", None)  # aiogram's RedisStorage
    prefix = getattr(getattr(storage, "key_builder", None), "prefix", "peerbot")
    return create_flood_limiter(clock, limits, redis, prefix=f"{prefix}:flood")


def create_isolation(storage: BaseStorage) -> BaseEventIsolation:
    if isinstance(storage, MemoryStorage):
        return SimpleEventIsolation()
    from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

    if isinstance(storage, RedisStorage):
        return RedisEventIsolation(storage.redis, key_builder=storage.key_builder)
    return SimpleEventIsolation()


def create_delivery(
    bot: Bot, db: Database, clock: Clock, i18n: I18n, sleep: Sleep = asyncio.sleep
) -> Delivery:
    """The outbox sender, told what became of the invitations it carried, in the transaction
    that records it: a delivered one is recorded on its request; an undeliverable one (the peer
    blocked the bot) passes the question to the next-best peer, so no question waits on someone
    who cannot be reached. Word for a group's moderators becomes a private notice to each."""
    delivery: Delivery

    async def on_outcome(session: AsyncSession, message: OutboxMessage, outcome: str) -> None:
        if message.kind == meetups.INVITE_KIND and message.ref_id is not None:
            if outcome == "sent" and message.message_id is not None:  # counts are edited there
                await MeetupsService(session, clock).posted(message.ref_id, message.message_id)
            return
        if message.kind == prompts.KIND and message.ref_id is not None:
            if outcome == "sent" and message.message_id is not None:  # replies are counted
                await PromptsService(session, clock).posted(message.ref_id, message.message_id)
            return
        if message.kind == "question" and message.ref_id is not None:  # asked privately
            if outcome == "sent" and message.message_id is not None:  # answers will reply to it
                await QuestionsService(session, clock).posted(
                    message.ref_id, message.message_id, joined=True
                )
            return
        if message.kind != "routing_request" or message.ref_id is None:
            return
        questions = QuestionsService(session, clock)
        if outcome == "sent" and message.message_id is not None:
            await questions.delivered(message.ref_id, message.message_id, joined=True)
        elif outcome == "unreachable":
            render = lambda invite: invite_message(i18n, invite)  # noqa: E731
            if await questions.reroute(message.ref_id, render, joined=True):
                delivery.wake()

    async def still_wanted(message: OutboxMessage) -> bool | dict[str, Any]:
        if message.ref_id is None:
            return True
        async with db.session() as session:
            if message.kind in ("routing_request", "routing_reminder"):
                invite = await QuestionsService(session, clock).current_invite(
                    message.ref_id, reminder=message.kind == "routing_reminder"
                )
                if invite is None:
                    return False
                text, markup = invite_message(i18n, invite)  # as the question is now
                return {"text": text, "reply_markup": markup}
            if message.kind in moderators.KINDS:
                return await ModeratorsService(session, clock).still_open(message.ref_id)
            if message.kind == faq.CONSENT_KIND:  # asked once; decided meanwhile: not at all
                member = await FaqService(session, clock).consent_needed(message.ref_id)
                if member is None:
                    return False
                locale = pick_locale(member.language, member.telegram_language, i18n.default_locale)
                text, markup = consent_request(i18n, locale)
                return {"text": text, "reply_markup": markup}
        return True

    async def tell_moderators(
        session: AsyncSession, message: OutboxMessage, admin_user_ids: list[int]
    ) -> dict[str, Any] | None:
        if message.kind is None or message.ref_id is None:
            return None  # queued by hand, about no question: nothing to tell
        return await ModeratorsService(session, clock).expand(
            message.kind,
            message.ref_id,
            admin_user_ids,
            private=lambda notice, locale: moderator_notice(i18n, locale, notice),
            group=lambda notice: moderators_in_group(i18n, notice),
        )

    async def offer_recap(
        session: AsyncSession, message: OutboxMessage, admin_user_ids: list[int]
    ) -> dict[str, Any] | None:
        """A meetup's recap offered to the group's moderators (its creator can't be reached)."""
        if message.ref_id is None:
            return None
        return await AttendanceService(session, clock).expand_offer(
            message.ref_id, admin_user_ids, lambda follow_up: follow_up_message(i18n, follow_up)
        )

    delivery = Delivery(
        bot,
        db,
        clock,
        sleep=sleep,
        on_outcome=on_outcome,
        still_wanted=still_wanted,
        expand={
            **dict.fromkeys(moderators.KINDS, tell_moderators),
            attendance.OFFER_KIND: offer_recap,
        },
    )
    return delivery


def create_zoom(settings: Settings, clock: Clock) -> ZoomClient | None:
    """The Zoom client when ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET are all set
    (one per dispatcher: its account token is reused until near expiry)."""
    secret = settings.zoom_client_secret
    if not (settings.zoom_account_id and settings.zoom_client_id and secret):
        return None
    return ZoomClient(
        settings.zoom_account_id,
        settings.zoom_client_id,
        secret.get_secret_value(),
        clock,
        api_url=settings.zoom_api_url,
    )


def create_dispatcher(
    settings: Settings,
    db: Database,
    clock: Clock | None = None,
    storage: BaseStorage | None = None,
    *,
    with_scheduler: bool = True,
) -> Dispatcher:
    clock = clock or SystemClock()
    i18n = create_i18n(settings.default_language)
    storage = storage or create_storage(settings)
    rights = create_rights(clock, settings.bot_admins, settings.rights_cache_seconds, storage)
    dp = Dispatcher(
        storage=storage,
        # One member's updates are handled one at a time, in order (different members stay
        # concurrent): a /cancel must not overtake the dialog reply sent before it.
        events_isolation=create_isolation(storage),
        settings=settings,
        db=db,
        clock=clock,
        i18n=i18n,
        zoom=create_zoom(settings, clock),
        rights=rights,
        flood=create_flood(settings, clock, storage),
    )
    dp.update.outer_middleware(DbSessionMiddleware(db, clock, settings))
    dp.chat_member.outer_middleware(LearnRights(rights))
    dp.update.outer_middleware(LocaleMiddleware(i18n))
    dp.include_routers(*get_routers())
    dp.errors.register(on_error)

    async def on_startup(bot: Bot) -> None:
        await register_commands(bot, i18n)
        if with_scheduler:
            scheduler = create_scheduler(bot=bot, db=db, clock=clock, settings=settings, i18n=i18n)
            scheduler.start()
            dp["scheduler"] = scheduler
            delivery = create_delivery(bot, db, clock, i18n)
            dp["delivery"] = delivery
            dp["delivery_task"] = asyncio.create_task(delivery.run(), name="outbox delivery")

    async def on_shutdown() -> None:
        scheduler = dp.workflow_data.pop("scheduler", None)
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        task = dp.workflow_data.pop("delivery_task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


async def run_polling(settings: Settings) -> None:
    """Long polling with bounded concurrency (ARCHITECTURE.md: unbounded tasks double memory)."""
    db = Database(settings.database_url)
    bot = create_bot(settings)
    dp = create_dispatcher(settings, db)
    # What start-up built (routers, models, catalogs, mappers) lives as long as the process:
    # moved out of the collector's sight, it is not rescanned on every full collection.
    gc.collect()
    gc.freeze()
    try:
        await dp.start_polling(
            bot,
            handle_as_tasks=True,
            tasks_concurrency_limit=settings.tasks_concurrency_limit,
            allowed_updates=dp.resolve_used_update_types(),
            close_bot_session=True,
        )
    finally:
        await db.dispose()
