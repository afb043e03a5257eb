"""/help, /cancel, group redirects and the fallbacks that must come last."""

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.messages import profile_button
from bot.rights import Rights
from handlers.filters import commands_only, groups, private, where
from handlers.rights import is_moderator


def admin_help() -> str:
    """What a moderator can do, for those who moderate (in private: in any of their groups)."""
    return _(
        "<b>For the group's administrators</b> (in the group; those marked * also here)\n"
        "Questions: /why N — who was asked and why; /accept in reply to an answer; "
        "/answering open or peers — who may answer.\n"
        "FAQ*: /faq_add; /faq_edit, /faq_delete, /faq_restore, /faq_verify with its number; "
        "/faq_stale — past their review date; /faq_verification on or off.\n"
        "Activity: /prompt_add, /prompts, /prompt_delete N, /prompt_schedule mon,thu 09:00; "
        "/digest_schedule, /digest — a preview; /meetup* — plan a call with invitations, "
        "/meetup_cancel N, /meetup_move N date time.\n"
        "Moderation: /hide and /unhide a question or an answer, /suspend and /unsuspend a "
        "member (with a reason), /audit — the latest changes.\n"
        "Figures*: /stats week, month or all — summary and chart; /export — the data as CSV "
        "files, privately.\n"
        "Settings*: /settings — language, timezone, routing, quiet hours, welcome, forum "
        "topics; /topics — the topics: /topics add TOPIC, /topics remove TOPIC, /topics "
        "synonym TOPIC = SYNONYM."
    )


async def cmd_help_private(message: Message, command: CommandObject) -> None:
    """/help; `/help admin`: the administrators' commands (a list, not a privilege)."""
    if (command.args or "").strip().lower() == "admin":
        await message.answer(admin_help())
        return
    await message.answer(
        _(
            "<b>What I do</b>\n"
            "I help peer-learning groups: questions asked in the group reach the members who "
            "know the topic, and good answers are kept.\n\n"
            "<b>Here, in private</b>\n"
            "/profile — see and edit your profile\n"
            "/expertise — choose the topics you know\n"
            "/quiet — hours when no question reaches you\n"
            "/ask — ask one of your groups; /ask_anon — without your name\n"
            "/myquestions, /myrequests — your questions, and those waiting for you\n"
            "/cancel — leave the current dialog\n"
            "/help — this message\n\n"
            "<b>In your group</b>\n"
            "/ask — ask the group a question\n"
            "/search — find answers given before"
        )
        + "\n\n"
        + _(
            "<b>Your data</b>\n"
            "/mydata — everything I store about you, as a file\n"
            "/forgetme — erase it (your questions and answers stay for the group, unnamed)"
        )
        + "\n\n"
        + _("Administrators of a group: /help admin lists what you can do.")
    )


async def cmd_help_group(
    message: Message, bot: Bot, rights: Rights, group_id: int | None = None
) -> None:
    me = await bot.me()
    await message.reply(
        _(
            "<b>How this group uses me</b>\n"
            "/ask your question — I ask the members who know the topic, privately, and post "
            "their answers here.\n"
            "/search a few words — find answers given before.\n"
            "Reply “thanks” to an answer to mark it helpful; the asker (or a moderator) can "
            "reply /accept to the one that solved it.\n"
            "Set up your profile in our private chat so questions on your topics reach you."
        ),
        reply_markup=profile_button(me.username, group_id) if group_id else None,
    )
    if group_id is not None and await is_moderator(bot, message, rights):
        await message.answer(admin_help())


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(_("There is nothing to cancel."))
        return
    await state.clear()
    await message.answer(_("Cancelled. Steps you finished are saved; nothing else changed."))


async def cmd_profile_in_group(message: Message, bot: Bot, group_id: int | None = None) -> None:
    """Profiles are edited privately: point the member to the private chat."""
    me = await bot.me()
    await message.reply(
        _("Let's do that in our private chat: tap the button."),
        reply_markup=profile_button(me.username, group_id) if group_id else None,
    )


async def unknown_command_private(message: Message) -> None:
    await message.answer(_("I don't know that command. Send /help to see what I can do."))


async def unknown_command_group(message: Message, bot: Bot) -> None:
    """In groups only commands addressed to this bot get an answer: others may be for other bots."""
    target = message.text.split()[0].split("@", 1)[1]
    if target.lower() == ((await bot.me()).username or "").lower():
        await message.reply(_("I don't know that command. Send /help to see what I can do."))


async def fallback_private(message: Message) -> None:
    await message.answer(
        _("I'm not sure what to do with that. Send /profile to edit your profile or /help.")
    )


async def stale_callback(query: CallbackQuery) -> None:
    """A button whose dialog is over, or that no handler recognises."""
    await query.answer(_("That button has expired. Send /profile to start again."), show_alert=True)


def setup() -> Router:
    """Commands. Plain messages skip every handler here with one check (commands_only)."""
    router = Router(name=__name__)
    router.message.filter(commands_only)
    router.message.register(cmd_help_private, Command("help"), private)
    router.message.register(cmd_help_group, Command("help"), groups)
    router.message.register(cmd_cancel, Command("cancel"), private)
    router.message.register(cmd_profile_in_group, CommandStart(), groups)
    router.message.register(cmd_profile_in_group, Command("profile", "expertise"), groups)
    router.message.register(unknown_command_private, where(F.text.startswith("/")), private)
    router.message.register(unknown_command_group, where(F.text.regexp(r"^/\w+@(\w+)")), groups)
    return router


def setup_fallbacks() -> Router:
    """What no other handler took: must be the last router."""
    router = Router(name=f"{__name__}.fallbacks")
    router.message.register(fallback_private, private)
    router.callback_query.register(stale_callback)
    return router
