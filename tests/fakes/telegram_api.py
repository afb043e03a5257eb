"""An in-process fake of the Telegram Bot API for peerbot's tests.

It is a real HTTP server (aiohttp, 127.0.0.1, ephemeral port), so the bot talks to it through
its normal aiogram session: ``Bot(fake.token, session=fake.create_session())`` or
``AiohttpSession(api=TelegramAPIServer.from_base(fake.url))``. All state mutation happens
synchronously inside a request, so a request is either fully applied or not at all.

Lifecycle
    ``FakeTelegramAPI(*, bot_id=7000001, bot_username="peerbot_test_bot",
    bot_first_name="PeerBot", clock=time.monotonic, rate_limits=RateLimits(),
    strict_html_ampersand=True, webhook_retry_delay=0.01, webhook_max_attempts=5,
    webhook_timeout=10.0, wall_clock=time.time)`` - ``clock`` (monotonic seconds) drives only the
    rate limiter; ``wall_clock`` (unix seconds) gives message/update ``date`` fields.
    ``await fake.start(host="127.0.0.1", port=0)`` / ``await fake.stop()`` or
    ``async with FakeTelegramAPI() as fake``. ``fake.url``, ``fake.token`` (valid token for the
    bot), ``fake.bot_user`` (the bot as a :class:`User`), ``fake.create_session(**kw)`` (an aiogram
    ``AiohttpSession`` pointed at the fake whose ``close()`` skips aiogram's 250 ms sleep).

Update builders (return Bot API ``Update`` dicts and register chats/users/query ids; they do
NOT enqueue - pass the result to ``fake.enqueue``):
    ``text_update(user, text, chat=None, *, thread_id=None, reply_to=None, entities=None)``
    (``/cmd`` and ``/cmd@bot`` get a ``bot_command`` entity), ``sticker_message(user, chat=None)``,
    ``photo_message(user, chat=None, caption=None)``, ``new_chat_members(chat, actor, members)``,
    ``left_chat_member(chat, actor, member)``,
    ``chat_member(chat, actor, member, old_status, new_status)``,
    ``my_chat_member(chat, actor, old_status, new_status)`` (chat may be a :class:`User` for the
    private chat; ``kicked`` there means "user blocked the bot"),
    ``migrate(chat, new_chat_id, actor=None)``, ``callback(user, message, data)``,
    ``press(user, message, button_text)`` (uses the message's CURRENT inline keyboard),
    ``inline_query(user, query, offset="", *, chat_type=None)``. Where a message is expected
    (``reply_to``, ``callback``, ``press``) an Update dict wrapping it works too. Users and chats
    are the frozen dataclasses :class:`User` and :class:`Chat` (``Chat(id, type, title=None,
    is_forum=False, username=None)``; private chats come from the user). A message sent in a
    private chat marks its user as having started the bot; a group message makes its sender a
    "member" of that group.

Update delivery
    ``enqueue(update)``; ``getUpdates`` honours offset/limit/timeout (long poll) and
    ``allowed_updates`` (Telegram's default excludes chat_member/message_reaction*; updates of
    types the bot did not ask for are dropped into ``fake.filtered_updates`` with a warning).
    After ``setWebhook`` updates are POSTed (one at a time, in order) with the
    ``X-Telegram-Bot-Api-Secret-Token`` header and retried on non-2xx/connection errors; a
    webhook reply that contains a method (JSON or aiogram's multipart) is executed, like
    Telegram does. ``await fake.drained(timeout=5)`` waits until every enqueued update was
    confirmed (later offset) or delivered (2xx). ``fake.webhook_attempts``,
    ``fake.dropped_updates``.

Recording and waiting
    ``fake.calls: list[Call]`` (every request, failed ones too; ``Call.method/params/response/
    status/source/at`` (``at``: when it was answered, on ``clock``) plus ``.ok``, ``.result``,
    ``.description`` and ``call["text"]`` as shorthand for ``call.params["text"]``),
    ``calls_to(method, **params)``,
    ``await wait_for(method, predicate=None, timeout=5.0, *, count=1, **params)`` (``predicate``
    gets the :class:`Call`; returns the oldest successful matching call not yet returned by a
    previous ``wait_for``; ``count=n`` waits for n of them and returns the n-th; AssertionError
    listing the recorded calls on timeout), ``await wait_until(predicate, timeout=5.0)``,
    ``clear_calls()``, ``sent_messages(chat_id=None)``, ``last_message(chat_id)``,
    ``message(chat_id, message_id)``, ``is_deleted(chat_id, message_id)``,
    ``commands(scope_type="default", language_code="", *, chat_id=None, user_id=None)``,
    ``callback_answers``, ``inline_answers``, ``uploads``, ``rate_limited_calls``,
    ``rate_limiter`` (per-chat counters), ``active_polls``, ``pending_updates``,
    ``filtered_updates``. Requests cancelled by the client mid long-poll are recorded with
    status 499.

World state and failure injection
    ``allow_dm(user)``, ``block(user_id)``, ``unblock(user_id)``,
    ``set_chat_member(chat, user, status, **extra)``, ``set_bot_status(chat, status, **extra)``,
    ``fail(method, *, error_code=500, description=None, retry_after=None,
    migrate_to_chat_id=None, times=1, when=None)``,
    ``delay(method, seconds, times=1, *, before_processing=False)`` (by default the request is
    applied first and only the answer is late - the "message sent but client timed out" case).

Supported methods: getMe, logOut, close, getUpdates, setWebhook, deleteWebhook, getWebhookInfo,
sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage, answerCallbackQuery,
answerInlineQuery, sendDocument, sendPhoto, sendChatAction, getChat, getChatMember,
getChatAdministrators, getChatMemberCount, setMyCommands, getMyCommands, deleteMyCommands,
setMyDescription, getMyDescription, setMyShortDescription, getMyShortDescription, setMyName,
getMyName, leaveChat. Limits and HTML validation live in ``tests.fakes.telegram_limits``.

Deliberate differences from Telegram: http webhook URLs are accepted; a stray ``&`` in HTML is
an error (Telegram keeps it literally) unless ``strict_html_ampersand=False``; getChatMember for
a user the fake never saw answers "left" instead of "user not found"; MarkdownV2 is not parsed
(its length is counted on the raw text); callback queries never expire.

Standalone: ``python -m tests.fakes.telegram_api --port 0`` prints the URL (first line) and a
valid token (second line) and serves until SIGTERM/SIGINT; ``POST /_fake/enqueue`` (JSON update)
and ``GET /_fake/calls`` are available for manual poking.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import functools
import inspect
import itertools
import json
import logging
import re
import secrets
import signal
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

import aiohttp
from aiohttp import web

from tests.fakes.telegram_limits import (
    NOT_MODIFIED,
    FormattedText,
    LimitError,
    RateLimiter,
    RateLimits,
    format_text,
    same_markup,
    validate_commands,
    validate_inline_results,
    validate_reply_markup,
)

if TYPE_CHECKING:  # aiogram takes seconds to import; the standalone server does not need it
    from aiogram.client.session.aiohttp import AiohttpSession

__all__ = [
    "Call",
    "Chat",
    "FakeTelegramAPI",
    "RateLimits",
    "UploadedFile",
    "User",
    "WebhookAttempt",
]

logger = logging.getLogger(__name__)

DEFAULT_RATE_LIMITS = RateLimits()
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
DEFAULT_UPDATE_TYPES_EXCLUDED = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
_TOKEN_RE = re.compile(r"^(\d+):[A-Za-z0-9_-]{30,}$")
_COMMAND_PREFIX = re.compile(r"^/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)
_SCOPE_TYPES = frozenset(
    [
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    ]
)

# --- request decoding tables ---------------------------------------------------------------
JSON_FIELDS = frozenset(
    [
        "reply_markup",
        "commands",
        "scope",
        "results",
        "entities",
        "caption_entities",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "media",
        "button",
        "options",
        "permissions",
        "explanation_entities",
        "question_entities",
        "rights",
        "menu_button",
        "prices",
        "shipping_options",
        "reaction",
        "message_ids",
        "input_message_content",
        "mask_position",
        "stickers",
        "sticker_set",
    ]
)
INT_FIELDS = frozenset(
    [
        "chat_id",
        "user_id",
        "message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "from_chat_id",
        "reply_to_message_id",
        "cache_time",
        "max_connections",
        "retry_after",
        "until_date",
        "duration",
        "width",
        "height",
        "sender_chat_id",
        "direct_messages_topic_id",
        "story_id",
        "from_story_id",
        "member_limit",
        "expire_date",
        "open_period",
        "close_date",
        "live_period",
        "heading",
        "proximity_alert_radius",
        "score",
        "correct_option_id",
        "icon_color",
        "star_count",
        "subscription_period",
        "subscription_price",
        "actor_chat_id",
        "new_owner_chat_id",
        "receiver_user_id",
        "draft_id",
    ]
)
FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
BOOL_FIELDS = frozenset({"force", "ok", "is_big", "for_channels"})
BOOL_PREFIXES = tuple(
    [
        "is_",
        "can_",
        "has_",
        "disable_",
        "allow_",
        "allows_",
        "show_",
        "only_",
        "drop_",
        "protect_",
        "need_",
        "send_",
        "exclude_",
        "supports_",
        "revoke_",
        "hide_",
        "keep_",
        "remove_",
        "pay_",
        "post_",
        "use_",
        "creates_",
        "sort_",
        "shuffle_",
        "members_",
    ]
)
_INT_RE = re.compile(r"^-?\d+$")


# --------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """A Telegram user to build updates with."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class Chat:
    """A group/supergroup/channel chat. Private chats are derived from the :class:`User`."""

    id: int
    type: str
    title: str | None = None
    is_forum: bool = False
    username: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title is not None:
            data["title"] = self.title
        if self.username is not None:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (``attach://...`` references are resolved to it)."""

    field: str
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Call:
    """One request to the fake, as recorded (decoded params and the JSON that was answered)."""

    method: str
    params: dict[str, Any]
    response: dict[str, Any]
    status: int
    source: str = "http"  # "http" or "webhook_reply"
    at: float = 0.0  # when it was answered, on the fake's (rate-limit) clock

    def __getitem__(self, key: str) -> Any:
        """``call["text"]`` is shorthand for ``call.params["text"]``."""
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        return self.response.get("description")


@dataclass(frozen=True)
class WebhookAttempt:
    """One POST of an update to the webhook (``status`` is None on connection errors)."""

    update_id: int
    url: str
    status: int | None
    error: str | None


@dataclass
class _Failure:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    migrate_to_chat_id: int | None
    remaining: int
    when: Callable[[dict[str, Any]], bool] | None

    def response(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        parameters: dict[str, Any] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


@dataclass
class _Delay:
    method: str
    seconds: float
    remaining: int
    before_processing: bool


@dataclass
class _StoredMessage:
    data: dict[str, Any]
    from_bot: bool
    deleted: bool = False


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int


@dataclass(frozen=True)
class _Described:
    """A handler result whose response also carries a ``description``."""

    result: Any
    description: str


class _Pulse:
    """Condition-variable-like wake-up: ``fire()`` is synchronous, waiters re-check a predicate.

    (``asyncio.Condition.notify_all`` needs its lock held, which synchronous request handling
    code cannot take; this keeps the same "wait until predicate" semantics without polling.)
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], limit: float | None) -> None:
        """Return once ``predicate()`` is true; raise ``TimeoutError`` after ``limit`` s."""
        async with asyncio.timeout(limit):
            while not predicate():
                await self._event.wait()


def _api_error(error_code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": error_code, "description": description}


def _default_description(error_code: int, retry_after: int | None) -> str:
    if error_code == 429:
        return f"Too Many Requests: retry after {retry_after or 1}"
    return {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        409: "Conflict",
        413: "Request Entity Too Large",
        502: "Bad Gateway",
    }.get(error_code, "Internal Server Error")


def _decode_value(key: str, value: Any) -> Any:
    """Turn a form/query string into the Python value Telegram would see."""
    if not isinstance(value, str):
        return value
    if key in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            raise LimitError(f"Bad Request: can't parse {key} JSON object") from None
    if key in INT_FIELDS and _INT_RE.match(value):
        return int(value)
    if key in FLOAT_FIELDS:
        try:
            return float(value)
        except ValueError:
            raise LimitError(f"Bad Request: field {key} must be a Float") from None
    if (key in BOOL_FIELDS or key.startswith(BOOL_PREFIXES)) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _resolve_attachments(value: Any, files: Mapping[str, UploadedFile], used: set[str]) -> Any:
    if isinstance(value, str) and value.startswith("attach://"):
        name = value.removeprefix("attach://")
        if name in files:
            used.add(name)
            return files[name]
        return value
    if isinstance(value, list):
        return [_resolve_attachments(item, files, used) for item in value]
    if isinstance(value, dict):
        return {k: _resolve_attachments(v, files, used) for k, v in value.items()}
    return value


def decode_params(raw: Mapping[str, Any], files: Mapping[str, UploadedFile]) -> dict[str, Any]:
    """Decode raw request fields and resolve uploaded files (``attach://name`` or by field)."""
    params = {key: _decode_value(key, value) for key, value in raw.items()}
    used: set[str] = set()
    params = {key: _resolve_attachments(value, files, used) for key, value in params.items()}
    for name, upload in files.items():
        if name not in used and name not in params:
            params[name] = upload
    return params


async def _read_multipart(
    reader: aiohttp.MultipartReader,
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    while (part := await reader.next()) is not None:
        if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
            continue
        data = bytes(await part.read(decode=True))
        if part.filename is not None:
            content_type = part.headers.get(aiohttp.hdrs.CONTENT_TYPE, "application/octet-stream")
            files[part.name] = UploadedFile(part.name, part.filename, data, content_type)
        else:
            fields[part.name] = data.decode(part.get_charset(default="utf-8"))
    return fields, files


def _update_type(update: Mapping[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def _jsonable(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        return {"filename": value.filename, "size": len(value.content)}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


@functools.cache
def _quick_close_session_class() -> type[AiohttpSession]:
    from aiogram.client.session.aiohttp import AiohttpSession

    class QuickCloseSession(AiohttpSession):
        """aiogram's session minus the unconditional ``asyncio.sleep(0.25)`` in ``close()``."""

        async def close(self) -> None:
            if self._session is not None and not self._session.closed:
                await self._session.close()

    return QuickCloseSession


# --------------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------------


class FakeTelegramAPI:
    """Fake Telegram Bot API server; see the module docstring for the full API."""

    def __init__(
        self,
        *,
        bot_id: int = 7000001,
        bot_username: str = "peerbot_test_bot",
        bot_first_name: str = "PeerBot",
        clock: Callable[[], float] = time.monotonic,
        rate_limits: RateLimits | None = DEFAULT_RATE_LIMITS,
        strict_html_ampersand: bool = True,
        webhook_retry_delay: float = 0.01,
        webhook_max_attempts: int = 5,
        webhook_timeout: float = 10.0,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.clock = clock
        self.wall_clock = wall_clock
        self.strict_html_ampersand = strict_html_ampersand
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_timeout = webhook_timeout
        self.token = f"{bot_id}:" + "".join(
            secrets.choice(string.ascii_letters + string.digits + "_-") for _ in range(35)
        )
        self.rate_limiter = RateLimiter(rate_limits, clock) if rate_limits is not None else None

        self.calls: list[Call] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.inline_answers: dict[str, list[dict[str, Any]]] = {}
        self.uploads: dict[str, UploadedFile] = {}
        self.webhook_attempts: list[WebhookAttempt] = []
        self.dropped_updates: list[dict[str, Any]] = []
        self.filtered_updates: list[dict[str, Any]] = []
        self.active_polls = 0

        self._consumed: set[int] = set()
        self._pulse = _Pulse()
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._started: set[int] = set()
        self._blocked: set[int] = set()
        self._members: dict[int, dict[int, dict[str, Any]]] = {}
        self._seen: dict[int, set[int]] = {}
        self._migrated: dict[int, int] = {}
        self._messages: dict[int, dict[int, _StoredMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self._sent_order: list[tuple[int, int]] = []
        self._callbacks: dict[str, bool] = {}
        self._inline_queries: dict[str, bool] = {}
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._texts: dict[tuple[str, str], str] = {}
        self._failures: list[_Failure] = []
        self._delays: list[_Delay] = []
        self._pending: list[dict[str, Any]] = []
        self._allowed_updates: list[str] | None = None
        self._update_ids = itertools.count(100_001)
        self._query_ids = itertools.count(4_000_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._poll_generation = 0
        self._webhook: _Webhook | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.url = ""

        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._get_me,
            "logOut": lambda _p: True,
            "close": lambda _p: True,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "leaveChat": self._leave_chat,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": lambda p: self._set_text(p, "description", 512),
            "getMyDescription": lambda p: self._get_text(p, "description"),
            "setMyShortDescription": lambda p: self._set_text(p, "short_description", 120),
            "getMyShortDescription": lambda p: self._get_text(p, "short_description"),
            "setMyName": lambda p: self._set_text(p, "name", 64),
            "getMyName": lambda p: self._get_text(p, "name"),
        }
        self._canonical = {name.lower(): name for name in self._handlers}

    # ---------------------------------------------------------------- lifecycle

    async def start(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind the HTTP server (ephemeral port by default) and start webhook delivery."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_post("/_fake/enqueue", self._handle_control_enqueue)
        app.router.add_get("/_fake/calls", self._handle_control_calls)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.url = f"http://{bound_host}:{bound_port}"
        self._closing = False
        self._webhook_task = asyncio.create_task(self._webhook_loop(), name="fake-tg-webhook")

    async def stop(self) -> None:
        """Wake long polls, stop webhook delivery and shut the server down."""
        self._closing = True
        self._pulse.fire()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def create_session(self, **kwargs: Any) -> AiohttpSession:
        """An aiogram ``AiohttpSession`` for this fake (its ``close()`` does not sleep)."""
        from aiogram.client.telegram import TelegramAPIServer

        session_class = _quick_close_session_class()
        return session_class(api=TelegramAPIServer.from_base(self.url), **kwargs)

    def _now(self) -> int:
        """Unix time for ``date`` fields (``wall_clock``, not the rate-limit ``clock``)."""
        return int(self.wall_clock())

    @property
    def bot_user(self) -> User:
        return User(self.bot_id, self.bot_first_name, username=self.bot_username, is_bot=True)

    # ---------------------------------------------------------------- HTTP layer

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return web.json_response(_api_error(404, "Not Found"), status=404)

    async def _handle_control_enqueue(self, request: web.Request) -> web.Response:
        update = self.enqueue(await request.json())
        return web.json_response({"ok": True, "result": update["update_id"]})

    async def _handle_control_calls(self, request: web.Request) -> web.Response:
        calls = [
            {
                "method": c.method,
                "params": _jsonable(c.params),
                "status": c.status,
                "response": c.response,
            }
            for c in self.calls
        ]
        return web.json_response(calls)

    async def _handle_api(self, request: web.Request) -> web.Response:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        body_error: str | None = None
        if request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    body_error = "Bad Request: can't parse JSON body"
                else:
                    if isinstance(body, dict):
                        raw.update(body)
                    else:
                        body_error = "Bad Request: JSON body must be an object"
            elif content_type == "multipart/form-data":
                fields, files = await _read_multipart(await request.multipart())
                raw.update(fields)
            else:
                form = await request.post()
                raw.update({k: v for k, v in form.items() if isinstance(v, str)})
        token = request.match_info["token"]
        match = _TOKEN_RE.match(token)
        token_ok = match is not None and int(match.group(1)) == self.bot_id
        status, body = await self._dispatch(
            request.match_info["method"], raw, files, token_ok=token_ok, body_error=body_error
        )
        return web.json_response(body, status=status)

    async def _dispatch(
        self,
        raw_method: str,
        raw: dict[str, Any],
        files: Mapping[str, UploadedFile],
        *,
        token_ok: bool = True,
        body_error: str | None = None,
        source: str = "http",
    ) -> tuple[int, dict[str, Any]]:
        method = self._canonical.get(raw_method.lower(), raw_method)
        params: dict[str, Any] = dict(raw)
        delay: _Delay | None = None
        if not token_ok:
            status, body = 401, _api_error(401, "Unauthorized")
        elif method not in self._handlers:
            status, body = 404, _api_error(404, "Not Found")
        else:
            try:
                if body_error is not None:
                    raise LimitError(body_error)
                params = decode_params(raw, files)
                delay = self._take_delay(method, params)
                if delay is not None and delay.before_processing:
                    await asyncio.sleep(delay.seconds)
                failure = self._take_failure(method, params)
                if failure is not None:
                    status, body = failure.error_code, failure.response()
                else:
                    result = self._handlers[method](params)
                    if inspect.isawaitable(result):
                        try:
                            result = await result
                        except asyncio.CancelledError:  # client went away mid long-poll
                            body = _api_error(499, "Client Closed Request")
                            call = Call(method, params, body, 499, source, self.clock())
                            self.calls.append(call)
                            self._pulse.fire()
                            raise
                    status, body = 200, {"ok": True, "result": result}
                    if isinstance(result, _Described):
                        body = {"ok": True, "result": result.result}
                        body["description"] = result.description
            except LimitError as error:
                status, body = error.error_code, _api_error(error.error_code, error.description)
                if error.parameters:
                    body["parameters"] = error.parameters
            except Exception:  # a bug in the fake must not look like a Telegram success
                logger.exception("fake Telegram API crashed handling %s", method)
                status, body = 500, _api_error(500, "Internal Server Error: fake crashed")
        self.calls.append(Call(method, params, body, status, source, self.clock()))
        self._pulse.fire()
        if delay is not None and not delay.before_processing:
            await asyncio.sleep(delay.seconds)
        return status, body

    # ---------------------------------------------------------------- failure injection

    def fail(
        self,
        method: str,
        *,
        error_code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        times: int = 1,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (matching ``when(params)``) fail.

        ``description`` defaults to Telegram's text for the code, e.g. 429 ->
        ``"Too Many Requests: retry after N"`` (and 429 implies ``retry_after=1`` if unset).
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        self._failures.append(
            _Failure(
                method=self._canonical_name(method),
                error_code=error_code,
                description=description or _default_description(error_code, retry_after),
                retry_after=retry_after,
                migrate_to_chat_id=migrate_to_chat_id,
                remaining=times,
                when=when,
            )
        )

    def delay(
        self, method: str, seconds: float, times: int = 1, *, before_processing: bool = False
    ) -> None:
        """Delay the answer to the next ``times`` calls of ``method`` by ``seconds``."""
        self._delays.append(_Delay(self._canonical_name(method), seconds, times, before_processing))

    def _take_failure(self, method: str, params: dict[str, Any]) -> _Failure | None:
        for failure in self._failures:
            if failure.method == method and (failure.when is None or failure.when(params)):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _take_delay(self, method: str, params: dict[str, Any]) -> _Delay | None:
        for delay in self._delays:
            if delay.method == method:
                delay.remaining -= 1
                if delay.remaining <= 0:
                    self._delays.remove(delay)
                return delay
        return None

    def _canonical_name(self, method: str) -> str:
        return self._canonical.get(method.lower(), method)

    # ---------------------------------------------------------------- recording helpers

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        """All recorded calls of ``method`` (failed ones too) whose params equal ``match``."""
        name = self._canonical_name(method)
        return [c for c in self.calls if c.method == name and _params_match(c.params, match)]

    def clear_calls(self) -> None:
        self.calls.clear()
        self._consumed.clear()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait (event driven) until ``predicate()`` holds; AssertionError on timeout."""
        try:
            await self._pulse.wait_until(predicate, timeout)
        except TimeoutError:
            raise AssertionError(f"condition not met within {timeout}s") from None

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the public API mirrors asyncio.wait_for
        *,
        count: int = 1,
        **match: Any,
    ) -> Call:
        """Wait for a successful ``method`` call matching ``predicate`` and ``match``.

        Each returned call is consumed, so successive ``wait_for`` calls return successive
        matching calls (including ones recorded before the wait started).
        """
        name = self._canonical_name(method)

        def candidates() -> list[int]:
            return [
                index
                for index, call in enumerate(self.calls)
                if index not in self._consumed
                and call.method == name
                and call.ok
                and _params_match(call.params, match)
                and (predicate is None or predicate(call))
            ]

        try:
            await self._pulse.wait_until(lambda: len(candidates()) >= count, timeout)
        except TimeoutError:
            seen = [(c.method, _jsonable(c.params), c.status) for c in self.calls_to(name)]
            raise AssertionError(
                f"timed out after {timeout}s waiting for {count} successful {name} call(s) "
                f"matching {match or ''}{' + predicate' if predicate else ''}; "
                f"recorded {name} calls: {seen}"
            ) from None
        chosen = candidates()[:count]
        self._consumed.update(chosen)
        return self.calls[chosen[-1]]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Current state of every message the bot sent (optionally to one chat), in order.

        Deleted messages are included (check :meth:`is_deleted`); failed sends are not.
        """
        return [
            copy.deepcopy(self._messages[cid][mid].data)
            for cid, mid in self._sent_order
            if chat_id is None or cid == chat_id
        ]

    def last_message(self, chat_id: int) -> dict[str, Any]:
        """Current state (after edits) of the last message the bot sent to ``chat_id``."""
        for cid, mid in reversed(self._sent_order):
            if cid == chat_id:
                return copy.deepcopy(self._messages[cid][mid].data)
        raise AssertionError(f"the bot has not sent any message to chat {chat_id}")

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """Current state of any known message (bot's or user's)."""
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None:
            raise AssertionError(f"no message {message_id} in chat {chat_id}")
        return copy.deepcopy(stored.data)

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        stored = self._messages.get(chat_id, {}).get(message_id)
        return stored is not None and stored.deleted

    def commands(
        self,
        scope_type: str = "default",
        language_code: str = "",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[dict[str, str]]:
        """Commands stored by setMyCommands for that scope and language ([] if none)."""
        scope: dict[str, Any] = {"type": scope_type}
        if chat_id is not None:
            scope["chat_id"] = chat_id
        if user_id is not None:
            scope["user_id"] = user_id
        return copy.deepcopy(self._commands.get((_scope_key(scope), language_code), []))

    @property
    def rate_limited_calls(self) -> int:
        return self.rate_limiter.limited_calls if self.rate_limiter else 0

    # ---------------------------------------------------------------- world state

    def allow_dm(self, user: User | int) -> None:
        """Let the bot message ``user`` privately, as if they had pressed Start."""
        if isinstance(user, User):
            self._register_user(user)
            user_id = user.id
        else:
            user_id = user
            self._users.setdefault(
                user_id, {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
            )
        self._private_chat(user_id)
        self._started.add(user_id)

    def block(self, user_id: int) -> None:
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def set_chat_member(
        self, chat: Chat | int, user: User | int, status: str, **extra: Any
    ) -> dict[str, Any]:
        """Set ``user``'s membership in ``chat``; ``extra`` overrides ChatMember fields."""
        chat_id = self._register_chat(chat)["id"] if isinstance(chat, Chat) else chat
        user_dict = self._register_user(user) if isinstance(user, User) else self._user_of(user)
        member = _member_object(user_dict, status, extra)
        self._members.setdefault(chat_id, {})[user_dict["id"]] = member
        return copy.deepcopy(member)

    def status_of(self, chat: Chat | int, user: User | int) -> str:
        """``user``'s status in ``chat`` as getChatMember would answer now."""
        chat_id = chat.id if isinstance(chat, Chat) else chat
        return self._member_status(chat_id, user.id if isinstance(user, User) else user)["status"]

    def set_bot_status(self, chat: Chat | int, status: str, **extra: Any) -> dict[str, Any]:
        """Set the bot's own membership in ``chat`` (e.g. "administrator", "kicked")."""
        return self.set_chat_member(chat, self.bot_user, status, **extra)

    def _user_of(self, user_id: int) -> dict[str, Any]:
        return self._users.get(user_id) or {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User {user_id}",
        }

    def _register_user(self, user: User) -> dict[str, Any]:
        data = user.to_dict()
        if user.id != self.bot_id:
            self._users[user.id] = data
        return data

    def _private_chat(self, user_id: int) -> dict[str, Any]:
        user = self._user_of(user_id)
        chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        self._chats[user_id] = chat
        return chat

    def _register_chat(self, chat: Chat | User) -> dict[str, Any]:
        if isinstance(chat, User):
            self._register_user(chat)
            return self._private_chat(chat.id)
        if chat.type == "private":
            return self._private_chat(chat.id)
        data = chat.to_dict()
        self._chats[chat.id] = data
        return data

    def _member_status(self, chat_id: int, user_id: int) -> dict[str, Any]:
        explicit = self._members.get(chat_id, {}).get(user_id)
        if explicit is not None:
            return explicit
        chat = self._chats.get(chat_id)
        is_private_member = chat is not None and chat["type"] == "private" and user_id == chat_id
        if user_id == self.bot_id:
            user_dict = self.bot_user.to_dict()
            status = "member" if chat is not None else "left"
        else:
            user_dict = self._user_of(user_id)
            seen = user_id in self._seen.get(chat_id, set())
            status = "member" if seen or is_private_member else "left"
        return _member_object(user_dict, status, {})

    # ---------------------------------------------------------------- chat checks

    def _chat_id(self, params: dict[str, Any], key: str = "chat_id") -> int:
        value = params.get(key)
        if value is None or value == "":
            raise LimitError(f"Bad Request: {key} is empty")
        if isinstance(value, str) and value.startswith("@"):
            for chat in self._chats.values():
                if chat.get("username", "").lower() == value[1:].lower():
                    return int(chat["id"])
            raise LimitError("Bad Request: chat not found")
        if isinstance(value, bool) or not isinstance(value, int):
            raise LimitError("Bad Request: chat not found")
        return value

    def _known_chat(self, chat_id: int) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0 and chat_id in self._users:
                return self._private_chat(chat_id)
            raise LimitError("Bad Request: chat not found")
        return chat

    def _sendable_chat(self, params: dict[str, Any], *, needs_start: bool = True) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        if chat_id in self._migrated:
            raise LimitError(
                "Bad Request: group chat was upgraded to a supergroup chat",
                parameters={"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if chat_id > 0:
            if chat_id in self._blocked:
                raise LimitError("Forbidden: bot was blocked by the user", error_code=403)
            chat = self._known_chat(chat_id)
            if self._users.get(chat_id, {}).get("is_bot"):
                raise LimitError("Forbidden: bot can't send messages to bots", error_code=403)
            if needs_start and chat_id not in self._started:
                raise LimitError(
                    "Forbidden: bot can't initiate conversation with a user", error_code=403
                )
            return chat
        chat = self._known_chat(chat_id)
        kind = {"supergroup": "supergroup chat", "channel": "channel chat"}.get(
            chat["type"], "group chat"
        )
        bot = self._member_status(chat_id, self.bot_id)
        if bot["status"] == "left":
            raise LimitError(f"Forbidden: bot is not a member of the {kind}", error_code=403)
        if bot["status"] == "kicked":
            raise LimitError(f"Forbidden: bot was kicked from the {kind}", error_code=403)
        if bot["status"] == "restricted" and not bot.get("can_send_messages", False):
            raise LimitError("Bad Request: not enough rights to send text messages to the chat")
        if chat["type"] == "channel" and bot["status"] not in ("creator", "administrator"):
            raise LimitError("Bad Request: need administrator rights in the channel chat")
        return chat

    def _rate_limit(self, method: str, chat: dict[str, Any]) -> None:
        if self.rate_limiter is not None and self.rate_limiter.applies_to(method):
            self.rate_limiter.acquire(chat["id"], is_private=chat["type"] == "private")

    # ---------------------------------------------------------------- messages

    def _allocate_message_id(self, chat_id: int) -> int:
        self._next_message_id[chat_id] = self._next_message_id.get(chat_id, 0) + 1
        return self._next_message_id[chat_id]

    def _store(self, message: dict[str, Any], *, from_bot: bool) -> None:
        chat_id = message["chat"]["id"]
        self._messages.setdefault(chat_id, {})[message["message_id"]] = _StoredMessage(
            message, from_bot
        )
        if from_bot:
            self._sent_order.append((chat_id, message["message_id"]))

    def _live_message(self, chat_id: int, message_id: Any) -> _StoredMessage | None:
        stored = self._messages.get(chat_id, {}).get(message_id)
        return None if stored is None or stored.deleted else stored

    def _reply_target(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply_parameters = params.get("reply_parameters") or {}
        target = reply_parameters.get("message_id", params.get("reply_to_message_id"))
        if target is None:
            return None
        allow = reply_parameters.get(
            "allow_sending_without_reply", params.get("allow_sending_without_reply", False)
        )
        target_chat = reply_parameters.get("chat_id", chat_id)
        if not isinstance(target_chat, int):
            target_chat = chat_id
        stored = self._live_message(target_chat, target)
        if stored is None:
            if allow:
                return None
            raise LimitError("Bad Request: message to be replied not found")
        replied = copy.deepcopy(stored.data)
        replied.pop("reply_to_message", None)
        return replied

    def _format(self, params: dict[str, Any], *, caption: bool = False) -> FormattedText:
        key = "caption" if caption else "text"
        return format_text(
            params.get(key),
            parse_mode=params.get("parse_mode"),
            entities=params.get("caption_entities" if caption else "entities"),
            caption=caption,
            strict_ampersand=self.strict_html_ampersand,
        )

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        validate_reply_markup(markup)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            return markup
        return None  # reply keyboards are not part of the Message object

    def _send(
        self, method: str, params: dict[str, Any], build: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """Shared path of send* methods: checks, rate limit, message creation."""
        chat = self._sendable_chat(params)
        content = build()
        inline_markup = self._markup(params)
        replied = self._reply_target(chat["id"], params)
        self._rate_limit(method, chat)
        message: dict[str, Any] = {
            "message_id": self._allocate_message_id(chat["id"]),
            "from": self.bot_user.to_dict(),
            "chat": copy.deepcopy(chat),
            "date": self._now(),
        }
        thread_id = params.get("message_thread_id")
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if chat.get("is_forum"):
                message["is_topic_message"] = True
        if replied is not None:
            message["reply_to_message"] = replied
        message.update(content)
        if inline_markup is not None:
            message["reply_markup"] = copy.deepcopy(inline_markup)
        if params.get("protect_content"):
            message["has_protected_content"] = True
        self._store(message, from_bot=True)
        return copy.deepcopy(message)

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            formatted = self._format(params)
            content: dict[str, Any] = {"text": formatted.text}
            if formatted.entities:
                content["entities"] = formatted.entities
            return content

        return self._send("sendMessage", params, build)

    def _file_object(self, value: Any, kind: str) -> tuple[str, UploadedFile | None]:
        if isinstance(value, UploadedFile):
            if not value.content:
                raise LimitError("Bad Request: file must be non-empty")
            file_id = f"{kind.upper()}-{next(self._file_ids):06d}-{secrets.token_hex(8)}"
            self.uploads[file_id] = value
            return file_id, value
        if isinstance(value, str) and value:
            if value in self.uploads:
                return value, self.uploads[value]
            if value.startswith(("http://", "https://")):
                return f"{kind.upper()}-URL-{next(self._file_ids):06d}", None
            raise LimitError("Bad Request: wrong file identifier/HTTP URL specified")
        raise LimitError(f"Bad Request: there is no {kind} in the request")

    def _caption_content(self, params: dict[str, Any]) -> dict[str, Any]:
        formatted = self._format(params, caption=True)
        content: dict[str, Any] = {}
        if formatted.text:
            content["caption"] = formatted.text
            if formatted.entities:
                content["caption_entities"] = formatted.entities
        return content

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            caption = self._caption_content(params)
            file_id, upload = self._file_object(params.get("document"), "document")
            document: dict[str, Any] = {"file_id": file_id, "file_unique_id": file_id[-16:]}
            if upload is not None:
                document["file_name"] = upload.filename
                document["mime_type"] = upload.content_type
                document["file_size"] = len(upload.content)
            return {"document": document, **caption}

        return self._send("sendDocument", params, build)

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            caption = self._caption_content(params)
            file_id, upload = self._file_object(params.get("photo"), "photo")
            size = len(upload.content) if upload else 1024
            return {"photo": _photo_sizes(file_id, 800, 800, size), **caption}

        return self._send("sendPhoto", params, build)

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._sendable_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise LimitError("Bad Request: wrong parameter action in request")
        return True

    def _editable(self, params: dict[str, Any]) -> _StoredMessage:
        chat = self._known_chat(self._chat_id(params))
        stored = self._live_message(chat["id"], params.get("message_id"))
        if stored is None:
            raise LimitError("Bad Request: message to edit not found")
        if not stored.from_bot:
            raise LimitError("Bad Request: message can't be edited")
        return stored

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            self._format(params)
            self._markup(params)
            return True
        stored = self._editable(params)
        if "text" not in stored.data:
            raise LimitError("Bad Request: there is no text in the message to edit")
        formatted = self._format(params)
        markup = self._markup(params)
        data = stored.data
        if (
            formatted.text == data["text"]
            and same_markup(formatted.entities, data.get("entities"))
            and same_markup(markup, data.get("reply_markup"))
        ):
            raise LimitError(NOT_MODIFIED)
        data["text"] = formatted.text
        _set_or_drop(data, "entities", formatted.entities or None)
        _set_or_drop(data, "reply_markup", copy.deepcopy(markup))
        data["edit_date"] = self._now()
        return copy.deepcopy(data)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            self._markup(params)
            return True
        stored = self._editable(params)
        markup = self._markup(params)
        if same_markup(markup, stored.data.get("reply_markup")):
            raise LimitError(NOT_MODIFIED)
        _set_or_drop(stored.data, "reply_markup", copy.deepcopy(markup))
        stored.data["edit_date"] = self._now()
        return copy.deepcopy(stored.data)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._known_chat(self._chat_id(params))
        stored = self._live_message(chat["id"], params.get("message_id"))
        if stored is None:
            raise LimitError("Bad Request: message to delete not found")
        if not stored.from_bot and chat["type"] != "private":
            bot = self._member_status(chat["id"], self.bot_id)
            can_delete = bot["status"] == "creator" or (
                bot["status"] == "administrator" and bot.get("can_delete_messages")
            )
            if not can_delete:
                raise LimitError("Bad Request: message can't be deleted")
        stored.deleted = True
        return True

    # ---------------------------------------------------------------- queries

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if self._callbacks.get(query_id, True):
            raise LimitError(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise LimitError("Bad Request: MESSAGE_TOO_LONG")
        self._callbacks[query_id] = True
        self.callback_answers[query_id] = dict(params)
        return True

    def _answer_inline_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("inline_query_id", ""))
        if self._inline_queries.get(query_id, True):
            raise LimitError(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        results = params.get("results")
        validate_inline_results(results)
        self._inline_queries[query_id] = True
        self.inline_answers[query_id] = copy.deepcopy(results)
        return True

    # ---------------------------------------------------------------- chats and members

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = copy.deepcopy(self._known_chat(self._chat_id(params)))
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return chat

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._known_chat(self._chat_id(params))
        user_id = params.get("user_id")
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise LimitError("Bad Request: invalid user_id specified")
        return copy.deepcopy(self._member_status(chat["id"], user_id))

    def _chat_user_ids(self, chat_id: int) -> list[int]:
        ids = [*self._members.get(chat_id, {}), *sorted(self._seen.get(chat_id, set()))]
        ids.append(self.bot_id)
        return list(dict.fromkeys(ids))

    def _get_chat_administrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self._known_chat(self._chat_id(params))
        if chat["type"] == "private":
            raise LimitError("Bad Request: there are no administrators in the private chat")
        members = (self._member_status(chat["id"], uid) for uid in self._chat_user_ids(chat["id"]))
        return [copy.deepcopy(m) for m in members if m["status"] in ("creator", "administrator")]

    def _get_chat_member_count(self, params: dict[str, Any]) -> int:
        chat = self._known_chat(self._chat_id(params))
        if chat["type"] == "private":
            return 2
        count = 0
        for uid in self._chat_user_ids(chat["id"]):
            member = self._member_status(chat["id"], uid)
            active = member["status"] in ("creator", "administrator", "member")
            if active or (member["status"] == "restricted" and member.get("is_member")):
                count += 1
        return count

    def _leave_chat(self, params: dict[str, Any]) -> bool:
        chat = self._known_chat(self._chat_id(params))
        if chat["type"] == "private":
            raise LimitError("Bad Request: chat member status can't be changed in private chats")
        if self._member_status(chat["id"], self.bot_id)["status"] in ("left", "kicked"):
            raise LimitError("Forbidden: bot is not a member of the group chat", error_code=403)
        self.set_bot_status(chat["id"], "left")
        return True

    # ---------------------------------------------------------------- bot settings

    def _scope_and_language(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise LimitError("Bad Request: can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            self._known_chat(self._chat_id(scope))
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise LimitError("Bad Request: LANG_CODE_INVALID")
        return _scope_key(scope), language

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = validate_commands(params.get("commands"))
        key = self._scope_and_language(params)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return copy.deepcopy(self._commands.get(self._scope_and_language(params), []))

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self._commands.pop(self._scope_and_language(params), None)
        return True

    def _set_text(self, params: dict[str, Any], kind: str, limit: int) -> bool:
        value = params.get(kind) or ""
        if len(value) > limit:
            raise LimitError(f"Bad Request: {kind.replace('_', ' ')} is too long")
        language = params.get("language_code") or ""
        if value:
            self._texts[(kind, language)] = value
        else:
            self._texts.pop((kind, language), None)
        return True

    def _get_text(self, params: dict[str, Any], kind: str) -> dict[str, str]:
        language = params.get("language_code") or ""
        return {kind: self._texts.get((kind, language), self._texts.get((kind, ""), ""))}

    # ---------------------------------------------------------------- updates: queue

    def enqueue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue ``update`` for getUpdates/webhook delivery (assigns update_id if missing)."""
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        self._pending.append(update)
        self._pending.sort(key=lambda u: u["update_id"])
        self._pulse.fire()
        return update

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._pending)

    async def drained(self, timeout: float = 5.0, *, allow_dropped: bool = False) -> None:  # noqa: ASYNC109
        """Wait until every enqueued update was confirmed (getUpdates) or delivered (webhook)."""
        try:
            await self._pulse.wait_until(lambda: not self._pending, timeout)
        except TimeoutError:
            pending = [u["update_id"] for u in self._pending]
            raise AssertionError(
                f"updates {pending} still pending after {timeout}s (webhook: "
                f"{self._webhook.url if self._webhook else None}, active polls: "
                f"{self.active_polls}, last webhook error: {self._webhook_error})"
            ) from None
        if self.dropped_updates and not allow_dropped:
            dropped = [u["update_id"] for u in self.dropped_updates]
            raise AssertionError(
                f"webhook gave up on updates {dropped}; last error: {self._webhook_error}"
            )

    def _allowed(self, update: Mapping[str, Any]) -> bool:
        kind = _update_type(update)
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in DEFAULT_UPDATE_TYPES_EXCLUDED

    def _deliverable(self) -> list[dict[str, Any]]:
        """Pending updates after dropping the types the bot did not subscribe to."""
        kept: list[dict[str, Any]] = []
        for update in self._pending:
            if self._allowed(update):
                kept.append(update)
            else:
                logger.warning(
                    "fake Telegram: dropping %s update %s (allowed_updates=%s)",
                    _update_type(update),
                    update["update_id"],
                    self._allowed_updates,
                )
                self.filtered_updates.append(update)
        if len(kept) != len(self._pending):
            self._pending = kept
            self._pulse.fire()
        return kept

    def _set_allowed_updates(self, params: dict[str, Any]) -> None:
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            if not isinstance(allowed, list):
                raise LimitError("Bad Request: can't parse allowed_updates JSON array")
            self._allowed_updates = [str(kind) for kind in allowed] or None

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        self._pulse.fire()

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise _webhook_conflict()
        offset, limit, timeout = (params.get(k) for k in ("offset", "limit", "timeout"))
        limit = min(max(limit if isinstance(limit, int) else 100, 1), 100)
        timeout = max(timeout if isinstance(timeout, int) else 0, 0)
        self._set_allowed_updates(params)
        if isinstance(offset, int) and offset != 0:
            self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        if timeout and not self._deliverable():
            self.active_polls += 1
            self._pulse.fire()
            try:
                await self._pulse.wait_until(
                    lambda: (
                        bool(self._deliverable())
                        or self._closing
                        or self._webhook is not None
                        or generation != self._poll_generation
                    ),
                    timeout,
                )
            except TimeoutError:
                pass
            finally:
                self.active_polls -= 1
                self._pulse.fire()
        if generation != self._poll_generation:
            raise LimitError(
                "Conflict: terminated by other getUpdates request; make sure that only one bot "
                "instance is running",
                error_code=409,
            )
        if self._webhook is not None:
            raise _webhook_conflict()
        return copy.deepcopy(self._deliverable()[:limit])

    # ---------------------------------------------------------------- updates: webhook

    def _set_webhook(self, params: dict[str, Any]) -> _Described:
        url = params.get("url") or ""
        if not url:
            return self._delete_webhook(params)
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
            raise LimitError("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not (isinstance(secret, str) and _SECRET_RE.match(secret)):
            raise LimitError("Bad Request: bad webhook: secret token contains unallowed characters")
        max_connections = params.get("max_connections", 40)
        if not isinstance(max_connections, int) or not 1 <= max_connections <= 100:
            raise LimitError("Bad Request: bad webhook: max_connections must be in 1..100")
        self._set_allowed_updates(params)
        if params.get("drop_pending_updates"):
            self._pending.clear()
        same = self._webhook is not None and self._webhook.url == url
        self._webhook = _Webhook(url, secret, max_connections)
        self._webhook_error = None
        self._pulse.fire()
        return _Described(True, "Webhook is already set" if same else "Webhook was set")

    def _delete_webhook(self, params: dict[str, Any]) -> _Described:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        existed = self._webhook is not None
        self._webhook = None
        self._pulse.fire()
        return _Described(True, "Webhook was deleted" if existed else "Webhook is already deleted")

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook.max_connections
            info["ip_address"] = "127.0.0.1"
        if self._allowed_updates:
            info["allowed_updates"] = list(self._allowed_updates)
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _webhook_loop(self) -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                await self._pulse.wait_until(
                    lambda: self._webhook is not None and bool(self._deliverable()), None
                )
                webhook = self._webhook
                assert webhook is not None
                update = self._deliverable()[0]
                delivered = await self._deliver(session, webhook, update)
                if delivered is None:  # webhook changed/removed mid-delivery: keep it pending
                    continue
                if update in self._pending:
                    self._pending.remove(update)
                if not delivered:
                    self.dropped_updates.append(update)
                self._pulse.fire()

    async def _deliver(
        self, session: aiohttp.ClientSession, webhook: _Webhook, update: dict[str, Any]
    ) -> bool | None:
        """POST ``update`` with retries. True: 2xx; False: gave up; None: webhook changed."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": webhook.secret_token or ""}
        if not webhook.secret_token:
            headers.clear()
        for attempt in range(self.webhook_max_attempts):
            if self._webhook is not webhook:
                return None
            status: int | None = None
            error: str | None = None
            try:
                async with session.post(
                    webhook.url,
                    json=update,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
                ) as response:
                    status = response.status
                    if 200 <= status < 300:
                        self.webhook_attempts.append(
                            WebhookAttempt(update["update_id"], webhook.url, status, None)
                        )
                        try:
                            await self._run_webhook_reply(response)
                        except Exception:  # a broken reply must not kill delivery
                            logger.exception("fake Telegram: could not run the webhook reply")
                        return True
                    error = f"Wrong response from the webhook: {status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {type(exc).__name__}: {exc}"
            self.webhook_attempts.append(
                WebhookAttempt(update["update_id"], webhook.url, status, error)
            )
            self._webhook_error = (self._now(), error)
            self._pulse.fire()
            if attempt + 1 < self.webhook_max_attempts:
                await asyncio.sleep(min(self.webhook_retry_delay * 2**attempt, 1.0))
        return False

    async def _run_webhook_reply(self, response: aiohttp.ClientResponse) -> None:
        """Execute a method returned in the webhook response body, as Telegram does."""
        raw: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        if response.content_type == "multipart/form-data":
            fields, files = await _read_multipart(
                aiohttp.MultipartReader(response.headers, response.content)
            )
            raw.update(fields)
        elif response.content_type == "application/json":
            with contextlib.suppress(ValueError):
                body = await response.json()
                if isinstance(body, dict):
                    raw.update(body)
        method = raw.pop("method", None)
        if isinstance(method, str) and method:
            await self._dispatch(method, raw, files, source="webhook_reply")

    # ---------------------------------------------------------------- update builders

    def _update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), kind: payload}

    def _incoming(
        self,
        user: User,
        chat: Chat | None,
        content: dict[str, Any],
        *,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create, store and return a message from ``user`` (private chat if ``chat`` is None)."""
        user_dict = self._register_user(user)
        chat_dict = self._register_chat(chat if chat is not None else user)
        if chat_dict["type"] == "private":
            self._started.add(user.id)
        else:
            self._seen.setdefault(chat_dict["id"], set()).add(user.id)
        message: dict[str, Any] = {
            "message_id": self._allocate_message_id(chat_dict["id"]),
            "from": user_dict,
            "chat": copy.deepcopy(chat_dict),
            "date": self._now(),
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if chat_dict.get("is_forum"):
                message["is_topic_message"] = True
        if reply_to is not None:
            reply_to = _as_message(reply_to)
            current = self._messages.get(reply_to["chat"]["id"], {}).get(reply_to["message_id"])
            replied = copy.deepcopy(current.data if current else reply_to)
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        message.update(content)
        self._store(message, from_bot=False)
        return message

    def _message_update(self, message: dict[str, Any]) -> dict[str, Any]:
        kind = "channel_post" if message["chat"]["type"] == "channel" else "message"
        return self._update(kind, copy.deepcopy(message))

    def text_update(
        self,
        user: User,
        text: str,
        chat: Chat | None = None,
        *,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A text message update; ``/cmd`` or ``/cmd@bot`` gets a bot_command entity."""
        all_entities: list[dict[str, Any]] = []
        command = _COMMAND_PREFIX.match(text)
        if command:
            length = len(command.group().encode("utf-16-le")) // 2
            all_entities.append({"type": "bot_command", "offset": 0, "length": length})
        all_entities.extend(entities or [])
        content: dict[str, Any] = {"text": text}
        if all_entities:
            content["entities"] = all_entities
        message = self._incoming(user, chat, content, thread_id=thread_id, reply_to=reply_to)
        return self._message_update(message)

    def sticker_message(self, user: User, chat: Chat | None = None) -> dict[str, Any]:
        file_id = f"STICKER-{next(self._file_ids):06d}"
        sticker = {
            "file_id": file_id,
            "file_unique_id": file_id[-12:],
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self._message_update(self._incoming(user, chat, {"sticker": sticker}))

    def photo_message(
        self, user: User, chat: Chat | None = None, caption: str | None = None
    ) -> dict[str, Any]:
        file_id = f"PHOTO-IN-{next(self._file_ids):06d}"
        content: dict[str, Any] = {"photo": _photo_sizes(file_id, 1280, 960, 98_000)}
        if caption is not None:
            content["caption"] = caption
        return self._message_update(self._incoming(user, chat, content))

    def new_chat_members(self, chat: Chat, actor: User, members: list[User]) -> dict[str, Any]:
        """Service message: ``actor`` added ``members`` (a member equal to the bot works too)."""
        member_dicts = [self._register_user(m) for m in members]
        message = self._incoming(actor, chat, {"new_chat_members": member_dicts})
        for member in members:
            self.set_chat_member(chat.id, member, "member")
        return self._message_update(message)

    def left_chat_member(self, chat: Chat, actor: User, member: User) -> dict[str, Any]:
        member_dict = self._register_user(member)
        message = self._incoming(actor, chat, {"left_chat_member": member_dict})
        self.set_chat_member(chat.id, member, "left")
        return self._message_update(message)

    def _member_update(
        self,
        kind: str,
        chat: Chat | User,
        actor: User,
        member: User,
        old_status: str,
        new_status: str,
    ) -> dict[str, Any]:
        chat_dict = self._register_chat(chat)
        actor_dict = self._register_user(actor)
        member_dict = self._register_user(member)
        old = _member_object(member_dict, old_status, {})
        new = self.set_chat_member(chat_dict["id"], member, new_status)
        payload = {
            "chat": copy.deepcopy(chat_dict),
            "from": actor_dict,
            "date": self._now(),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        return self._update(kind, payload)

    def chat_member(
        self, chat: Chat, actor: User, member: User, old_status: str, new_status: str
    ) -> dict[str, Any]:
        """``chat_member`` update (needs allowed_updates to include "chat_member")."""
        return self._member_update("chat_member", chat, actor, member, old_status, new_status)

    def my_chat_member(
        self, chat: Chat | User, actor: User, old_status: str, new_status: str
    ) -> dict[str, Any]:
        """The bot's own status changed; in a private chat ``kicked`` == blocked by the user."""
        update = self._member_update(
            "my_chat_member", chat, actor, self.bot_user, old_status, new_status
        )
        chat_id = update["my_chat_member"]["chat"]["id"]
        if update["my_chat_member"]["chat"]["type"] == "private":
            self._members.get(chat_id, {}).pop(self.bot_id, None)
            if new_status == "kicked":
                self._blocked.add(chat_id)
            elif new_status == "member":
                self._blocked.discard(chat_id)
                self._started.add(chat_id)
        return update

    def migrate(self, chat: Chat, new_chat_id: int, actor: User | None = None) -> dict[str, Any]:
        """Group -> supergroup migration service message in the old chat."""
        old = self._register_chat(chat)
        new_chat = {**copy.deepcopy(old), "id": new_chat_id, "type": "supergroup"}
        self._chats[new_chat_id] = new_chat
        self._members[new_chat_id] = copy.deepcopy(self._members.get(chat.id, {}))
        self._seen[new_chat_id] = set(self._seen.get(chat.id, set()))
        message: dict[str, Any] = {
            "message_id": self._allocate_message_id(chat.id),
            "chat": copy.deepcopy(old),
            "date": self._now(),
            "migrate_to_chat_id": new_chat_id,
        }
        if actor is not None:
            message["from"] = self._register_user(actor)
        self._store(message, from_bot=False)
        self._migrated[chat.id] = new_chat_id
        return self._message_update(message)

    def callback(self, user: User, message: dict[str, Any], data: str) -> dict[str, Any]:
        """A callback_query update for ``message`` (its current stored state) with ``data``."""
        user_dict = self._register_user(user)
        message = _as_message(message)
        chat_id = message["chat"]["id"]
        current = self._messages.get(chat_id, {}).get(message["message_id"])
        query_id = str(next(self._query_ids))
        self._callbacks[query_id] = False
        payload = {
            "id": query_id,
            "from": user_dict,
            "message": copy.deepcopy(current.data if current else message),
            "chat_instance": str((chat_id * 2654435761) % 2**62),
            "data": data,
        }
        return self._update("callback_query", payload)

    def press(self, user: User, message: dict[str, Any], button_text: str) -> dict[str, Any]:
        """Press the inline button labelled ``button_text`` in the message's CURRENT keyboard."""
        message = _as_message(message)
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None:
            raise AssertionError(f"unknown message {message_id} in chat {chat_id}")
        if stored.deleted:
            raise AssertionError(f"message {message_id} in chat {chat_id} was deleted")
        rows = (stored.data.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = [button for row in rows for button in row]
        for button in buttons:
            if button.get("text") == button_text:
                if "callback_data" not in button:
                    raise AssertionError(f"button {button_text!r} has no callback_data: {button}")
                return self.callback(user, stored.data, button["callback_data"])
        available = [button.get("text") for button in buttons]
        raise AssertionError(
            f"no inline button {button_text!r} in message {message_id} of chat {chat_id}; "
            f"available buttons: {available}"
        )

    def inline_query(
        self, user: User, query: str, offset: str = "", *, chat_type: str | None = None
    ) -> dict[str, Any]:
        query_id = str(next(self._query_ids))
        self._inline_queries[query_id] = False
        payload: dict[str, Any] = {
            "id": query_id,
            "from": self._register_user(user),
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            payload["chat_type"] = chat_type
        return self._update("inline_query", payload)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _as_message(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Accept a message dict or an Update dict wrapping one (as returned by the builders)."""
    if "update_id" in obj:
        for key in ("message", "channel_post", "edited_message", "edited_channel_post"):
            if key in obj:
                return dict(obj[key])
        if "callback_query" in obj and "message" in obj["callback_query"]:
            return dict(obj["callback_query"]["message"])
        raise AssertionError(f"update {obj['update_id']} does not contain a message")
    return dict(obj)


def _params_match(params: Mapping[str, Any], match: Mapping[str, Any]) -> bool:
    return all(key in params and params[key] == value for key, value in match.items())


def _set_or_drop(data: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value


def _photo_sizes(file_id: str, width: int, height: int, file_size: int) -> list[dict[str, Any]]:
    """A thumbnail plus the full-size PhotoSize, as Telegram lists them."""

    def size(suffix: str, w: int, h: int, n: int) -> dict[str, Any]:
        unique = (file_id + suffix)[-16:]
        return {
            "file_id": file_id + suffix,
            "file_unique_id": unique,
            "width": w,
            "height": h,
            "file_size": n,
        }

    thumb_height = max(90 * height // width, 1)
    return [
        size("-s", 90, thumb_height, max(file_size // 10, 1)),
        size("", width, height, file_size),
    ]


def _scope_key(scope: Mapping[str, Any]) -> str:
    return json.dumps(dict(scope), sort_keys=True)


def _webhook_conflict() -> LimitError:
    return LimitError(
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
        "delete the webhook first",
        error_code=409,
    )


_ADMIN_RIGHTS = tuple(
    [
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_change_info",
        "can_invite_users",
        "can_pin_messages",
        "can_manage_topics",
    ]
)
_ADMIN_OFF = tuple(
    [
        "can_be_edited",
        "is_anonymous",
        "can_promote_members",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
        "can_send_welcome_messages",
    ]
)
_RESTRICTED_FLAGS = tuple(
    [
        "can_send_messages",
        "can_send_audios",
        "can_send_documents",
        "can_send_photos",
        "can_send_videos",
        "can_send_video_notes",
        "can_send_voice_notes",
        "can_send_polls",
        "can_send_other_messages",
        "can_add_web_page_previews",
        "can_react_to_messages",
        "can_edit_tag",
        "can_change_info",
        "can_invite_users",
        "can_pin_messages",
        "can_manage_topics",
    ]
)


def _member_object(user: dict[str, Any], status: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """A ChatMember dict with every field aiogram requires for ``status``."""
    if status not in MEMBER_STATUSES:
        raise ValueError(f"unknown chat member status {status!r}; use one of {MEMBER_STATUSES}")
    member: dict[str, Any] = {"status": status, "user": copy.deepcopy(user)}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(dict.fromkeys(_ADMIN_RIGHTS, True))
        member.update(dict.fromkeys(_ADMIN_OFF, False))
    elif status == "restricted":
        member.update(dict.fromkeys(_RESTRICTED_FLAGS, False))
        member.update(is_member=True, until_date=0)
    elif status == "kicked":
        member["until_date"] = 0
    member.update(extra)
    return member


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeTelegramAPI(bot_id=args.bot_id, bot_username=args.bot_username)
    await fake.start(host=args.host, port=args.port)
    print(fake.url, flush=True)  # first line: the URL
    print(fake.token, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake Telegram Bot API server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bot-id", type=int, default=7000001)
    parser.add_argument("--bot-username", default="peerbot_test_bot")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
