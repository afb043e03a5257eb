"""Moderators keep the group's content, in the group: /hide and /unhide a question or an
answer (in reply to it, or `q12` / `a34`), /suspend and /unsuspend a member (in reply to their
message, or @username / user id), /audit [n]. Rights are asked of Telegram at every command;
an administrator posting as the group is recorded as the group."""

import logging
import re
from html import escape

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.delivery import Delivery
from bot.messages import invite_message
from bot.rights import Rights
from bot.services.members import Actor
from bot.services.moderation import (
    ANSWER,
    MAX_REASON,
    AlreadyHidden,
    BadDuration,
    BadReason,
    Hidden,
    ModerationService,
    NotHidden,
    NotSuspended,
    Target,
    UnknownTarget,
)
from bot.timefmt import local_datetime
from handlers.filters import commands_only, groups, private
from handlers.moderation_texts import (
    HIDDEN,
    SUSPEND_EXAMPLE,
    audit_pages,
    hide_usage,
    reason_needed,
    suspend_usage,
    unknown_target,
)
from handlers.rights import MAX_ID, is_moderator, moderates

log = logging.getLogger(__name__)
COMMANDS = ("hide", "unhide", "suspend", "unsuspend", "audit")
_REF = re.compile(r"([qa])#?([0-9]{1,10})", re.IGNORECASE)
_USER_ID = re.compile(r"[0-9]{1,15}")
AUDIT_DEFAULT, AUDIT_MAX = 10, 50


async def _allowed(message: Message, bot: Bot, rights: Rights, group_id: int | None) -> bool:
    if group_id is not None and await is_moderator(bot, message, rights):
        return True
    await message.reply(_("Only the group's administrators can moderate it. Nothing was changed."))
    return False


def _replied(message: Message) -> Message | None:
    """The message this one replies to; not the topic a forum message is merely posted in
    (Telegram gives its first message as the reply)."""
    replied = message.reply_to_message
    if replied is None or replied.forum_topic_created is not None:
        return None
    if message.is_topic_message and replied.message_id == message.message_thread_id:
        return None
    return replied


async def _target(
    message: Message, args: str, moderation: ModerationService, group_id: int
) -> tuple[Target | None, str]:
    """What the command points at (named first, else the message it replies to), and the
    rest of its words (the reason)."""
    first, _space, rest = args.partition(" ")
    named = _REF.fullmatch(first)
    if named is not None:
        key = int(named.group(2))
        kind = ANSWER if named.group(1).lower() == "a" else "question"
        return (Target(kind, key) if 0 < key <= MAX_ID else Target(kind, 0)), rest
    replied = _replied(message)
    if replied is None:
        return None, args
    return await moderation.target_of_reply(group_id, replied.message_id), args


