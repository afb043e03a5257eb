"""/mydata (everything stored about the member, as a JSON file) and /forgetme (erasing it,
after a confirmation)."""

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.delivery import Delivery
from bot.messages import invite_message, start_link
from bot.services.members import Actor
from bot.services.privacy import NothingStored, PrivacyService, StillSuspended
from bot.timefmt import local_datetime
from handlers.filters import groups, private, private_buttons
from handlers.keyboards.privacy import ForgetAct, ForgetCb, forget_keyboard

FILENAME = "peerbot-mydata.json"
PAYLOAD = "mydata"


async def _document(privacy: PrivacyService, actor: Actor) -> BufferedInputFile | None:
    try:
        return BufferedInputFile(await privacy.my_data(actor.user_id), filename=FILENAME)
    except NothingStored:
        return None


def _caption() -> str:
    return _("Everything I store about you, in all your groups (JSON).")


async def cmd_mydata_private(message: Message, actor: Actor, privacy: PrivacyService) -> None:
    document = await _document(privacy, actor)
    if document is None:
        await message.answer(_("I store nothing about you."))
        return
    await message.answer_document(document, caption=_caption())


async def cmd_mydata_group(
    message: Message, bot: Bot, actor: Actor, privacy: PrivacyService
) -> None:
    """Personal data never goes to the group: privately if the member can be messaged, else
    a link that opens the private chat and sends it there."""
    if actor.dm_available and (document := await _document(privacy, actor)) is not None:
        try:
            await bot.send_document(actor.user_id, document, caption=_caption())
        except (TelegramForbiddenError, TelegramBadRequest):
            pass
        else:
            await message.reply(_("Your data is personal: I sent it to our private chat."))
            return
    me = await bot.me()
    link = start_link(me.username or "", PAYLOAD)
    button = InlineKeyboardButton(text=_("Open the private chat"), url=link)
    await message.reply(
        _("Your data is personal: open our private chat and I will send it there."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
    )


def _suspended(error: StillSuspended) -> str:
    return _(
        "A group's moderators have paused your asking and answering until {until}. You can "
        "erase your data once that ends; nothing was deleted."
    ).format(until=local_datetime(error.until, error.timezone))


async def cmd_forgetme(message: Message, actor: Actor, privacy: PrivacyService) -> None:
    try:
        await privacy.may_forget(actor.member_id)
    except StillSuspended as error:
        await message.answer(_suspended(error))
        return
    await message.answer(
        _(
            "Forget you? I will delete your profile (name, bio, languages, time zone, quiet "
            "hours), your topics and group memberships, end the invitations waiting for you "
            "and your RSVPs to upcoming meetups. Your questions and answers stay for the "
            "group as shared knowledge, without your name. This cannot be undone."
        ),
        reply_markup=forget_keyboard(actor.member_id),
    )


async def cmd_forgetme_group(message: Message) -> None:
    await message.reply(_("Send /forgetme in our private chat, so this stays between us."))


async def cb_forget(
    query: CallbackQuery,
    callback_data: ForgetCb,
    state: FSMContext,
    actor: Actor,
    privacy: PrivacyService,
    i18n: I18n,
    delivery: Delivery | None = None,
) -> None:
    if callback_data.member_id != actor.member_id:  # forged, or someone else's: nothing
        await query.answer(_("This button is not for you."), show_alert=True)
        return
    if callback_data.act is ForgetAct.NO:
        await query.answer()
        await query.message.edit_text(_("Nothing was deleted."))  # type: ignore[union-attr]
        return
    try:
        done = await privacy.forget(
            actor.member_id, render=lambda invite: invite_message(i18n, invite)
        )
    except StillSuspended as error:
        await query.answer()
        await query.message.edit_text(_suspended(error))  # type: ignore[union-attr]
        return
    await state.clear()
    await query.answer()
    await query.message.edit_text(_forgotten(done))  # type: ignore[union-attr]
    if delivery is not None:  # their waiting questions went to other peers
        delivery.wake()


def _forgotten(done: dict[str, int]) -> str:
    if not done:
        return _("There is nothing left to forget.")
    return _(
        "Done: I deleted your profile, {topics} topic(s) and {groups} group membership(s), "
        "ended {invitations} open invitation(s) and {rsvps} RSVP(s) to upcoming meetups. "
        "Your {questions} question(s) and {answers} answer(s) stay for the group, without "
        "your name. If you send /start again, you begin as a new member."
    ).format(
        topics=done["expertise"],
        groups=done["memberships"],
        invitations=done["invitations"],
        rsvps=done["rsvps"],
        questions=done["questions"],
        answers=done["answers"],
    )


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(
        cmd_mydata_private, CommandStart(deep_link=True, magic=F.args == PAYLOAD), private
    )
    router.message.register(cmd_mydata_private, Command("mydata"), private)
    router.message.register(cmd_mydata_group, Command("mydata"), groups)
    router.message.register(cmd_forgetme, Command("forgetme"), private)
    router.message.register(cmd_forgetme_group, Command("forgetme"), groups)
    router.callback_query.register(cb_forget, private_buttons, ForgetCb.filter())
    return router
