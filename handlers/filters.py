"""Filters that run in the event loop.

aiogram runs any filter that is not a coroutine (a bare ``F`` expression, a ``State``) through
``asyncio.to_thread``: one worker-thread round trip per check, and a message passes a dozen
checks on its way through the routers. Use :func:`where` for ``F`` rules and ``StateFilter``
for states; ``tests/e2e/test_hot_paths.py`` keeps it that way.
"""

from typing import Any

from aiogram import Bot, F
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import Message, TelegramObject
from magic_filter import MagicFilter

from bot.middlewares import GROUP_TYPES


class where(Filter):
    """The ``F`` rule `rule`, checked in the event loop (its result, like a bare ``F`` filter:
    falsy rejects, a dict adds handler arguments)."""

    __slots__ = ("rule",)

    def __init__(self, rule: MagicFilter) -> None:
        self.rule = rule

    async def __call__(self, event: TelegramObject) -> Any:
        return self.rule.resolve(event)


private = where(F.chat.type == "private")
groups = where(F.chat.type.in_(GROUP_TYPES))
private_buttons = where(F.message.chat.type == "private")


class _CommandLike(Filter):
    """Text or caption that starts like a command: one check that spares a plain message all
    the Command filters of a router."""

    async def __call__(self, message: Message) -> bool:
        text = message.text or message.caption
        return text is not None and text.startswith("/")


commands_only = _CommandLike()
service_messages = where(F.new_chat_members | F.left_chat_member | F.migrate_to_chat_id)


class _PrivateOrCommand(Filter):
    """A private message, or a command anywhere: what a router of commands and private
    dialog steps needs to look at; group chatter passes it in one check."""

    async def __call__(self, message: Message) -> bool:
        if message.chat.type == "private":
            return True
        text = message.text or message.caption
        return text is not None and text.startswith("/")


private_or_commands = _PrivateOrCommand()


async def mentions_bot(message: Message, bot: Bot) -> bool:
    """The message (or its caption) mentions this bot by @username."""
    entities = message.entities or message.caption_entities or ()
    if not any(e.type == "mention" for e in entities):
        return False
    username = f"@{(await bot.me()).username or ''}".lower()
    text = message.text or message.caption or ""
    return any(e.type == "mention" and e.extract_from(text).lower() == username for e in entities)


def replies_to_bot(message: Message, bot: Bot) -> bool:
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot.id


class _Addressed(Filter):
    """What a router of commands, private steps and messages addressed to the bot looks at:
    a private message, a command, or a group message replying to or mentioning the bot.
    Other group chatter passes it in one check."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        if message.chat.type == "private":
            return True
        text = message.text or message.caption
        if text is not None and text.startswith("/"):
            return True
        return replies_to_bot(message, bot) or (
            bool(message.entities or message.caption_entities) and await mentions_bot(message, bot)
        )


addressed = _Addressed()


class replied_button(Filter):
    """A reply to a message of the bot's that carries a `data` button (an invitation, an
    answer): the button's data is handed to the handler as `button` — still to be checked,
    like any callback data."""

    __slots__ = ("data",)

    def __init__(self, data: type[CallbackData]) -> None:
        self.data = data

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        if not replies_to_bot(message, bot):
            return False
        markup = message.reply_to_message.reply_markup  # type: ignore[union-attr]
        for row in markup.inline_keyboard if markup else ():
            for button in row:
                if button.callback_data and button.callback_data.startswith(
                    self.data.__prefix__ + ":"
                ):
                    try:
                        return {"button": self.data.unpack(button.callback_data)}
                    except (TypeError, ValueError):
                        return False
        return False


class _SpokenTo(Filter):
    """A group message, not a command, that replies to the bot or mentions it."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        if message.chat.type not in GROUP_TYPES:
            return False
        text = message.text or message.caption
        if text is not None and text.startswith("/"):
            return False
        return replies_to_bot(message, bot) or await mentions_bot(message, bot)


spoken_to_in_group = _SpokenTo()