async def cmd_hide(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    moderation: ModerationService,
    i18n: I18n,
    group_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    """/hide and /unhide."""
    if not await _allowed(message, bot, rights, group_id):
        return
    assert group_id is not None
    hiding = command.command.lower() == "hide"
    target, reason = await _target(message, (command.args or "").strip(), moderation, group_id)
    if target is None:
        await message.reply(hide_usage(_replied(message) is not None))
        return
    actor_id = actor.member_id if actor else None
    try:
        if hiding:
            done = await moderation.hide(group_id, target, reason, actor_id)
        else:
            done = await moderation.unhide(group_id, target, reason, actor_id)
    except BadReason:
        await message.reply(reason_needed("/hide q12 advertising"))
        return
    except UnknownTarget:
        await message.reply(unknown_target(target))
        return
    except (AlreadyHidden, NotHidden):
        text = _("That is hidden already.") if hiding else _("That is not hidden.")
        await message.reply(text + " " + _("Nothing was changed."))
        return
    await message.reply(await _done_text(bot, i18n, done, hiding))


async def _done_text(bot: Bot, i18n: I18n, done: Hidden, hiding: bool) -> str:
    answer = done.kind == ANSWER
    if not hiding:
        if answer:
            first = _("The answer {id} to question #{number} is shown again.")
        else:
            first = _("Question #{number} is shown again.")
        lines = [first.format(id=done.answer_id, number=done.number)]
        if done.faq_entries:
            lines.append(_("Its FAQ entry is back in searches."))
        lines.append(_("Its message in the group is not posted again."))
        return "\n".join(lines)
    if answer:
        first = _("The answer {id} to question #{number} is hidden.")
    else:
        first = _("Question #{number} is hidden.")
    lines = [first.format(id=done.answer_id, number=done.number)]
    if done.invitations:
        lines.append(
            _("{count} open invitation(s) to answer it ended.").format(count=done.invitations)
        )
    if done.faq_entries:
        lines.append(_("Its FAQ entry is out of searches and suggestions."))
    if done.messages and not await _remove(bot, i18n, done):
        lines.append(
            _(
                "I could not remove its message in the group (I need the right to delete "
                "messages): please remove it by hand."
            )
        )
    return "\n".join(lines)


async def _remove(bot: Bot, i18n: I18n, done: Hidden) -> bool:
    """Delete the group's messages that showed it; where Telegram refuses, the bot's own
    message is at least emptied. False if any is still there as it was."""
    removed = True
    for message_id in done.messages:
        try:
            await bot.delete_message(done.chat_id, message_id)
            continue
        except TelegramAPIError as error:
            log.warning("hidden %s: message %s not deleted: %s", done.kind, message_id, error)
        try:
            text = i18n.gettext(HIDDEN, locale=done.locale)
            await bot.edit_message_text(text=text, chat_id=done.chat_id, message_id=message_id)
        except TelegramAPIError as error:  # not the bot's own message
            log.warning("hidden %s: message %s not edited: %s", done.kind, message_id, error)
            removed = False
    return removed


def _member(message: Message, args: str) -> tuple[int | None, str | None, str] | None:
    """(user id, username, the rest of the words): the member replied to, else named first."""
    replied = _replied(message)
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        return replied.from_user.id, None, args
    first, _space, rest = args.partition(" ")
    if first.startswith("@") and len(first) > 1:
        return None, first[1:], rest
    if _USER_ID.fullmatch(first):
        return int(first), None, rest
    return None


async def cmd_suspend(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    moderation: ModerationService,
    i18n: I18n,
    group_id: int | None = None,
    actor: Actor | None = None,
    delivery: Delivery | None = None,
) -> None:
    if not await _allowed(message, bot, rights, group_id):
        return
    assert group_id is not None
    named = _member(message, (command.args or "").strip())
    if named is None:
        await message.reply(suspend_usage())
        return
    user_id, username, rest = named
    duration, _space, reason = rest.strip().partition(" ")
    who = await moderation.member(group_id, user_id=user_id, username=username)
    if who is None:
        await message.reply(_("I don't know that member in this group. Nothing was changed."))
        return
    if await moderates(bot, rights, message.chat.id, who.user_id):
        await message.reply(_("Administrators can't be suspended. Nothing was changed."))
        return
    try:
        view = await moderation.suspend(
            group_id,
            user_id=who.user_id,
            duration=duration,
            reason=reason,
            actor_id=actor.member_id if actor else None,
            render=lambda invite: invite_message(i18n, invite),
        )
    except BadDuration:
        await message.reply(suspend_usage(duration=duration or "—"))
        return
    except BadReason:
        await message.reply(reason_needed(SUSPEND_EXAMPLE))
        return
    text = _("{name} can't ask or answer here until {until}. Reason: {reason}").format(
        name=escape(view.name),
        until=local_datetime(view.until, view.timezone),
        reason=escape(view.reason),
    )
    if view.invitations:
        text += "\n" + _(
            "{count} question(s) waiting for their answer now go to other members."
        ).format(count=view.invitations)
    await message.reply(text)
    if delivery is not None:
        delivery.wake()


async def cmd_unsuspend(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    moderation: ModerationService,
    group_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    if not await _allowed(message, bot, rights, group_id):
        return
    assert group_id is not None
    named = _member(message, (command.args or "").strip())
    if named is None:
        await message.reply(
            _(
                "Reply /unsuspend to the member's message, or name them: /unsuspend @username. "
                "Nothing was changed."
            )
        )
        return
    user_id, username, reason = named
    try:
        view = await moderation.unsuspend(
            group_id,
            user_id=user_id,
            username=username,
            reason=reason,
            actor_id=actor.member_id if actor else None,
        )
    except UnknownTarget:
        await message.reply(_("I don't know that member in this group. Nothing was changed."))
        return
    except NotSuspended:
        await message.reply(_("That member is not suspended here. Nothing was changed."))
        return
    except BadReason:
        await message.reply(
            _("A reason can be at most {limit} characters. Nothing was changed.").format(
                limit=MAX_REASON
            )
        )
        return
    await message.reply(_("{name} can ask and answer here again.").format(name=escape(view.name)))


async def cmd_audit(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    moderation: ModerationService,
    group_id: int | None = None,
) -> None:
    if not await _allowed(message, bot, rights, group_id):
        return
    assert group_id is not None
    raw = (command.args or "").strip()
    count = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else None
    if raw and (count is None or not 0 < count <= AUDIT_MAX):
        await message.reply(
            _("Say how many entries to show, e.g. /audit 20 (at most {limit}).").format(
                limit=AUDIT_MAX
            )
        )
        return
    lines = await moderation.audit(group_id, count or AUDIT_DEFAULT)
    pages = audit_pages(lines, await moderation.timezone(group_id))
    await message.reply(pages[0])
    for page in pages[1:]:
        await message.answer(page)


async def cmd_private(message: Message) -> None:
    await message.answer(_("Moderation happens in the group: send the command there."))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(commands_only)
    router.message.register(cmd_hide, Command("hide", "unhide"), groups)
    router.message.register(cmd_suspend, Command("suspend"), groups)
    router.message.register(cmd_unsuspend, Command("unsuspend"), groups)
    router.message.register(cmd_audit, Command("audit"), groups)
    router.message.register(cmd_private, Command(*COMMANDS), private)
    return router
