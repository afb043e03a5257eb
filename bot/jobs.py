"""Scheduled jobs: thin functions that open their own session and call a service."""

import logging
from datetime import timedelta

from aiogram import Bot
from aiogram.utils.i18n import I18n

from bot.attendance_messages import follow_up_message
from bot.clock import Clock
from bot.config import Settings
from bot.meetup_messages import MeetupWriter
from bot.messages import accept_nudge, digest_post, invite_message, prompt_post
from bot.services.attendance import AttendanceService
from bot.services.digest import DigestService
from bot.services.factory import build_services
from bot.services.meetups import MeetupsService
from bot.services.prompts import PromptsService
from bot.services.questions import QuestionsService
from bot.welcome import post_welcome
from storage.db import Database

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
    is asked; after the last round word for the moderators is queued (bot.delivery finds out
    who they are and tells them). Returns questions escalated."""
    async with db.session() as session:
        due = await QuestionsService(session, clock).due_for_escalation()
    done = 0
    for question_id in due:
        async with db.session() as session:
            escalation = await QuestionsService(session, clock).escalate(
                question_id, lambda invite: invite_message(i18n, invite)
            )
        if escalation is not None:
            done += 1
    return done


async def nudge_askers(bot: Bot, db: Database, clock: Clock, settings: Settings, i18n: I18n) -> int:
    """Remind askers, a day after the first answer, to accept the one that solved it."""
    async with db.session() as session:
        return await QuestionsService(session, clock).nudge_askers(
            lambda nudge: accept_nudge(i18n, nudge)
        )


async def post_prompts(bot: Bot, db: Database, clock: Clock, settings: Settings, i18n: I18n) -> int:
    """Due prompt schedules: each slot claimed (once, whatever the instances) and its prompt
    queued in the outbox; a slot missed by more than the grace window is skipped. Returns
    prompts queued. The schedules are read from the database at every run: nothing to rebuild."""
    grace = timedelta(seconds=settings.schedule_grace_seconds)
    async with db.session() as session:
        due = await PromptsService(session, clock).due()
    posted = 0
    for schedule_id, slot in due:
        async with db.session() as session:
            if await PromptsService(session, clock).fire(
                schedule_id, slot, grace, lambda prompt: prompt_post(i18n, prompt)
            ):
                posted += 1
    return posted


async def remind_meetups(
    bot: Bot, db: Database, clock: Clock, settings: Settings, i18n: I18n
) -> int:
    """Meetups a day or an hour away: each reminder claimed once (whatever the instances) and
    queued privately to those going or maybe, and in the group. Returns reminders claimed."""
    async with db.session() as session:
        return await MeetupsService(session, clock).remind(MeetupWriter(i18n, clock))


async def recur_meetups(
    bot: Bot, db: Database, clock: Clock, settings: Settings, i18n: I18n
) -> int:
    """Recurring meetups that have started: their next occurrence is created once, with its
    invitation queued for the group. Returns occurrences created."""
    async with db.session() as session:
        return await MeetupsService(session, clock).recur(MeetupWriter(i18n, clock))


async def follow_up_meetups(
    bot: Bot, db: Database, clock: Clock, settings: Settings, i18n: I18n
) -> int:
    """Meetups that ended: "Did you attend?" queued to those who said Going or Maybe and a
    recap offered to the moderator, each meetup claimed once. Returns meetups followed up."""
    async with db.session() as session:
        return await AttendanceService(session, clock).follow_up(
            lambda follow_up: follow_up_message(i18n, follow_up)
        )


async def post_digests(bot: Bot, db: Database, clock: Clock, settings: Settings, i18n: I18n) -> int:
    """Due digests (every community has one unless its moderators turned it off): each slot
    claimed once and, when there is something to tell, the digest queued in the outbox; a
    slot missed by more than the grace window is skipped. Returns digests queued."""
    grace = timedelta(seconds=settings.schedule_grace_seconds)
    async with db.session() as session:
        due = await DigestService(session, clock).due()
    if not due:
        return 0
    username = (await bot.me()).username or ""  # for the Answer links
    posted = 0
    for schedule_id, slot in due:
        async with db.session() as session:
            if await DigestService(session, clock).fire(
                schedule_id, slot, grace, lambda digest: digest_post(i18n, digest, username)
            ):
                posted += 1
    return posted
