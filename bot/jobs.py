"""Scheduled jobs: thin functions that open their own session and call a service."""

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n

from bot.clock import Clock
from bot.config import Settings
from bot.messages import accept_nudge, invite_message, moderator_notice, moderators_in_group
from bot.services.factory import build_services
from bot.services.outbox import OutboxService
from bot.services.questions import Escalation, QuestionsService
from bot.welcome import post_welcome
from storage.db import Database, transaction

log = logging.getLogger(__name__)


async def flush_welcomes(
    bot: Bot, db: Database, clock: Clock, settings: Settings, i18n: I18n
) -> int:
    """Greet newcomers whose community's welcome window has opened; returns welcomes posted."""
    posted = 0
    async with db.session() as session:
        communities = build_services(session, clock, settings).communities
        for chat_id in await communities.due_welcome_chats():
            batch = await communities.take_welcome_batch(chat_id)
            if batch is not None and await post_welcome(bot, i18n, communities, batch):
                posted += 1
    return posted


async def escalate_questions(
    bot: Bot, db: Database, clock: Clock, settings: Settings, i18n: I18n
) -> int:
    """Unanswered questions past their community's escalation hours: the next round of peers
    is asked; after the last round the moderators are told. Returns questions escalated."""
    async with db.session() as session:
        due = await QuestionsService(session, clock).due_for_escalation()
    done = 0
    for question_id in due:
        async with db.session() as session:
            escalation = await QuestionsService(session, clock).escalate(
                question_id, lambda invite: invite_message(i18n, invite)
            )
        if escalation is None:
            continue
        done += 1
        if escalation.tell_moderators:
            await tell_moderators(bot, db, clock, i18n, escalation)
    return done


async def nudge_askers(bot: Bot, db: Database, clock: Clock, settings: Settings, i18n: I18n) -> int:
    """Remind askers, a day after the first answer, to accept the one that solved it."""
    async with db.session() as session:
        return await QuestionsService(session, clock).nudge_askers(
            lambda nudge: accept_nudge(i18n, nudge)
        )


async def tell_moderators(
    bot: Bot, db: Database, clock: Clock, i18n: I18n, escalation: Escalation
) -> None:
    """Privately to each group administrator the bot can message; else in the group."""
    try:
        admins = await bot.get_chat_administrators(escalation.community_chat_id)
        user_ids = [a.user.id for a in admins if not a.user.is_bot]
    except TelegramAPIError as error:
        log.warning("question #%s: cannot list the moderators: %s", escalation.question_id, error)
        user_ids = []
    async with db.session() as session:
        locales = await QuestionsService(session, clock).locales_of(
            user_ids, escalation.community_language
        )
        outbox = OutboxService(session, clock)
        async with transaction(session, write=True):
            for user_id, locale in locales.items():
                await outbox.queue(
                    user_id,
                    moderator_notice(i18n, locale, escalation),
                    dedupe_key=f"moderators:{escalation.question_id}:{user_id}",
                )
            if not locales:
                await outbox.queue(
                    escalation.community_chat_id,
                    moderators_in_group(i18n, escalation),
                    reply_to=escalation.group_message_id,
                    thread_id=escalation.thread_id,
                    dedupe_key=f"moderators:{escalation.question_id}:group",
                )
