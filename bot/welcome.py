"""Posting welcomes into groups, from a join event or from the periodic catch-up job."""

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n

from bot.messages import newcomers_welcome, profile_button
from bot.services.communities import CommunitiesService, WelcomeBatch

log = logging.getLogger(__name__)


async def post_welcome(
    bot: Bot, i18n: I18n, communities: CommunitiesService, batch: WelcomeBatch
) -> bool:
    """Greet a batch of newcomers in the community's language. On failure they are put back
    in the queue (nobody is left unwelcomed) and the failure is one warning line."""
    me = await bot.me()
    community = batch.community
    with i18n.context(), i18n.use_locale(community.language):
        text = newcomers_welcome(batch.newcomers, community.welcome_text)
        keyboard = profile_button(me.username or "", community.id)
    try:
        await bot.send_message(community.chat_id, text, reply_markup=keyboard)
    except TelegramAPIError as error:
        log.warning("welcome to chat %s not posted, will retry: %s", community.chat_id, error)
        await communities.welcome_failed(batch)
        return False
    return True


async def welcome_now(bot: Bot, i18n: I18n, communities: CommunitiesService, chat_id: int) -> None:
    """Greet waiting newcomers if this community's welcome window is free; otherwise the
    periodic job greets them together when it opens."""
    batch = await communities.take_welcome_batch(chat_id)
    if batch is not None:
        await post_welcome(bot, i18n, communities, batch)
