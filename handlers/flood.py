"""The flood limit's refusal, in the member's language (bot.flood counts)."""

from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.flood import FloodLimiter


def wait_text(seconds: int) -> str:
    if seconds < 120:
        return _("That is a lot at once: please try again in {n} seconds.").format(n=seconds)
    minutes = -(-seconds // 60)
    return _("That is a lot at once: please try again in {n} minutes.").format(n=minutes)


async def flooded(message: Message, flood: FloodLimiter | None, kind: str, user_id: int) -> bool:
    """Whether `user_id` is over their `kind` limit (then they were told when to retry)."""
    wait = await flood.hit(kind, user_id) if flood is not None else 0
    if wait:
        await message.reply(wait_text(wait))
    return bool(wait)


__all__ = ["flooded", "wait_text"]
