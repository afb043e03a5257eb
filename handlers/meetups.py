"""Meetups: /meetup (moderators; the dialog continues in the private chat, see
handlers.meetup_dialog), /meetups (upcoming ones), /meetup_cancel <id>, /meetup_move <id>
<date> <time> (moderators, in the group), and the invitation's RSVP buttons. A button's data
is user input: the meetup must be of the group it was pressed in, still open, and the answer
one we know. Everyone who answered is told of a move or a cancellation (the service queues
it); the group's invitation is edited to show it."""

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.clock import Clock
from bot.meetup_messages import (
    LINK_PAYLOAD,
    MeetupCb,
    MeetupWriter,
    invitation_markup,
    invitation_text,
    local_time,
    rsvp_markup,
)
from bot.messages import start_link
from bot.middlewares import GROUP_TYPES
from bot.rights import Rights
from bot.schedules import BadDateTime, UnknownTimezone
from bot.services.communities import CommunitiesService, CommunityView
from bot.services.meetups import ANSWERS, LINKED, MeetupError, MeetupsService, Rsvp
from bot.services.members import Actor
from bot.services.profiles import ProfilesService
from handlers import meetup_dialog as dialog
from handlers.faq_admin.texts import entry_id_of
from handlers.filters import groups, private, private_buttons, private_or_commands, where
from handlers.keyboards.faq_admin import private_chat_button
from handlers.keyboards.meetups import NEW_PAYLOAD, MeetupStepCb
from handlers.meetup_texts import MOVE_USAGE, bad_time, meetup_error, not_a_moderator
from handlers.rights import MAX_ID, is_moderator, moderated_by, moderated_community
from storage.models import Meetup

log = logging.getLogger(__name__)
GROUP_COMMANDS = ("meetup", "meetups", "meetup_cancel", "meetup_move")
groups_buttons = where(F.message.chat.type.in_(GROUP_TYPES))


async def cmd_meetup_group(
    message: Message, bot: Bot, rights: Rights, group_id: int | None = None
) -> None:
    if group_id is None or not await is_moderator(bot, message, rights):
        await message.reply(not_a_moderator())
        return
    thread_id = message.message_thread_id if message.is_topic_message else None
    payload = NEW_PAYLOAD.format(community_id=group_id, thread_id=thread_id or 0)
    username = (await bot.me()).username or ""
    await message.reply(
        _("Let's plan the meetup in our private chat: tap the button."),
        reply_markup=private_chat_button(username, payload, _("Open the private chat")),
    )


async def cmd_meetup_private(
    message: Message,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    rights: Rights,
    profiles: ProfilesService,
) -> None:
    mine = await moderated_by(bot, rights, profiles, actor.user_id)
    if len(mine) == 1:
        await dialog.begin(bot, state, actor.user_id, mine[0], None)
    elif mine:
        await message.answer(_("Send /meetup in the group the meetup is for."))
    else:
        await message.answer(not_a_moderator())


async def cmd_start_new(
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    actor: Actor,
    rights: Rights,
    communities: CommunitiesService,
) -> None:
    """`?start=meetupnew_<community>_<topic>`: user input, so the rights are asked again."""
    _kind, community_id, thread = (command.args or "").split("_")
    community = await moderated_community(
        bot, rights, communities, actor.user_id, entry_id_of(community_id) or 0
    )
    if community is None:
        await message.answer(not_a_moderator())
        return
    await dialog.begin(bot, state, actor.user_id, community, entry_id_of(thread))


async def cmd_start_link(
    message: Message,
    command: CommandObject,
    actor: Actor,
    meetups: MeetupsService,
    i18n: I18n,
    clock: Clock,
) -> None:
    """`?start=meetup_<id>` from an RSVP toast: the chat is open now, so the link can come."""
    meetup_id = entry_id_of((command.args or "").partition("_")[2]) or 0
    answer = await meetups.answer_of(meetup_id, actor.member_id)
    if answer not in LINKED:
        await message.answer(_("Answer Going or Maybe under the invitation to get the link."))
        return
    try:
        await meetups.rsvp(meetup_id, actor.member_id, answer, MeetupWriter(i18n, clock))
    except MeetupError as error:
        await message.answer(meetup_error(error))
        return
    await message.answer(_("Thanks! The link is on its way."))


