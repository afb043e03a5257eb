"""Filters that run in the event loop.

aiogram runs any filter that is not a coroutine (a bare ``F`` expression, a ``State``) through
``asyncio.to_thread``: one worker-thread round trip per check, and a message passes a dozen
checks on its way through the routers. Use :func:`where` for ``F`` rules and ``StateFilter``
for states; ``tests/e2e/test_hot_paths.py`` keeps it that way.
"""

from typing import Any

from aiogram import F
from aiogram.filters import Filter
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
