"""After a meetup: members answer "Did you attend?" (only the question they were sent), and a
moderator of the meetup's group writes its recap in the private chat (from the offer's button,
or the group's button, which leads there): text → preview → post in the group, or post and keep
it in the FAQ, or cancel. Rights are asked of Telegram at the button and again before posting;
callback data and deep links prove nothing."""

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.attendance_messages import (
    AttendCb,
    Attended,
    RecapCb,
    attend_keyboard,
    attend_text,
    figures_line,
    local_day,
    recap_link,
    recap_post,
)
from bot.delivery import Delivery
from bot.messages import group_link
from bot.rights import Rights
from bot.services.attendance import (
    AttendanceService,
    MeetupRef,
    NotAsked,
    NotOver,
    Recap,
    RecapPost,
    RecapPosted,
)
from bot.services.communities import CommunitiesService, CommunityView
from bot.services.faq import MAX_FAQ_ANSWER, FaqError, checked_answer
from bot.services.meetups import MeetupError
from bot.services.members import Actor
from handlers.faq_admin.texts import entry_id_of, faq_error_text
from handlers.filters import private, private_buttons, where
from handlers.keyboards.meetup_recap import RecapStepCb, Step, review_keyboard
from handlers.questions import drop_buttons
from handlers.rights import MAX_ID, moderated_community

log = logging.getLogger(__name__)


class RecapDialog(StatesGroup):
    text = State()
    review = State()  # the preview, with its buttons


def not_a_moderator() -> str:
    return _("Only the group's administrators can post a meetup's recap. Nothing was changed.")


def refusal(error: MeetupError) -> str:
    """Short enough for an alert (200 characters)."""
    if isinstance(error, NotAsked):
        return _("That button is not for you. Nothing was changed.")
    if isinstance(error, NotOver):
        return _("That meetup has not ended yet. Nothing was changed.")
    if isinstance(error, RecapPosted):
        return _("The recap of that meetup was posted already.")
    return _("That button has expired.")


async def cb_attend(
    query: CallbackQuery,
    callback_data: AttendCb,
    actor: Actor,
    attendance: AttendanceService,
    locale: str,
) -> None:
    yes = callback_data.a == Attended.YES
    message = query.message
    mine = isinstance(message, Message) and message.chat.id == actor.user_id
    try:
        if not mine or not 0 < callback_data.m <= MAX_ID:
            raise NotAsked()
        ref = await attendance.answer(callback_data.m, actor.member_id, yes)
    except MeetupError as error:
        await query.answer(refusal(error), show_alert=True)
        return
    await query.answer(_("Thank you!"))
    text = attend_text(ref.title, local_day(ref.starts_at, ref.timezone, locale), yes)
    try:
        await message.edit_text(text, reply_markup=attend_keyboard(ref.id, yes))  # type: ignore[union-attr]
    except TelegramBadRequest as error:  # the same answer again: nothing new to show
        if "not modified" not in error.message:
            log.warning("could not show the attendance answer: %s", error)


async def _moderated(
    bot: Bot,
    rights: Rights,
    communities: CommunitiesService,
    attendance: AttendanceService,
    user_id: int,
    meetup_id: int | None,
) -> tuple[MeetupRef, CommunityView] | None:
    """The meetup, when Telegram says now that the user administers its group."""
    if meetup_id is None or not 0 < meetup_id <= MAX_ID:
        return None
    try:
        ref = await attendance.meetup(meetup_id)
    except MeetupError:
        return None
    community = await moderated_community(bot, rights, communities, user_id, ref.community_id)
    return None if community is None else (ref, community)


async def cb_recap(
    query: CallbackQuery,
    callback_data: RecapCb,
    bot: Bot,
    rights: Rights,
    state: FSMContext,
    actor: Actor,
    communities: CommunitiesService,
    attendance: AttendanceService,
    locale: str,
) -> None:
    found = await _moderated(bot, rights, communities, attendance, actor.user_id, callback_data.m)
    chat = query.message.chat if query.message is not None else None
    if found is None or chat is None or (chat.type != "private" and chat.id != found[1].chat_id):
        await query.answer(not_a_moderator(), show_alert=True)
        return
    ref, community = found
    if chat.type != "private":  # the dialog is private: the button leads there
        try:
            await attendance.recap_target(ref.id)
        except MeetupError as error:
            await query.answer(refusal(error), show_alert=True)
            return
        await query.answer(url=recap_link((await bot.me()).username or "", ref.id))
        return
    await query.answer()
    await _open(bot, state, actor.user_id, ref, community, attendance, locale)


async def cmd_start_recap(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    state: FSMContext,
    actor: Actor,
    communities: CommunitiesService,
    attendance: AttendanceService,
    locale: str,
) -> None:
    """`?start=recap_<meetup>`, from the group's button: user input, checked again."""
    meetup_id = entry_id_of((command.args or "").removeprefix("recap_"))
    found = await _moderated(bot, rights, communities, attendance, actor.user_id, meetup_id)
    if found is None:
        await message.answer(not_a_moderator())
        return
    await _open(bot, state, actor.user_id, *found, attendance, locale)


