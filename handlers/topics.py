"""/topics (moderators, in the group): the group's curated topics with their synonyms;
`/topics add TOPIC`, `/topics remove TOPIC`, `/topics synonym TOPIC = SYNONYM` (or
`/topics synonym TOPIC SYNONYM` for a one-word topic). Bad input is explained and changes
nothing."""

from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.rights import Rights
from bot.services.members import Actor
from bot.services.tags import MAX_TAG_LENGTH
from bot.services.topics import (
    AlreadySynonym,
    AlreadyTopic,
    NameTaken,
    TopicError,
    TopicsService,
    TopicView,
    UnknownTopic,
)
from handlers.filters import commands_only, groups, private
from handlers.render import pages
from handlers.rights import is_moderator

USAGE_EXAMPLE = "/topics synonym urban planning = zoning"


def usage() -> str:
    return _(
        "Use /topics to list the topics, /topics add TOPIC, /topics remove TOPIC, or "
        "/topics synonym TOPIC = SYNONYM, e.g. {example}. Nothing was changed."
    ).format(example=escape(USAGE_EXAMPLE))


def topics_pages(topics: list[TopicView]) -> list[str]:
    if not topics:
        return [_("This group has no topics yet. Add one: /topics add TOPIC.")]
    lines = []
    for topic in topics:
        line = "• " + escape(topic.label)
        if topic.synonyms:
            line += " — " + escape(", ".join(topic.synonyms))
        lines.append(line)
    return pages(_("<b>Topics</b> ({count}):").format(count=len(topics)), lines)


def error_text(error: TopicError) -> str:
    if isinstance(error, AlreadyTopic):
        text = _("That is a topic already.")
    elif isinstance(error, UnknownTopic):
        text = _("There is no such topic here: /topics lists them.")
    elif isinstance(error, AlreadySynonym):
        text = _("That already finds this topic.")
    elif isinstance(error, NameTaken):
        text = _("That name already belongs to “{label}”.").format(label=escape(error.label))
    else:
        text = _("A topic or a synonym has 1 to {limit} characters, with a letter or a digit.")
        text = text.format(limit=MAX_TAG_LENGTH)
    return text + " " + _("Nothing was changed.")


def _synonym_args(rest: str) -> tuple[str, str] | None:
    topic, sep, synonym = rest.partition("=")
    if not sep:
        topic, _space, synonym = rest.partition(" ")
    topic, synonym = topic.strip(), synonym.strip()
    return (topic, synonym) if topic and synonym else None


async def cmd_topics(
    message: Message,
    command: CommandObject,
    bot: Bot,
    rights: Rights,
    topics: TopicsService,
    group_id: int | None = None,
    actor: Actor | None = None,
) -> None:
    if group_id is None or not await is_moderator(bot, message, rights):
        await message.reply(_("Only the group's administrators can change that."))
        return
    verb, _space, rest = (command.args or "").strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    actor_id = actor.member_id if actor and message.sender_chat is None else None
    try:
        if not verb:
            for page in topics_pages(await topics.topics(group_id)):
                await message.reply(page)
            return
        if verb == "add" and rest:
            label = await topics.add(group_id, rest, actor_id)
            text = _("“{label}” is a topic now.").format(label=escape(label))
        elif verb == "remove" and rest:
            label = await topics.remove(group_id, rest, actor_id)
            text = _(
                "“{label}” is no longer offered as a topic. Members who know it and questions "
                "tagged with it keep the tag."
            ).format(label=escape(label))
        elif verb == "synonym" and (pair := _synonym_args(rest)) is not None:
            label, synonym = await topics.add_synonym(group_id, *pair, actor_id)
            text = _("Questions that mention “{synonym}” now get the topic “{label}”.").format(
                synonym=escape(synonym), label=escape(label)
            )
        else:
            text = usage()
    except TopicError as error:
        text = error_text(error)
    await message.reply(text)


async def cmd_private(message: Message) -> None:
    await message.answer(_("Topics are managed in the group: send /topics there."))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(commands_only)
    router.message.register(cmd_topics, Command("topics"), groups)
    router.message.register(cmd_private, Command("topics"), private)
    return router
