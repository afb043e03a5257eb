"""Tests for the fake Telegram Bot API server (tests/fakes/telegram_api.py).

Driven mostly through a real aiogram ``Bot`` (so the fake is checked against aiogram's own
request encoding and response parsing), with raw aiohttp where the wire format is the point.
No test sleeps for real time: waits are event driven (``wait_for``/``wait_until``/``drained``)
and rate limits run on a manual clock.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BufferedInputFile,
    ChatMemberAdministrator,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    ReplyParameters,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from tests.fakes.telegram_api import Chat, FakeTelegramAPI, UploadedFile, User
from tests.fakes.telegram_limits import LimitError, parse_html

ALICE = User(1001, "Alice", username="alice", language_code="en")
BOB = User(1002, "Bob", last_name="Builder")
CAROL = User(1003, "Carol")
WALL_TIME = 1_790_000_000  # what the fake reports as "now" in message dates
GROUP = Chat(-1001234567890, "supergroup", title="Planners of Peru")
FORUM = Chat(-1009876543210, "supergroup", title="Forum", is_forum=True)
ROOT = Path(__file__).resolve().parents[1]


class ManualClock:
    """A monotonic clock for the fake's rate limiter that only moves when told to."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def tg_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def fake(tg_clock: ManualClock) -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(clock=tg_clock, wall_clock=lambda: WALL_TIME + 0.5) as api:
        yield api


@pytest.fixture
async def bot(fake: FakeTelegramAPI) -> AsyncIterator[Bot]:
    session = fake.create_session()
    assert isinstance(session, AiohttpSession)
    assert session.api == TelegramAPIServer.from_base(fake.url)
    yield Bot(fake.token, session=session)
    await session.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@asynccontextmanager
async def serve(app: web.Application, path: str = "/") -> AsyncIterator[str]:
    """Run ``app`` on an ephemeral port; yields the URL of ``path``."""
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}{path}"
    finally:
        await runner.cleanup()


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in buttons]
    )


async def bad_request(coro: Any) -> str:
    with pytest.raises(TelegramBadRequest) as info:
        await coro
    return info.value.message


# -------------------------------------------------------------------------------------------
# Recording, decoding, wire formats
# -------------------------------------------------------------------------------------------


async def test_calls_are_recorded_with_decoded_params(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.text_update(ALICE, "hi")  # Alice starts the bot
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (fake.bot_id, "peerbot_test_bot", True)

    sent = await bot.send_message(
        ALICE.id,
        "123",
        disable_notification=True,
        protect_content=False,
        reply_markup=keyboard(("Yes", "vote:yes")),
    )

    call = fake.calls_to("sendMessage", chat_id=ALICE.id)[0]
    assert call.ok and call.status == 200 and call.source == "http"
    assert call.params["chat_id"] == ALICE.id  # "1001" -> int
    assert call.params["text"] == "123"  # text is never coerced
    assert call.params["disable_notification"] is True
    assert call.params["protect_content"] is False
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Yes", "callback_data": "vote:yes"}]]
    }
    assert isinstance(sent, Message)
    assert sent.text == "123" and sent.from_user is not None
    assert sent.from_user.id == fake.bot_id and sent.chat.id == ALICE.id
    assert call.result["message_id"] == sent.message_id == 2  # Alice's "hi" was message 1
    assert call.result["date"] == WALL_TIME and call["text"] == call.params["text"]
    assert fake.last_message(ALICE.id) == call.result
    assert fake.sent_messages() == [call.result]
    assert [c.method for c in fake.calls] == ["getMe", "sendMessage"]


