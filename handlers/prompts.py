"""Moderators keep the group's discussion prompts, in the group: /prompt_add <text>, /prompts,
/prompt_delete <number>, /prompt_schedule [<days> <time> | off]. Replies to a posted prompt
are counted (silently). Rights are asked of Telegram at every command."""

from html import escape

from aiogram import Bot, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot import schedule_texts
from bot.rights import Rights
from bot.services.members import Actor
from bot.services.prompts import (
    MAX_PROMPT,
    EmptyPrompt,
    PromptsService,
    PromptTooLong,
    UnknownPrompt,
)
from handlers.faq_admin.texts import entry_id_of
from handlers.filters import commands_only, groups, private, replies_to_bot
from handlers.rights import is_moderator
from handlers.schedules import Wording, schedule_command

COMMANDS = ("prompt_add", "prompts", "prompt_delete", "prompt_schedule")


def example() -> str:
    """A schedule command that works, in the reader's words ('/prompt_schedule lun,jue 09:00')."""
    return "/prompt_schedule " + schedule_texts.expression(schedule_texts.EXAMPLE)


LIST_LIMIT = 3900


def not_a_moderator() -> str:
    return _("Only the group's administrators can manage its prompts. Nothing was changed.")


async def _allowed(message: Message, bot: Bot, rights: Rights, group_id: int | None) -> bool:
    if group_id is not None and await is_moderator(bot, message, rights):
        return True
    await message.reply(not_a_moderator())
    return False


async def cmd_prompt_add(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    prompts: PromptsService,
    group_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    if not await _allowed(message, bot, rights, group_id):
        return
    try:
        view = await prompts.add(group_id, command.args or "", actor.member_id if actor else None)
    except EmptyPrompt:
        await message.reply(
            _("Write the prompt after the command, e.g. /prompt_add What did you try this week?")
        )
        return
    except PromptTooLong:
        await message.reply(
            _("A prompt can be at most {limit} characters. Nothing was changed.").format(
                limit=MAX_PROMPT
            )
        )
        return
    await message.reply(_("Prompt #{id} is added to the bank.").format(id=view.id))


async def cmd_prompts(
    message: Message,
    bot: Bot,
    rights: Rights,
    prompts: PromptsService,
    group_id: int | None = None,
) -> None:
    if not await _allowed(message, bot, rights, group_id):
        return
    lines = [_("<b>Discussion prompts</b> (the least recently used is posted next):")]
    for view in await prompts.bank(group_id):
        text = _(view.text) if view.starter else view.text
        short = text if len(text) <= 120 else text[:119] + "…"
        line = _("#{id} {text} (used {times}×)").format(
            id=view.id, text=escape(short, quote=False), times=view.times_used
        )
        if sum(len(x) + 1 for x in lines) + len(line) > LIST_LIMIT:
            lines.append("…")
            break
        lines.append(line)
    if len(lines) == 1:
        lines.append(_("The bank is empty: add one with /prompt_add."))
    await message.reply("\n".join(lines))


async def cmd_prompt_delete(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    prompts: PromptsService,
    group_id: int | None = None,
) -> None:
    if not await _allowed(message, bot, rights, group_id):
        return
    prompt_id = entry_id_of(command.args)
    if prompt_id is None:
        await message.reply(_("Say which prompt to delete, e.g. /prompt_delete 3 (see /prompts)."))
        return
    try:
        await prompts.delete(group_id, prompt_id)
    except UnknownPrompt:
        await message.reply(
            _("There is no prompt #{id} here. Nothing was changed.").format(id=prompt_id)
        )
        return
    await message.reply(_("Prompt #{id} is deleted.").format(id=prompt_id))


async def cmd_prompt_schedule(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    prompts: PromptsService,
    group_id: int | None = None,
) -> None:
    if not await _allowed(message, bot, rights, group_id):
        return
    await schedule_command(message, command, prompts, group_id, _wording())


def _wording() -> Wording:
    return Wording(
        example=example(),
        posted=_("Prompts are posted <b>{schedule}</b> ({timezone}); the next one {when}."),
        here=_("They go to this topic."),
        stop=_("Stop them with /prompt_schedule off."),
        none=_("No prompts are scheduled. Set a schedule, e.g. {example}"),
        stopped=_("Prompts are no longer posted."),
        was_off=_("No prompts were scheduled."),
    )


async def on_reply(message: Message, bot: Bot, prompts: PromptsService) -> None:
    """A reply to one of our messages: counted when it is a prompt; else for other handlers."""
    replied = message.reply_to_message
    if replied is None or not await prompts.count_reply(message.chat.id, replied.message_id):
        raise SkipHandler


async def cmd_private(message: Message) -> None:
    await message.answer(_("Prompts are managed in the group: send the command there."))


class _RepliesToBot(Filter):
    async def __call__(self, message: Message, bot: Bot) -> bool:
        return replies_to_bot(message, bot)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(commands_only)
    router.message.register(cmd_prompt_add, Command("prompt_add"), groups)
    router.message.register(cmd_prompts, Command("prompts"), groups)
    router.message.register(cmd_prompt_delete, Command("prompt_delete"), groups)
    router.message.register(cmd_prompt_schedule, Command("prompt_schedule"), groups)
    router.message.register(cmd_private, Command(*COMMANDS), private)
    return router


def setup_replies() -> Router:
    """Before the routers that read a reply to the bot as a question or an answer."""
    router = Router(name=f"{__name__}.replies")
    router.message.filter(groups)
    router.message.register(on_reply, _RepliesToBot())
    return router
