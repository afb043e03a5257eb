"""Scheduled jobs: thin functions that open their own session and call a service."""

import logging

from aiogram import Bot
from aiogram.utils.i18n import I18n

from bot.clock import Clock
from bot.config import Settings
from bot.services.factory import build_services
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