async def cb_rsvp(
    query: CallbackQuery,
    callback_data: MeetupCb,
    bot: Bot,
    actor: Actor,
    communities: CommunitiesService,
    meetups: MeetupsService,
    i18n: I18n,
    clock: Clock,
) -> None:
    if callback_data.a not in ANSWERS or not 0 < callback_data.m <= MAX_ID:
        await query.answer(_("That button is not one of mine."), show_alert=True)
        return
    try:
        rsvp = await meetups.rsvp(
            callback_data.m,
            actor.member_id,
            callback_data.a,
            MeetupWriter(i18n, clock),
            community_id=actor.community_id or 0,
        )
    except MeetupError as error:
        await query.answer(meetup_error(error), show_alert=True)
        return
    username = (await bot.me()).username or ""
    if rsvp.link == "unreachable":
        link = start_link(username, LINK_PAYLOAD.format(meetup_id=callback_data.m))
        text = _("Start a private chat with me to get the link: {link}").format(link=link)
        await query.answer(text, show_alert=True, url=link)
    else:
        await query.answer(_toast(callback_data.a, rsvp))
    community = await communities.by_id(actor.community_id or 0)
    with i18n.use_locale(community.language if community else i18n.default_locale):
        markup = rsvp_markup(callback_data.m, rsvp.counts)  # in the group's language
    await _show_counts(query, callback_data.m, markup)


def _toast(answer: str, rsvp: Rsvp) -> str:
    if answer == "cant":
        return _("Noted: you can't come. Thanks for saying.")
    lead = _("You're going.") if answer == "going" else _("You might come.")
    if rsvp.link == "queued":
        return lead + " " + _("The link is on its way in a private message.")
    return lead + " " + _("The link is in our private chat.")


async def _show_counts(query: CallbackQuery, meetup_id: int, markup: InlineKeyboardMarkup) -> None:
    """The invitation's buttons with the new counts; presses in a flood may find them shown
    already (Telegram: not modified), which is fine."""
    if query.message is None:
        return
    try:
        await query.message.edit_reply_markup(reply_markup=markup)  # type: ignore[union-attr]
    except TelegramBadRequest as error:
        if "not modified" not in error.message:
            log.warning("meetup #%s: counts not shown: %s", meetup_id, error)
    except TelegramAPIError as error:
        log.warning("meetup #%s: counts not shown: %s", meetup_id, error)


async def cmd_meetups(
    message: Message,
    meetups: MeetupsService,
    communities: CommunitiesService,
    locale: str,
    group_id: int | None = None,
) -> None:
    community = await communities.by_id(group_id) if group_id is not None else None
    if community is None:
        return
    lines = [_("<b>Upcoming meetups</b>")]
    for meetup in await meetups.upcoming(community.id):
        counts = await meetups.counts(meetup.id)
        lines.append(
            _("#{id} <b>{title}</b>, {when}: ✅ {going} · 🤔 {maybe} · ❌ {cant}").format(
                id=meetup.id,
                title=escape(meetup.title, quote=False),
                when=local_time(meetup.starts_at, community.timezone, locale),
                going=counts.going,
                maybe=counts.maybe,
                cant=counts.cant,
            )
        )
    if len(lines) == 1:
        lines.append(_("None planned. Moderators plan one with /meetup."))
    await message.reply("\n".join(lines))


