"""Bot API calls that survive Telegram's ordinary failures: 429 waits `retry_after` and tries
again; 5xx and network errors are retried with backoff. Permanent errors (400, 403) pass
through at once for the caller to record."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.types import ChatMember

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[Any]]

# One validated response class per Bot API method, built once and held for the process' life.
_RESPONSE_MODELS: dict[type[TelegramMethod[Any]], type[Response[Any]]] = {}


class KeepResponseModels(BaseRequestMiddleware):
    """aiogram validates each Bot API answer with ``Response[<the method's return type>]``.
    pydantic caches such generic classes only weakly, so every full garbage collection drops
    them and the next call builds the class again (~20 ms of CPU each time). Holding one class
    per method type keeps them built."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        kind = type(method)
        if kind not in _RESPONSE_MODELS:
            _RESPONSE_MODELS[kind] = Response[method.__returning__]
        return await make_request(bot, method)


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(
        self,
        *,
        sleep: Sleep = asyncio.sleep,
        max_flood_wait: float = 60.0,
        transient_retries: int = 2,
        backoff: float = 0.5,
    ) -> None:
        self.sleep = sleep
        self.max_flood_wait = max_flood_wait
        self.transient_retries = transient_retries
        self.backoff = backoff

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        waited, transient = 0.0, 0
        name = type(method).__name__
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if waited + error.retry_after > self.max_flood_wait:
                    raise
                log.warning("%s: flood control, retrying in %ss", name, error.retry_after)
                waited += error.retry_after
                await self.sleep(error.retry_after)
            except (TelegramServerError, TelegramNetworkError) as error:
                if transient >= self.transient_retries:
                    raise
                transient += 1
                delay = self.backoff * 2 ** (transient - 1)
                log.warning("%s: %s, retry %s in %.1fs", name, error, transient, delay)
                await self.sleep(delay)


async def chat_member(bot: Bot, chat_id: int, user_id: int) -> ChatMember | None:
    """The user's membership of the chat as Telegram tells it, or None (logged) if it would not
    say: callers then assume the least (not a member, not an administrator)."""
    try:
        return await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError as error:
        log.warning("getChatMember(%s, %s) failed: %s", chat_id, user_id, error)
        return None
