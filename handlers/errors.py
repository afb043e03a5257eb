"""The last line of defence: log, apologise briefly in the member's language, never a traceback
to the user. Expected Telegram failures are one warning line."""

import logging

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n

from bot.messages import apology
from bot.services.members import MembersService

log = logging.getLogger("peerbot.errors")
EXPECTED = (TelegramRetryAfter, TelegramServerError, TelegramNetworkError)


async def on_error(event: ErrorEvent, bot: Bot, i18n: I18n, **data: object) -> bool:
    update, error = event.update, event.exception
    if isinstance(error, TelegramForbiddenError):
        log.warning("update %s: %s", update.update_id, error.message)
        members = data.get("members")
        user = data.get("event_from_user")
        if isinstance(members, MembersService) and user is not None and "user" in error.message:
            await members.set_dm_available(user.id, False)  # type: ignore[attr-defined]
        return True
    if isinstance(error, EXPECTED):
        log.warning("update %s: Telegram API unavailable: %s", update.update_id, error)
        return True
    log.error("update %s failed", update.update_id, exc_info=error)
    locale = str(data.get("locale") or i18n.default_locale)
    with i18n.context(), i18n.use_locale(locale):
        text = apology()
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message is not None:
            await bot.send_message(
                update.message.chat.id, text, message_thread_id=update.message.message_thread_id
            )
    except TelegramAPIError as send_error:
        log.warning("update %s: apology not sent: %s", update.update_id, send_error)
    return True