async def cmd_meetup_change(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    communities: CommunitiesService,
    meetups: MeetupsService,
    i18n: I18n,
    clock: Clock,
    locale: str,
    group_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    """/meetup_cancel <id> and /meetup_move <id> <date> <time>."""
    community = await communities.by_id(group_id) if group_id is not None else None
    if community is None or not await is_moderator(bot, message, rights):
        await message.reply(not_a_moderator())
        return
    moving = command.command.lower() == "meetup_move"
    meetup_id, _sep, rest = (command.args or "").strip().partition(" ")
    when = " ".join(rest.split())
    number = entry_id_of(meetup_id)
    if number is None or (moving and not when):
        usage = MOVE_USAGE if moving else "/meetup_cancel 3"
        await message.reply(_("Say which meetup (see /meetups), e.g. {usage}").format(usage=usage))
        return
    write, actor_id = MeetupWriter(i18n, clock), actor.member_id if actor else None
    try:
        if moving:
            meetup = await meetups.move(
                community.id, number, actor_id, " ".join(when.split()), write
            )
        else:
            meetup = await meetups.cancel(community.id, number, actor_id, write)
    except (BadDateTime, UnknownTimezone) as error:
        await message.reply(bad_time(error, community) + " " + _("Nothing was changed."))
        return
    except MeetupError as error:
        await message.reply(meetup_error(error))
        return
    await _edit_invitation(bot, i18n, meetups, community, meetup)
    if moving:
        text = _("Meetup #{id} is moved to {when}; everyone who answered is told.").format(
            id=meetup.id, when=local_time(meetup.starts_at, community.timezone, locale)
        )
    else:
        text = _("Meetup #{id} is cancelled; everyone who answered is told.").format(id=meetup.id)
    await message.reply(text)


async def _edit_invitation(
    bot: Bot, i18n: I18n, meetups: MeetupsService, community: CommunityView, meetup: Meetup
) -> None:
    """The group's invitation shows the new time, or that it is cancelled (no buttons)."""
    if meetup.group_message_id is None:
        return
    counts = await meetups.counts(meetup.id)
    with i18n.use_locale(community.language):
        text = invitation_text(meetup, community.timezone, community.language)
        markup = invitation_markup(meetup, counts)
    try:
        await bot.edit_message_text(
            text, chat_id=community.chat_id, message_id=meetup.group_message_id, reply_markup=markup
        )
    except TelegramAPIError as error:
        log.warning("meetup #%s: invitation not edited: %s", meetup.id, error)


async def cmd_private(message: Message) -> None:
    await message.answer(_("Meetups are managed in the group: send the command there."))


def setup() -> Router:
    """Before profile, whose /start takes any link."""
    router = Router(name=__name__)
    router.message.filter(private_or_commands)
    router.message.register(cmd_meetup_group, Command("meetup"), groups)
    router.message.register(cmd_meetup_private, Command("meetup"), private)
    router.message.register(cmd_meetups, Command("meetups"), groups)
    router.message.register(cmd_meetup_change, Command("meetup_cancel", "meetup_move"), groups)
    router.message.register(cmd_private, Command(*GROUP_COMMANDS[1:]), private)
    new_link = CommandStart(deep_link=True, magic=F.args.regexp(r"^meetupnew_\d+_\d+$"))
    router.message.register(cmd_start_new, new_link, private)
    rsvp_link = CommandStart(deep_link=True, magic=F.args.regexp(r"^meetup_\d+$"))
    router.message.register(cmd_start_link, rsvp_link, private)
    router.callback_query.register(cb_rsvp, MeetupCb.filter(), groups_buttons)
    router.callback_query.register(dialog.cb_step, MeetupStepCb.filter(), private_buttons)
    steps = dialog.steps()
    in_dialog = StateFilter(dialog.MeetupNew)
    router.message.register(dialog.cmd_cancel, in_dialog, Command("cancel"), private)
    text, not_command = where(F.text), where(~F.text.startswith("/"))
    for step, handler in steps.items():
        router.message.register(handler, StateFilter(step), private, text, not_command)
    router.message.register(dialog.st_not_text, in_dialog, private, where(~F.text))
    return router