async def test_raw_http_bodies_query_strings_and_case_insensitive_methods(
    fake: FakeTelegramAPI, http: aiohttp.ClientSession
) -> None:
    fake.allow_dm(ALICE.id)
    base = f"{fake.url}/bot{fake.token}"
    markup = '{"inline_keyboard": [[{"text": "Go", "url": "https://example.org"}]]}'

    async with http.post(
        f"{base}/SENDMESSAGE", json={"chat_id": ALICE.id, "text": "json body"}
    ) as resp:
        assert resp.status == 200 and (await resp.json())["ok"] is True
    async with http.post(
        f"{base}/sendmessage",
        data={"chat_id": str(ALICE.id), "text": "form", "reply_markup": markup},
    ) as resp:
        assert resp.status == 200
    async with http.get(
        f"{base}/sendMessage", params={"chat_id": str(ALICE.id), "text": "query"}
    ) as resp:
        assert resp.status == 200

    calls = fake.calls_to("sendMessage")
    assert [c.params["text"] for c in calls] == ["json body", "form", "query"]
    assert all(c.params["chat_id"] == ALICE.id for c in calls)
    assert calls[1].params["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://example.org"
    assert {c.method for c in fake.calls} == {"sendMessage"}


async def test_bad_token_and_unknown_method(
    fake: FakeTelegramAPI, http: aiohttp.ClientSession
) -> None:
    other_bot = "7000002:" + "A" * 35
    for token in ("123:short", other_bot, fake.token.replace(":", "-")):
        async with http.post(f"{fake.url}/bot{token}/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
    async with http.post(f"{fake.url}/bot{fake.token}/sendTelepathy") as resp:
        assert resp.status == 404
        assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}

    session = fake.create_session()
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await Bot("7000001:tooshort", session=session).get_me()
    finally:
        await session.close()
    assert [c.status for c in fake.calls] == [401, 401, 401, 404, 401]
    assert fake.calls[3].method == "sendTelepathy"


async def test_document_upload_is_recorded_with_bytes(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.allow_dm(ALICE)
    sent = await bot.send_document(
        ALICE.id,
        BufferedInputFile(b"BEGIN:VCALENDAR\r\n", filename="meetup.ics"),
        caption="<b>Your</b> invite",
        parse_mode="HTML",
    )

    upload = fake.calls_to("sendDocument")[0].params["document"]
    assert isinstance(upload, UploadedFile)
    assert (upload.filename, upload.content) == ("meetup.ics", b"BEGIN:VCALENDAR\r\n")
    assert sent.document is not None and sent.document.file_name == "meetup.ics"
    assert sent.document.file_size == len(upload.content)
    assert fake.uploads[sent.document.file_id] is upload
    assert sent.caption == "Your invite"

    resent = await bot.send_document(ALICE.id, sent.document.file_id)
    assert resent.document is not None and resent.document.file_id == sent.document.file_id
    message = await bad_request(
        bot.send_document(ALICE.id, BufferedInputFile(b"x", "x.txt"), caption="c" * 1025)
    )
    assert message == "Bad Request: message caption is too long"
    await bot.send_document(ALICE.id, BufferedInputFile(b"x", "x.txt"), caption="c" * 1024)


# -------------------------------------------------------------------------------------------
# getUpdates
# -------------------------------------------------------------------------------------------


async def test_dispatcher_polling_answers_start(fake: FakeTelegramAPI, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def on_start(message: Message) -> None:
        await message.answer(f"Hello, {message.from_user.first_name if message.from_user else ''}!")

    update = fake.enqueue(fake.text_update(ALICE, "/start"))
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    try:
        reply = await fake.wait_for("sendMessage", chat_id=ALICE.id)
        await fake.drained()
    finally:
        await dp.stop_polling()
        await polling

    assert reply.params["text"] == "Hello, Alice!"
    await fake.wait_until(lambda: fake.active_polls == 0)  # the server noticed the hang-up
    polls = fake.calls_to("getUpdates")
    assert polls[0].result[0]["update_id"] == update["update_id"]
    # the follow-up long poll confirmed the update and was cancelled by stop_polling()
    assert polls[-1].params["offset"] == update["update_id"] + 1
    assert polls[-1].status == 499
    assert "message" in polls[0].params["allowed_updates"]


async def test_get_updates_offset_limit_and_long_poll(fake: FakeTelegramAPI, bot: Bot) -> None:
    first, second, third = (fake.enqueue(fake.text_update(ALICE, f"m{i}")) for i in range(3))

    batch = await bot.get_updates(limit=2)
    assert [u.update_id for u in batch] == [first["update_id"], second["update_id"]]
    again = await bot.get_updates()  # nothing confirmed yet
    assert len(again) == 3
    rest = await bot.get_updates(offset=second["update_id"] + 1)
    assert [u.update_id for u in rest] == [third["update_id"]]
    assert await bot.get_updates(offset=third["update_id"] + 1, timeout=0) == []
    await fake.drained()

    poll = asyncio.create_task(bot.get_updates(offset=third["update_id"] + 1, timeout=30))
    await fake.wait_until(lambda: fake.active_polls == 1)
    assert not poll.done()
    fourth = fake.enqueue(fake.text_update(ALICE, "wake up"))
    woken = await asyncio.wait_for(poll, 5)
    assert [u.update_id for u in woken] == [fourth["update_id"]]
    assert woken[0].message is not None and woken[0].message.text == "wake up"


async def test_second_poller_terminates_the_first(
    fake: FakeTelegramAPI, bot: Bot, http: aiohttp.ClientSession
) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_until(lambda: fake.active_polls == 1)
    async with http.get(f"{fake.url}/bot{fake.token}/getUpdates") as resp:
        assert resp.status == 200
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await waiting


async def test_allowed_updates_filter_and_negative_offset(fake: FakeTelegramAPI, bot: Bot) -> None:
    message = fake.text_update(ALICE, "hello", GROUP)["message"]
    fake.enqueue(fake.callback(ALICE, message, "ignored"))
    kept = fake.enqueue(fake.text_update(ALICE, "kept", GROUP))
    fake.enqueue(fake.chat_member(GROUP, ALICE, BOB, "left", "member"))  # not in default set

    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.update_id for u in updates] == [kept["update_id"]]
    assert [next(k for k in u if k != "update_id") for u in fake.filtered_updates] == [
        "callback_query",
        "chat_member",
    ]

    for text in ("a", "b", "c"):
        fake.enqueue(fake.text_update(ALICE, text))
    last_two = await bot.get_updates(offset=-2)
    assert [u.message.text for u in last_two if u.message] == ["b", "c"]


# -------------------------------------------------------------------------------------------
# Webhook
# -------------------------------------------------------------------------------------------


async def test_webhook_posts_with_secret_and_retries(fake: FakeTelegramAPI, bot: Bot) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []

    async def receiver(request: web.Request) -> web.Response:
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        return web.Response(status=500 if len(received) == 1 else 200)

    app = web.Application()
    app.router.add_post("/hook", receiver)
    async with serve(app, "/hook") as url:
        assert await bot.set_webhook(url, secret_token="s3cr3t_-token")
        update = fake.enqueue(fake.text_update(ALICE, "/start"))
        await fake.drained()

        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()

    assert [body["update_id"] for body, _ in received] == [update["update_id"]] * 2
    assert {secret for _, secret in received} == {"s3cr3t_-token"}
    assert received[1][0]["message"]["text"] == "/start"
    assert [a.status for a in fake.webhook_attempts] == [500, 200]
    assert info.url == url and info.pending_update_count == 0
    assert info.last_error_message is not None and "500" in info.last_error_message

    assert await bot.delete_webhook()
    assert fake.calls_to("deleteWebhook")[0].description == "Webhook was deleted"
    assert await bot.get_updates() == []
    fake.enqueue(fake.text_update(ALICE, "stale"))
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []


async def test_webhook_gives_up_after_bounded_retries(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.webhook_max_attempts = 3

    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=502)

    app = web.Application()
    app.router.add_post("/", broken)
    async with serve(app) as url:
        await bot.set_webhook(url)
        update = fake.enqueue(fake.text_update(ALICE, "lost"))
        with pytest.raises(AssertionError, match="gave up"):
            await fake.drained()
    assert len(fake.webhook_attempts) == 3
    assert fake.dropped_updates == [update]


async def test_webhook_reply_from_aiogram_handler_is_executed(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> SendMessage:
        return message.answer(f"echo: {message.text}")  # answered inside the webhook response

    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token="tok").register(
        app, path="/tg"
    )
    async with serve(app, "/tg") as url:
        await bot.set_webhook(url, secret_token="tok")
        fake.enqueue(fake.text_update(ALICE, "ping"))
        reply = await fake.wait_for("sendMessage")
        await fake.drained()

    assert reply.source == "webhook_reply"
    assert reply.params == {"chat_id": ALICE.id, "text": "echo: ping"}
    assert fake.last_message(ALICE.id)["text"] == "echo: ping"


# -------------------------------------------------------------------------------------------
# Failure injection
# -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exception"),
    [
        ({"error_code": 429, "retry_after": 7}, TelegramRetryAfter),
        ({"error_code": 403, "description": "Forbidden: bot was kicked"}, TelegramForbiddenError),
        ({}, TelegramServerError),
        ({"error_code": 400, "description": "Bad Request: chat not found"}, TelegramBadRequest),
        ({"error_code": 400, "migrate_to_chat_id": -1009}, TelegramMigrateToChat),
    ],
)
async def test_injected_failures_map_to_aiogram_exceptions(
    fake: FakeTelegramAPI, bot: Bot, kwargs: dict[str, Any], exception: type[TelegramAPIError]
) -> None:
    fake.allow_dm(ALICE.id)
    fake.fail("sendMessage", **kwargs)

    with pytest.raises(exception) as info:
        await bot.send_message(ALICE.id, "hi")
    await bot.send_message(ALICE.id, "hi again")  # times=1: the next call succeeds

    failed, ok = fake.calls_to("sendMessage")
    assert failed.status == kwargs.get("error_code", 500) and not failed.ok and ok.ok
    if isinstance(info.value, TelegramRetryAfter):
        assert info.value.retry_after == 7
        assert failed.response["parameters"] == {"retry_after": 7}
        assert failed.description == "Too Many Requests: retry after 7"
    if isinstance(info.value, TelegramMigrateToChat):
        assert info.value.migrate_to_chat_id == -1009
    assert len(fake.sent_messages(ALICE.id)) == 1


async def test_failure_times_and_predicate(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.allow_dm(ALICE.id)
    fake.allow_dm(BOB.id)
    fake.fail("SENDMESSAGE", error_code=502, times=2, when=lambda p: p["chat_id"] == BOB.id)

    await bot.send_message(ALICE.id, "unaffected")
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_message(BOB.id, "flaky")
    await bot.send_message(BOB.id, "works now")
    assert [c.status for c in fake.calls_to("sendMessage")] == [200, 502, 502, 200]


async def test_delay_makes_the_client_time_out(fake: FakeTelegramAPI) -> None:
    fake.allow_dm(ALICE.id)
    session = fake.create_session(timeout=0.05)
    slow_bot = Bot(fake.token, session=session)
    fake.delay("sendMessage", 5.0)
    try:
        with pytest.raises(TelegramNetworkError, match="timeout"):
            await slow_bot.send_message(ALICE.id, "slow")
        await slow_bot.send_message(ALICE.id, "fast")
    finally:
        await session.close()
    # The delayed request was applied before the answer was held back, like a real timeout.
    assert [m["text"] for m in fake.sent_messages(ALICE.id)] == ["slow", "fast"]


# -------------------------------------------------------------------------------------------
# Chats, members, private conversations
# -------------------------------------------------------------------------------------------


async def test_private_messages_need_a_started_and_unblocked_user(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    fake.text_update(BOB, "hello group", GROUP)  # Bob is known, but never started the bot

    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(BOB.id, "psst")
    assert await bad_request(bot.send_message(424242, "who?")) == "Bad Request: chat not found"

    fake.allow_dm(BOB.id)
    await bot.send_message(BOB.id, "now allowed")
    fake.block(BOB.id)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(BOB.id, "blocked")
    fake.unblock(BOB.id)
    await bot.send_message(BOB.id, "unblocked")

    fake.text_update(CAROL, "/start")
    await bot.send_message(CAROL.id, "welcome")
    fake.my_chat_member(CAROL, CAROL, "member", "kicked")
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(CAROL.id, "still there?")
    assert [m["text"] for m in fake.sent_messages()] == ["now allowed", "unblocked", "welcome"]


async def test_chat_members_admins_and_bot_status(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.new_chat_members(GROUP, ALICE, [ALICE, BOB])
    fake.set_chat_member(GROUP, CAROL, "creator")
    fake.set_chat_member(GROUP.id, 2001, "administrator", can_pin_messages=False)
    fake.set_chat_member(GROUP.id, 2002, "restricted", can_send_messages=True)

    assert (await bot.get_chat_member(GROUP.id, ALICE.id)).status == "member"
    assert (await bot.get_chat_member(GROUP.id, 999)).status == "left"
    admin = await bot.get_chat_member(GROUP.id, 2001)
    assert isinstance(admin, ChatMemberAdministrator) and admin.can_pin_messages is False
    restricted = await bot.get_chat_member(GROUP.id, 2002)
    assert isinstance(restricted, ChatMemberRestricted) and restricted.can_send_messages
    admins = await bot.get_chat_administrators(GROUP.id)
    assert {type(a) for a in admins} == {ChatMemberOwner, ChatMemberAdministrator}
    assert await bot.get_chat_member_count(GROUP.id) == 6  # Alice, Bob, Carol, 2001, 2002, bot
    chat = await bot.get_chat(GROUP.id)
    assert (chat.title, chat.type) == ("Planners of Peru", "supergroup")

    fake.left_chat_member(GROUP, BOB, BOB)
    assert (await bot.get_chat_member(GROUP.id, BOB.id)).status == "left"
    fake.enqueue(fake.chat_member(GROUP, CAROL, BOB, "left", "kicked"))
    assert (await bot.get_chat_member(GROUP.id, BOB.id)).status == "kicked"

    fake.set_bot_status(GROUP, "administrator")
    assert (await bot.get_chat_member(GROUP.id, fake.bot_id)).status == "administrator"
    fake.set_bot_status(GROUP, "kicked")
    with pytest.raises(TelegramForbiddenError, match="kicked from the supergroup chat"):
        await bot.send_message(GROUP.id, "hello?")
    fake.set_bot_status(GROUP, "member")
    assert await bot.leave_chat(GROUP.id)
    with pytest.raises(TelegramForbiddenError, match="not a member"):
        await bot.send_message(GROUP.id, "hello?")


async def test_migrated_group_answers_with_new_chat_id(fake: FakeTelegramAPI, bot: Bot) -> None:
    old = Chat(-4001, "group", title="Old group")
    fake.text_update(ALICE, "hi", old)
    service = Update.model_validate(fake.migrate(old, -1004001, actor=ALICE)).message
    assert service is not None and service.migrate_to_chat_id == -1004001

    with pytest.raises(TelegramMigrateToChat) as info:
        await bot.send_message(old.id, "hello")
    assert info.value.migrate_to_chat_id == -1004001
    sent = await bot.send_message(-1004001, "hello")
    assert sent.chat.type == "supergroup"
    assert (await bot.get_chat_member(-1004001, ALICE.id)).status == "member"


async def test_replies_threads_and_deletion(fake: FakeTelegramAPI, bot: Bot) -> None:
    question = fake.text_update(ALICE, "Anyone?", FORUM, thread_id=7)["message"]
    assert question["is_topic_message"] is True

    reply = await bot.send_message(
        FORUM.id,
        "Me!",
        message_thread_id=7,
        reply_parameters=ReplyParameters(message_id=question["message_id"]),
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "Anyone?" and reply.message_thread_id == 7
    assert await bad_request(bot.send_message(FORUM.id, "?", reply_to_message_id=999)) == (
        "Bad Request: message to be replied not found"
    )
    lenient = await bot.send_message(
        FORUM.id,
        "ok",
        reply_parameters=ReplyParameters(message_id=999, allow_sending_without_reply=True),
    )
    assert lenient.reply_to_message is None

    assert await bot.delete_message(FORUM.id, reply.message_id)
    assert fake.is_deleted(FORUM.id, reply.message_id)
    assert await bad_request(bot.delete_message(FORUM.id, reply.message_id)) == (
        "Bad Request: message to delete not found"
    )
    assert await bad_request(bot.delete_message(FORUM.id, question["message_id"])) == (
        "Bad Request: message can't be deleted"
    )
    fake.set_bot_status(FORUM, "administrator")
    assert await bot.delete_message(FORUM.id, question["message_id"])


# -------------------------------------------------------------------------------------------
# Telegram limits
# -------------------------------------------------------------------------------------------


async def test_text_length_and_emptiness(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.allow_dm(ALICE.id)
    assert len((await bot.send_message(ALICE.id, "x" * 4096)).text or "") == 4096
    too_long = await bad_request(bot.send_message(ALICE.id, "x" * 4097))
    assert too_long == "Bad Request: message is too long"
    assert await bad_request(bot.send_message(ALICE.id, "")) == "Bad Request: message text is empty"
    assert await bad_request(bot.send_message(ALICE.id, " \n ")) == (
        "Bad Request: message text is empty"
    )
    assert await bad_request(bot.send_message(ALICE.id, "<b></b>", parse_mode="HTML")) == (
        "Bad Request: message text is empty"
    )
    assert await bad_request(bot.send_message(ALICE.id, "hi", parse_mode="BBCode")) == (
        "Bad Request: unsupported parse_mode"
    )


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("ёж <br> x", 'Unsupported start tag "br" at byte offset 5'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("AT&T", 'Unescaped "&" at byte offset 2'),
        ("&nbsp;", 'Unescaped "&" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<a>x</a>", 'Tag "a" must have attribute "href"'),
        ("<b class>x</b>", "Expected equal sign in declaration of an attribute of the tag"),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
async def test_invalid_html_is_refused(
    fake: FakeTelegramAPI, bot: Bot, html: str, error: str
) -> None:
    fake.allow_dm(ALICE.id)
    message = await bad_request(bot.send_message(ALICE.id, html, parse_mode="HTML"))
    assert message.startswith("Bad Request: can't parse entities: ")
    assert error in message


async def test_valid_html_is_parsed_into_text_and_entities(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.allow_dm(ALICE.id)
    html = (
        '<b>bold <i>both</i></b> <a href="https://e.org/?a=1&amp;b=2">link</a> '
        '<span class="tg-spoiler">s</span> <blockquote expandable>q</blockquote> '
        '<pre><code class="language-python">x = 1</code></pre> &lt;3 &#128512; &#x41;'
    )
    sent = await bot.send_message(ALICE.id, html, parse_mode="HTML")
    assert sent.text == "bold both link s q x = 1 <3 😀 A"
    entities = [(e.type, e.offset, e.length) for e in sent.entities or []]
    assert entities == [
        ("bold", 0, 9),
        ("italic", 5, 4),
        ("text_link", 10, 4),
        ("spoiler", 15, 1),
        ("expandable_blockquote", 17, 1),
        ("pre", 19, 5),
    ]
    assert sent.entities is not None
    assert (
        sent.entities[2].url == "https://e.org/?a=1&b=2" and sent.entities[5].language == "python"
    )

    # Length is counted on the visible text: tags and entities do not count.
    await bot.send_message(ALICE.id, "<b>" + "&lt;" * 4096 + "</b>", parse_mode="HTML")
    assert (
        await bad_request(
            bot.send_message(ALICE.id, "<b>" + "&lt;" * 4097 + "</b>", parse_mode="HTML")
        )
        == "Bad Request: message is too long"
    )


def test_parse_html_offsets_are_utf16() -> None:
    text, entities = parse_html("😀 <b>ёж</b> <u>x</u>")
    assert text == "😀 ёж x"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 2},
        {"type": "underline", "offset": 6, "length": 1},
    ]
    assert parse_html("AT&T", strict_ampersand=False) == ("AT&T", [])
    with pytest.raises(LimitError, match="byte offset 5"):
        parse_html("😀 <x>")


async def test_inline_keyboard_rules(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.allow_dm(ALICE.id)

    async def send(*buttons: InlineKeyboardButton) -> Message:
        markup = InlineKeyboardMarkup(inline_keyboard=[[b] for b in buttons])
        return await bot.send_message(ALICE.id, "pick", reply_markup=markup)

    await send(InlineKeyboardButton(text="ascii", callback_data="d" * 64))
    await send(InlineKeyboardButton(text="cyrillic", callback_data="я" * 32))  # 64 bytes
    for data in ("d" * 65, "я" * 32 + "d", ""):  # 65, 65 and 0 bytes
        assert await bad_request(send(InlineKeyboardButton(text="x", callback_data=data))) == (
            "Bad Request: BUTTON_DATA_INVALID"
        )
    await send(InlineKeyboardButton(text="site", url="https://example.org/path"))
    await send(InlineKeyboardButton(text="profile", url="tg://user?id=1001"))
    assert await bad_request(send(InlineKeyboardButton(text="x", url="ftp://example.org"))) == (
        "Bad Request: BUTTON_URL_INVALID"
    )
    assert "Text buttons are unallowed" in await bad_request(send(InlineKeyboardButton(text="x")))
    both = InlineKeyboardButton(text="x", callback_data="a", url="https://example.org")
    assert "exactly one" in await bad_request(send(both))
    many = [InlineKeyboardButton(text=str(i), callback_data=str(i)) for i in range(101)]
    assert await bad_request(send(*many)) == "Bad Request: reply markup is too long"
    await send(*many[:100])


async def test_edit_message_text_rules(fake: FakeTelegramAPI, bot: Bot) -> None:
    incoming = fake.text_update(ALICE, "hi")["message"]
    sent = await bot.send_message(
        ALICE.id, "<b>Status</b>: open", parse_mode="HTML", reply_markup=keyboard(("Close", "x"))
    )

    not_modified = await bad_request(
        bot.edit_message_text(
            "<b>Status</b>: open",
            chat_id=ALICE.id,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard(("Close", "x")),
        )
    )
    assert not_modified.startswith("Bad Request: message is not modified: specified new message")
    edited = await bot.edit_message_text(
        "Status: closed", chat_id=ALICE.id, message_id=sent.message_id
    )
    assert isinstance(edited, Message) and edited.edit_date is not None
    current = fake.last_message(ALICE.id)
    assert current["text"] == "Status: closed"
    assert "reply_markup" not in current and "entities" not in current  # edit dropped both

    assert (
        await bad_request(bot.edit_message_text("x", chat_id=ALICE.id, message_id=999))
        == "Bad Request: message to edit not found"
    )
    assert (
        await bad_request(
            bot.edit_message_text("x", chat_id=ALICE.id, message_id=incoming["message_id"])
        )
        == "Bad Request: message can't be edited"
    )
    assert await bad_request(
        bot.edit_message_reply_markup(chat_id=ALICE.id, message_id=sent.message_id)
    ) == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )


async def test_press_uses_current_markup_and_callback_answers(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    fake.allow_dm(ALICE.id)
    sent = await bot.send_message(ALICE.id, "RSVP?", reply_markup=keyboard(("Going", "rsvp:yes")))
    await bot.edit_message_reply_markup(
        chat_id=ALICE.id,
        message_id=sent.message_id,
        reply_markup=keyboard(("Cancel RSVP", "rsvp:no"), ("Maybe", "rsvp:maybe")),
    )

    message = fake.last_message(ALICE.id)
    press = fake.press(ALICE, message, "Cancel RSVP")
    query = Update.model_validate(press).callback_query
    assert query is not None and query.data == "rsvp:no"
    assert query.message is not None and query.message.message_id == sent.message_id
    with pytest.raises(AssertionError, match=r"available buttons: \['Cancel RSVP', 'Maybe'\]"):
        fake.press(ALICE, message, "Going")

    assert await bad_request(bot.answer_callback_query("123456")) == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    assert await bad_request(bot.answer_callback_query(query.id, text="x" * 201)) == (
        "Bad Request: MESSAGE_TOO_LONG"
    )
    assert await bot.answer_callback_query(query.id, text="Cancelled", show_alert=True)
    assert fake.callback_answers[query.id]["show_alert"] is True
    assert "query is too old" in await bad_request(bot.answer_callback_query(query.id))


async def test_set_my_commands_validation_and_scopes(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.text_update(ALICE, "hi", GROUP)
    for command, description, error in [
        ("Start", "Begin", "BOT_COMMAND_INVALID"),
        ("a" * 33, "Too long", "BOT_COMMAND_INVALID"),
        ("with-dash", "Nope", "BOT_COMMAND_INVALID"),
        ("start", "", "BOT_COMMAND_DESCRIPTION_INVALID"),
        ("start", "d" * 257, "BOT_COMMAND_DESCRIPTION_INVALID"),
    ]:
        commands = [BotCommand(command=command, description=description)]
        assert await bad_request(bot.set_my_commands(commands)) == f"Bad Request: {error}"
    too_many = [BotCommand(command=f"c{i}", description="d") for i in range(101)]
    assert await bad_request(bot.set_my_commands(too_many)) == "Bad Request: BOT_COMMANDS_TOO_MUCH"

    default = [
        BotCommand(command="start", description="Start"),
        BotCommand(command="help", description="Help"),
    ]
    group_ru = [BotCommand(command="meetups", description="Встречи")]
    chat_only = [BotCommand(command="admin", description="d" * 256)]
    await bot.set_my_commands(default)
    await bot.set_my_commands(group_ru, scope=BotCommandScopeAllGroupChats(), language_code="ru")
    await bot.set_my_commands(chat_only, scope=BotCommandScopeChat(chat_id=GROUP.id))

    assert [c["command"] for c in fake.commands()] == ["start", "help"]
    assert fake.commands("all_group_chats") == []
    assert fake.commands("all_group_chats", "ru") == [
        {"command": "meetups", "description": "Встречи"}
    ]
    assert [c["command"] for c in fake.commands("chat", chat_id=GROUP.id)] == ["admin"]
    fetched = await bot.get_my_commands(scope=BotCommandScopeAllGroupChats(), language_code="ru")
    assert [(c.command, c.description) for c in fetched] == [("meetups", "Встречи")]
    assert await bot.delete_my_commands()
    assert fake.commands() == [] and await bot.get_my_commands() == []
    assert (
        await bad_request(bot.set_my_commands(default, scope=BotCommandScopeChat(chat_id=-1)))
        == "Bad Request: chat not found"
    )


async def test_answer_inline_query_rules(fake: FakeTelegramAPI, bot: Bot) -> None:
    def article(result_id: str) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(
            id=result_id, title="t", input_message_content=InputTextMessageContent(message_text="m")
        )

    update = Update.model_validate(fake.inline_query(ALICE, "meetups"))
    assert update.inline_query is not None
    query_id = update.inline_query.id
    cases = [
        ([article(str(i)) for i in range(51)], "Bad Request: RESULTS_TOO_MUCH"),
        ([article("a"), article("a")], "Bad Request: RESULT_ID_DUPLICATE"),
        ([article("я" * 33)], "Bad Request: RESULT_ID_INVALID"),  # 66 bytes
    ]
    for results, error in cases:
        assert await bad_request(bot.answer_inline_query(query_id, results)) == error
    assert await bot.answer_inline_query(query_id, [article(str(i)) for i in range(50)])
    assert len(fake.inline_answers[query_id]) == 50
    assert "query is too old" in await bad_request(bot.answer_inline_query(query_id, []))


async def test_group_rate_limit_follows_the_fake_clock(
    fake: FakeTelegramAPI, bot: Bot, tg_clock: ManualClock
) -> None:
    fake.text_update(ALICE, "hi", GROUP)
    for i in range(20):
        await bot.send_message(GROUP.id, f"message {i}")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(GROUP.id, "message 20")
    assert info.value.retry_after == 3  # 20 per minute -> one token every 3 s
    assert fake.rate_limited_calls == 1
    assert fake.rate_limiter is not None and fake.rate_limiter.limited_by_chat == {GROUP.id: 1}
    assert fake.calls_to("sendMessage")[-1].response["parameters"] == {"retry_after": 3}

    tg_clock.advance(2.9)
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(GROUP.id, "still too early")
    tg_clock.advance(0.1)
    await bot.send_message(GROUP.id, "message 20")
    assert len(fake.sent_messages(GROUP.id)) == 21


async def test_private_burst_and_disabled_limits(
    fake: FakeTelegramAPI, bot: Bot, tg_clock: ManualClock
) -> None:
    fake.allow_dm(ALICE.id)
    for _ in range(5):
        await bot.send_message(ALICE.id, "burst")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(ALICE.id, "one too many")
    assert info.value.retry_after == 1
    tg_clock.advance(1)
    await bot.send_message(ALICE.id, "after a second")
    await bot.send_chat_action(ALICE.id, "typing")  # chat actions are not rate limited

    async with FakeTelegramAPI(rate_limits=None) as unlimited:
        unlimited.allow_dm(ALICE.id)
        session = unlimited.create_session()
        try:
            other = Bot(unlimited.token, session=session)
            for _ in range(40):
                await other.send_message(ALICE.id, "no limits")
        finally:
            await session.close()
        assert unlimited.rate_limited_calls == 0 and len(unlimited.sent_messages()) == 40


# -------------------------------------------------------------------------------------------
# Builders, waiting helpers, misc methods, standalone mode
# -------------------------------------------------------------------------------------------


async def test_builders_produce_updates_aiogram_accepts(fake: FakeTelegramAPI) -> None:
    command = fake.text_update(ALICE, "/start@peerbot_test_bot payload", GROUP)
    message = command["message"]
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 23}]
    reply = fake.text_update(BOB, "agreed", GROUP, reply_to=command)  # an Update works too
    callback = fake.callback(ALICE, message, "data")
    builders: list[dict[str, Any]] = [
        command,
        reply,
        fake.sticker_message(ALICE),
        fake.photo_message(ALICE, GROUP, caption="look"),
        fake.new_chat_members(GROUP, ALICE, [BOB, fake.bot_user]),
        fake.left_chat_member(GROUP, BOB, BOB),
        fake.chat_member(GROUP, ALICE, BOB, "member", "restricted"),
        fake.my_chat_member(GROUP, ALICE, "member", "administrator"),
        fake.migrate(Chat(-77, "group", title="Tiny"), -10077),
        callback,
        fake.inline_query(ALICE, "q", offset="10"),
        fake.enqueue({"message": {**message, "text": "raw dict"}}),
    ]
    parsed = [Update.model_validate(update) for update in builders]

    ids = [u.update_id for u in parsed]
    assert len(set(ids)) == len(ids) and ids[-1] == max(ids)  # enqueue() assigned the newest
    assert parsed[1].message is not None and parsed[1].message.reply_to_message is not None
    assert parsed[1].message.reply_to_message.message_id == message["message_id"]
    assert parsed[2].message is not None and parsed[2].message.chat.type == "private"
    assert parsed[6].chat_member is not None
    assert parsed[6].chat_member.new_chat_member.status == "restricted"
    assert parsed[7].my_chat_member is not None
    assert parsed[7].my_chat_member.new_chat_member.user.id == fake.bot_id
    assert parsed[9].callback_query is not None and parsed[9].callback_query.data == "data"
    assert parsed[10].inline_query is not None and parsed[10].inline_query.offset == "10"
    assert fake.message(GROUP.id, message["message_id"])["text"] == message["text"]


async def test_wait_for_returns_successive_calls(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.allow_dm(ALICE.id)
    fake.allow_dm(BOB.id)
    await bot.send_message(ALICE.id, "one")
    await bot.send_message(BOB.id, "for bob")

    bobs = await fake.wait_for("sendMessage", lambda call: call["chat_id"] == BOB.id)
    assert bobs.params["text"] == "for bob"
    assert (await fake.wait_for("sendMessage")).params["text"] == "one"  # bob's was consumed
    later = asyncio.create_task(fake.wait_for("sendMessage", count=2, chat_id=ALICE.id))
    await bot.send_message(ALICE.id, "two")
    assert not later.done()  # only one of the two awaited calls has happened
    await bot.send_message(ALICE.id, "three")
    assert (await later).params["text"] == "three"

    with pytest.raises(AssertionError, match="timed out after 0s waiting for 1 successful"):
        await fake.wait_for("sendMessage", timeout=0)
    fake.clear_calls()
    assert fake.calls == []
    assert len(fake.sent_messages(ALICE.id)) == 3  # sent messages are world state, not calls


async def test_misc_methods_return_parseable_results(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.text_update(ALICE, "hi")
    assert await bot.send_chat_action(ALICE.id, "typing")
    assert await bad_request(bot.send_chat_action(ALICE.id, "dancing")) == (
        "Bad Request: wrong parameter action in request"
    )
    assert await bot.set_my_description("Keeps communities alive")
    assert (await bot.get_my_description()).description == "Keeps communities alive"
    assert await bot.set_my_short_description("Peer learning", language_code="en")
    assert (await bot.get_my_short_description("en")).short_description == "Peer learning"
    assert (await bot.get_chat(ALICE.id)).first_name == "Alice"
    assert await bot.get_chat_member_count(ALICE.id) == 2
    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 0
    photo = await bot.send_photo(ALICE.id, BufferedInputFile(b"\x89PNG", "p.png"), caption="pic")
    assert photo.photo is not None and len(photo.photo) == 2
    assert await bot.log_out() and await bot.close()


async def test_standalone_process_serves_until_sigterm(http: aiohttp.ClientSession) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.telegram_api",
        "--port",
        "0",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), 20)).decode().strip()
        token = (await process.stdout.readline()).decode().strip()
        assert url.startswith("http://127.0.0.1:")
        async with http.get(f"{url}/bot{token}/getMe") as resp:
            body = await resp.json()
        assert body["ok"] is True and body["result"]["username"] == "peerbot_test_bot"
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 10)
    assert code == 0
