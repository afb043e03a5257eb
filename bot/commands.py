"""Command menus, registered per scope and language at start."""

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)


def private_commands() -> list[BotCommand]:
    return [
        BotCommand(command="start", description=_("Start and set up your profile")),
        BotCommand(command="profile", description=_("See and edit your profile")),
        BotCommand(command="expertise", description=_("Choose the topics you know")),
        BotCommand(command="quiet", description=_("Set hours when I send you no questions")),
        BotCommand(command="ask", description=_("Ask one of your groups")),
        BotCommand(command="ask_anon", description=_("Ask one of your groups, without your name")),
        BotCommand(command="search", description=_("Search answers given before")),
        BotCommand(command="faq", description=_("Browse the FAQ by topic")),
        BotCommand(command="myquestions", description=_("The questions you asked")),
        BotCommand(command="myrequests", description=_("Questions waiting for your answer")),
        BotCommand(command="mydata", description=_("Everything I store about you")),
        BotCommand(command="forgetme", description=_("Erase your data")),
        BotCommand(command="help", description=_("What I can do")),
        BotCommand(command="cancel", description=_("Leave the current dialog")),
    ]


def group_commands() -> list[BotCommand]:
    return [
        BotCommand(command="ask", description=_("Ask the members who know the topic")),
        BotCommand(command="search", description=_("Search answers given before")),
        BotCommand(command="faq", description=_("Browse the FAQ by topic")),
        BotCommand(command="close", description=_("Close your question (by its number)")),
        BotCommand(command="open", description=_("Questions still open")),
        BotCommand(command="help", description=_("How this group uses me")),
        BotCommand(command="profile", description=_("Set up your profile (in private)")),
        BotCommand(command="meetups", description=_("Upcoming meetups")),
    ]


def admin_commands() -> list[BotCommand]:
    return [
        *group_commands(),
        BotCommand(command="why", description=_("Who was asked about a question, and why")),
        BotCommand(command="accept", description=_("Accept an answer (in reply to it)")),
        BotCommand(command="answering", description=_("Who may answer: open or peers")),
        BotCommand(command="faq_add", description=_("Add an entry to the FAQ")),
        BotCommand(command="faq_edit", description=_("Edit an FAQ entry (by its number)")),
        BotCommand(command="faq_delete", description=_("Delete an FAQ entry (by its number)")),
        BotCommand(command="faq_restore", description=_("Bring back a deleted FAQ entry")),
        BotCommand(
            command="faq_verify",
            description=_("Mark an FAQ entry as checked; alone: those waiting"),
        ),
        BotCommand(command="faq_stale", description=_("FAQ entries past their review date")),
        BotCommand(
            command="faq_verification",
            description=_("Accepted answers wait for verification: on or off"),
        ),
        BotCommand(command="prompt_add", description=_("Add a discussion prompt")),
        BotCommand(command="prompts", description=_("The discussion prompts")),
        BotCommand(command="prompt_delete", description=_("Delete a prompt (by its number)")),
        BotCommand(
            command="prompt_schedule", description=_("When prompts are posted, e.g. mon,thu 09:00")
        ),
        BotCommand(command="stats", description=_("The group's figures: week, month or all")),
        BotCommand(command="export", description=_("The group's data as CSV files (in private)")),
        BotCommand(command="meetup", description=_("Plan a meetup (a call) with invitations")),
        BotCommand(command="meetup_cancel", description=_("Cancel a meetup (by its number)")),
        BotCommand(command="meetup_move", description=_("Move a meetup to a new date and time")),
        BotCommand(
            command="digest_schedule", description=_("When the digest is posted, e.g. fri 17:00")
        ),
        BotCommand(command="digest", description=_("Post the digest now (a preview)")),
        BotCommand(command="hide", description=_("Hide a question or an answer, with the reason")),
        BotCommand(command="unhide", description=_("Show a hidden question or answer again")),
        BotCommand(
            command="suspend", description=_("Stop a member asking and answering for a while")
        ),
        BotCommand(command="unsuspend", description=_("Lift a member's suspension")),
        BotCommand(command="audit", description=_("The latest moderation and FAQ changes")),
        BotCommand(command="settings", description=_("The group's settings, with buttons")),
        BotCommand(command="topics", description=_("The group's topics and their synonyms")),
    ]


async def register_commands(bot: Bot, i18n: I18n) -> None:
    """Menus in every language we speak; the default language also without a language code."""
    scopes = [
        (BotCommandScopeAllPrivateChats(), private_commands),
        (BotCommandScopeAllGroupChats(), group_commands),
        (BotCommandScopeAllChatAdministrators(), admin_commands),
        (BotCommandScopeDefault(), private_commands),
    ]
    languages = [(None, i18n.default_locale)] + [(code, code) for code in i18n.available_locales]
    try:
        for scope, build in scopes:
            for code, locale in languages:
                with i18n.context(), i18n.use_locale(locale):
                    await bot.set_my_commands(build(), scope=scope, language_code=code)
    except TelegramAPIError as error:
        log.warning("command menus not registered: %s", error)
