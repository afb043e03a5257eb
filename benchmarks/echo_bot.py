"""A bare aiogram 3 bot: the baseline that ``benchmarks.throughput`` measures peerbot against.

One message handler that echoes every message (private and group alike) and one callback
handler; no database, no middlewares, no FSM work. It is configured like peerbot, from the
environment: BOT_TOKEN, TELEGRAM_API_URL, TASKS_CONCURRENCY_LIMIT (default 100) and LOG_LEVEL
(default WARNING). It polls with the same settings peerbot uses (``handle_as_tasks=True`` and a
bounded ``tasks_concurrency_limit``) and stops on SIGTERM/SIGINT.

Run: ``python -m benchmarks.echo_bot``
"""

import asyncio
import logging
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message

# Ask for the same update types peerbot receives in the benchmark, so both bots get the very
# same stream (a bot that did not ask for my_chat_member would never see that update).
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def create_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "ok")

    @dp.callback_query()
    async def on_callback(query: CallbackQuery) -> None:
        await query.answer()

    return dp


async def run() -> None:
    token = os.environ["BOT_TOKEN"]
    api_url = os.environ.get("TELEGRAM_API_URL", "").strip().rstrip("/")
    limit = int(os.environ.get("TASKS_CONCURRENCY_LIMIT", "100"))
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url)) if api_url else None
    bot = Bot(token, session=session)
    await create_dispatcher().start_polling(
        bot,
        handle_as_tasks=True,
        tasks_concurrency_limit=limit,
        allowed_updates=ALLOWED_UPDATES,
        close_bot_session=True,
    )


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(run())


if __name__ == "__main__":
    main()
