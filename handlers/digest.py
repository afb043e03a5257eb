"""Moderators keep the group's digest, in the group: /digest_schedule [<days> <time> | off]
sets, shows or stops it (every group gets it Mondays 09:00 until told otherwise); /digest posts
one now, as a preview. Rights are asked of Telegram at every command."""

from datetime import time

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import schedule_texts
from bot.messages import digest_post
from bot.rights import Rights
from bot.schedules import Weekly
from bot.services.digest import DigestService
from handlers.filters import commands_only, groups, private
from handlers.rights import is_moderator
from handlers.schedules import Wording, schedule_command

COMMANDS = ("digest", "digest_schedule")
DIGEST_EXAMPLE = Weekly(frozenset({4}), time(17, 0))  # what a bad expression is answered with


def example() -> str:
    """A schedule command that works, in the reader's words ('/digest_schedule vie 17:00')."""
    return "/digest_schedule " + schedule_texts.expression(DIGEST_EXAMPLE)


async def _allowed(message: Message, bot: Bot, rights: Rights, group_id: int | None) -> bool:
    if group_id is not None and await is_moderator(bot, message, rights):
        return True
    await message.reply(
        _("Only the group's administrators can manage its digest. Nothing was changed.")
    )
    return False


async def cmd_digest_schedule(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    digest: DigestService,
    group_id: int | None = None,
) -> None:
    if not await _allowed(message, bot, rights, group_id):
        return
    await schedule_command(message, command, digest, group_id, _wording())


def _wording() -> Wording:
    return Wording(
        example=example(),
        posted=_("The digest is posted <b>{schedule}</b> ({timezone}); the next one {when}."),
        here=_("It goes to this topic."),
        stop=_("Stop it with /digest_schedule off."),
        none=_("The digest is off. Turn it on with a schedule, e.g. {example}"),
        stopped=_("The digest is no longer posted."),
        was_off=_("The digest was off already."),
    )


async def cmd_digest(
    message: Message,
    bot: Bot,
    rights: Rights,
    i18n: I18n,
    digest: DigestService,
    group_id: int | None = None,
) -> None:
    """The digest as it would be posted now, here (the next scheduled one is unchanged)."""
    if not await _allowed(message, bot, rights, group_id):
        return
    found = await digest.preview(group_id)
    if found.empty:
        await message.reply(
            _(
                "Nothing to report: no open questions, no new FAQ entries, no meetups in the "
                "next 14 days. A digest with nothing to say is not posted."
            )
        )
        return
    await message.answer(digest_post(i18n, found, (await bot.me()).username or ""))


async def cmd_private(message: Message) -> None:
    await message.answer(_("The digest is managed in the group: send the command there."))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(commands_only)
    router.message.register(cmd_digest_schedule, Command("digest_schedule"), groups)
    router.message.register(cmd_digest, Command("digest"), groups)
    router.message.register(cmd_private, Command(*COMMANDS), private)
    return router