async def _open(
    bot: Bot,
    state: FSMContext,
    user_id: int,
    ref: MeetupRef,
    community: CommunityView,
    attendance: AttendanceService,
    locale: str,
) -> None:
    try:
        target = await attendance.recap_target(ref.id)
    except RecapPosted as posted:
        await bot.send_message(user_id, posted_text(ref, posted))
        return
    except MeetupError as error:
        await bot.send_message(user_id, refusal(error))
        return
    await state.clear()
    await state.set_state(RecapDialog.text)
    await state.update_data(meetup_id=ref.id)
    lead = _("A recap of <b>{title}</b> ({day}) for {group}.").format(
        title=escape(ref.title, quote=False),
        day=local_day(ref.starts_at, ref.timezone, locale),
        group=escape(community.title, quote=False),
    )
    ask = _("Send the recap as one message (up to {limit} characters), or /cancel.").format(
        limit=MAX_FAQ_ANSWER
    )
    await bot.send_message(user_id, f"{lead}\n{figures_line(target.attendance)}\n\n{ask}")


async def st_text(
    message: Message, state: FSMContext, attendance: AttendanceService, i18n: I18n
) -> None:
    try:
        text = checked_answer(message.text or "")
    except FaqError as error:
        await message.answer(faq_error_text(error) + " " + _("Send the recap again, or /cancel."))
        return
    try:
        ref = await attendance.meetup((await state.get_data())["meetup_id"])
    except MeetupError:
        await state.clear()
        await message.answer(_("That meetup no longer exists. Nothing was posted."))
        return
    lead = _("This is how it will look in the group (send another text to change it):")
    post, _question = recap_post(i18n, RecapPost(ref, text), around=(lead, ""))
    await state.set_state(RecapDialog.review)
    sent = await message.answer(f"{lead}\n\n{post}", reply_markup=review_keyboard())
    await state.update_data(text=text, kb=sent.message_id)


async def cb_step(
    query: CallbackQuery,
    callback_data: RecapStepCb,
    state: FSMContext,
    bot: Bot,
    rights: Rights,
    actor: Actor,
    communities: CommunitiesService,
    attendance: AttendanceService,
    i18n: I18n,
    delivery: Delivery | None = None,
) -> None:
    data, current = await state.get_data(), await state.get_state()
    shown = query.message is not None and query.message.message_id == data.get("kb")
    if not shown or current != RecapDialog.review.state:
        await query.answer(_("That button has expired."), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query)
    await state.clear()
    if callback_data.act == Step.CANCEL:
        await bot.send_message(actor.user_id, _("Cancelled. Nothing was posted."))
        return
    meetup_id = data["meetup_id"]
    found = await _moderated(bot, rights, communities, attendance, actor.user_id, meetup_id)
    if found is None:
        await bot.send_message(actor.user_id, not_a_moderator())
        return
    ref, community = found
    save = callback_data.act == Step.SAVE
    try:
        recap = await attendance.post_recap(
            ref.id, actor.member_id, data["text"], save=save, write=lambda p: recap_post(i18n, p)
        )
    except RecapPosted as posted:
        await bot.send_message(actor.user_id, posted_text(ref, posted))
        return
    except FaqError as error:
        await bot.send_message(actor.user_id, faq_error_text(error))
        return
    except MeetupError as error:
        await bot.send_message(actor.user_id, refusal(error))
        return
    if delivery is not None:
        delivery.wake()
    await bot.send_message(actor.user_id, done_text(recap, community))


def done_text(recap: Recap, community: CommunityView) -> str:
    lines = [
        _("The recap of <b>{title}</b> is on its way to {group}.").format(
            title=escape(recap.meetup.title, quote=False),
            group=escape(community.title, quote=False),
        )
    ]
    if recap.faq_entry_id is not None:
        lines.append(
            _(
                "It is saved to the FAQ as entry #{id}: members find it with /search. Change it "
                "with /faq_edit {id}."
            ).format(id=recap.faq_entry_id)
        )
    lines.append(figures_line(recap.attendance))
    return "\n".join(lines)


def posted_text(ref: MeetupRef, posted: RecapPosted) -> str:
    text = _("The recap of <b>{title}</b> was posted already.").format(
        title=escape(ref.title, quote=False)
    )
    link = group_link(posted.chat_id, posted.message_id) if posted.chat_id else None
    if link:
        text += "\n" + _('<a href="{link}">Open it in the group</a>').format(link=link)
    return text


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Cancelled. Nothing was posted."))


async def st_not_text(message: Message) -> None:
    await message.answer(_("Please send the recap as text, or /cancel."))


def setup() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(cb_attend, private_buttons, AttendCb.filter())
    router.callback_query.register(cb_recap, RecapCb.filter())
    router.callback_query.register(cb_step, private_buttons, RecapStepCb.filter())
    router.message.filter(private)
    deep_link = CommandStart(deep_link=True, magic=F.args.regexp(r"^recap_\d+$"))
    router.message.register(cmd_start_recap, deep_link)
    in_dialog = StateFilter(RecapDialog)
    router.message.register(cmd_cancel, in_dialog, Command("cancel"))
    text, not_command = where(F.text), where(~F.text.startswith("/"))
    router.message.register(st_text, in_dialog, text, not_command)
    not_caption_command = where(~F.caption.startswith("/"))
    router.message.register(st_not_text, in_dialog, where(~F.text), not_caption_command)
    return router
