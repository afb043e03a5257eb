"""Filters that run in the event loop.

aiogram runs any filter that is not a coroutine (a bare ``F`` expression, a ``State``) through
``asyncio.to_thread``: one worker-thread round trip per check, and a message passes a dozen
checks on its way through the routers. Use :func:`where` for ``F`` rules and ``StateFilter``
for states; ``tests/e2e/test_hot_paths.py`` keeps it that way.
"""

from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import TelegramObject
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
