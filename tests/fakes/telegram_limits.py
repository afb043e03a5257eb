"""Telegram Bot API validation rules and rate limits used by the fake Bot API server.

Everything here is pure (no I/O) so it can be unit-tested and reused:

* :func:`parse_html` - Telegram's ``parse_mode=HTML`` parser: returns the visible text and the
  message entities (offsets in UTF-16 code units) or raises :class:`LimitError` with Telegram's
  "can't parse entities" wording.
* :func:`format_text` - applies ``parse_mode``/``entities``, trims surrounding whitespace like
  Telegram does, and enforces the 4096 (text) / 1024 (caption) limits.
* :func:`validate_reply_markup`, :func:`validate_commands`, :func:`validate_inline_results` -
  keyboard, bot-command and inline-result rules.
* :class:`RateLimits` / :class:`RateLimiter` - token buckets (global, per private chat, per group)
  driven by an injectable clock.

All failures raise :class:`LimitError`, which carries Telegram's ``error_code`` and
``description`` (for example ``"Bad Request: message is too long"``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CAPTION_LIMIT",
    "TEXT_LIMIT",
    "FormattedText",
    "LimitError",
    "RateLimiter",
    "RateLimits",
    "TokenBucket",
    "format_text",
    "parse_html",
    "utf16_len",
    "validate_commands",
    "validate_inline_results",
    "validate_reply_markup",
]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
MAX_INLINE_BUTTONS = 100
MAX_COMMANDS = 100
MAX_INLINE_RESULTS = 50
MAX_INLINE_RESULT_ID_BYTES = 64

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class LimitError(Exception):
    """A request broke one of Telegram's rules; maps 1:1 to an error response."""

    def __init__(
        self,
        description: str,
        error_code: int = 400,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.error_code = error_code
        self.parameters = parameters


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Telegram entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# HTML parse mode
# --------------------------------------------------------------------------------------------

_ENTITY_ERROR = "Bad Request: can't parse entities: "
_SUPPORTED_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    ]
)
_TAG_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_SPACES = " \t\r\n\f\v"
_NAME_TOKEN_CHARS = re.compile(r"[A-Za-z0-9.\-]*")


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    start_byte: int
    expandable: bool = False


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _entity_error(message: str) -> LimitError:
    return LimitError(_ENTITY_ERROR + message)


def _decode_html_entity(source: str, index: int) -> tuple[str, int] | None:
    """Decode ``&...;`` at ``index``; returns (character, index after ';') or None."""
    end = source.find(";", index + 1, index + 12)
    if end == -1:
        return None
    body = source[index + 1 : end]
    if body.startswith("#"):
        digits = body[1:]
        try:
            if digits[:1] in ("x", "X"):
                code = int(digits[1:], 16) if re.fullmatch(r"[0-9A-Fa-f]+", digits[1:]) else -1
            else:
                code = int(digits) if digits.isascii() and digits.isdigit() else -1
        except ValueError:
            return None
        if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), end + 1
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], end + 1
    return None


def _skip_spaces(source: str, index: int) -> int:
    while index < len(source) and source[index] in _HTML_SPACES:
        index += 1
    return index


def _read_attribute_value(source: str, index: int, start_byte: int) -> tuple[str, int]:
    """Read a quoted string or a bare name token starting at ``index``."""
    if index < len(source) and source[index] in "\"'":
        quote = source[index]
        index += 1
        value: list[str] = []
        while index < len(source) and source[index] != quote:
            if source[index] == "&":
                decoded = _decode_html_entity(source, index)
                if decoded is not None:
                    value.append(decoded[0])
                    index = decoded[1]
                    continue
            value.append(source[index])
            index += 1
        if index >= len(source):
            raise _entity_error(f"Unclosed start tag at byte offset {start_byte}")
        return "".join(value), index + 1
    match = _NAME_TOKEN_CHARS.match(source, index)
    assert match is not None  # the pattern matches the empty string
    end = match.end()
    if end < len(source) and source[end] not in _HTML_SPACES and source[end] != ">":
        raise _entity_error(
            f"Unexpected end of name token at byte offset {_byte_offset(source, end)}"
        )
    if end >= len(source):
        raise _entity_error(f"Unclosed start tag at byte offset {start_byte}")
    return match.group().lower(), end


def _parse_start_tag(source: str, index: int, utf16_offset: int) -> tuple[_OpenTag, int]:
    """Parse ``<name attr="...">`` beginning at ``index`` (the ``<``)."""
    start_byte = _byte_offset(source, index)
    pos = index + 1
    name_start = pos
    while pos < len(source) and source[pos] not in _HTML_SPACES and source[pos] != ">":
        pos += 1
    if pos >= len(source):
        raise _entity_error(f"Unclosed start tag at byte offset {start_byte}")
    name = source[name_start:pos].lower()
    if name not in _SUPPORTED_TAGS:
        raise _entity_error(f'Unsupported start tag "{name}" at byte offset {start_byte}')
    tag = _OpenTag(name=name, argument="", utf16_offset=utf16_offset, start_byte=start_byte)
    has_href = has_emoji_id = False
    while True:
        pos = _skip_spaces(source, pos)
        if pos >= len(source):
            raise _entity_error(f"Unclosed start tag at byte offset {start_byte}")
        if source[pos] == ">":
            break
        attr_start = pos
        while pos < len(source) and source[pos] not in _HTML_SPACES and source[pos] not in "=>":
            pos += 1
        attr_name = source[attr_start:pos].lower()
        pos = _skip_spaces(source, pos)
        if pos >= len(source) or source[pos] != "=":
            if name == "blockquote" and attr_name == "expandable":
                tag.expandable = True
                continue
            raise _entity_error(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{name}" at byte offset {start_byte}'
            )
        pos = _skip_spaces(source, pos + 1)
        value, pos = _read_attribute_value(source, pos, start_byte)
        if name == "a" and attr_name == "href":
            tag.argument, has_href = value, True
        elif name == "code" and attr_name == "class" and value.startswith("language-"):
            tag.argument = value.removeprefix("language-")
        elif name == "span" and attr_name == "class":
            tag.argument = value
        elif name == "tg-emoji" and attr_name == "emoji-id":
            tag.argument, has_emoji_id = value, True
    if name == "span" and tag.argument != "tg-spoiler":
        raise _entity_error(f'Tag "span" must have class "tg-spoiler" at byte offset {start_byte}')
    if name == "a" and not (has_href and tag.argument):
        raise _entity_error(f'Tag "a" must have attribute "href" at byte offset {start_byte}')
    if name == "tg-emoji" and not (has_emoji_id and tag.argument.isdigit()):
        raise _entity_error(
            f'Tag "tg-emoji" must have a numeric attribute "emoji-id" at byte offset {start_byte}'
        )
    return tag, pos + 1


def _close_entity(tag: _OpenTag, end_offset: int, stack: list[_OpenTag]) -> dict[str, Any] | None:
    if end_offset <= tag.utf16_offset:
        return None
    entity_type = _TAG_ENTITY_TYPES[tag.name]
    entity: dict[str, Any] = {
        "type": entity_type,
        "offset": tag.utf16_offset,
        "length": end_offset - tag.utf16_offset,
    }
    if entity_type == "text_link":
        entity["url"] = tag.argument
    elif entity_type == "custom_emoji":
        entity["custom_emoji_id"] = tag.argument
    elif entity_type == "blockquote" and tag.expandable:
        entity["type"] = "expandable_blockquote"
    elif entity_type == "code" and tag.argument:
        parent = stack[-1] if stack else None
        if parent is not None and parent.name == "pre" and parent.utf16_offset == tag.utf16_offset:
            parent.argument = tag.argument  # <pre><code class="language-x"> -> pre(language=x)
            return None
    elif entity_type == "pre" and tag.argument:
        entity["language"] = tag.argument
    return entity


def parse_html(source: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into ``(visible_text, entities)``.

    ``strict_ampersand``: Telegram itself keeps a stray ``&`` as a literal character, but a bot
    that forgets to escape user input is almost always buggy, so by default it is an error here.
    """
    out: list[str] = []
    utf16_offset = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char == "&":
            decoded = _decode_html_entity(source, index)
            if decoded is not None:
                out.append(decoded[0])
                utf16_offset += utf16_len(decoded[0])
                index = decoded[1]
                continue
            if strict_ampersand:
                raise _entity_error(
                    f'Unescaped "&" at byte offset {_byte_offset(source, index)}; '
                    'use "&amp;" for a literal ampersand'
                )
        if char != "<":
            out.append(char)
            utf16_offset += 2 if ord(char) > 0xFFFF else 1
            index += 1
            continue
        if index + 1 < len(source) and source[index + 1] == "/":
            index = _parse_end_tag(source, index, utf16_offset, stack, entities)
            continue
        tag, index = _parse_start_tag(source, index, utf16_offset)
        stack.append(tag)
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _parse_end_tag(
    source: str,
    index: int,
    utf16_offset: int,
    stack: list[_OpenTag],
    entities: list[dict[str, Any]],
) -> int:
    start_byte = _byte_offset(source, index)
    if not stack:
        raise _entity_error(f"Unexpected end tag at byte offset {start_byte}")
    pos = index + 2
    while pos < len(source) and source[pos] not in _HTML_SPACES and source[pos] != ">":
        pos += 1
    end_name = source[index + 2 : pos].lower()
    pos = _skip_spaces(source, pos)
    if pos >= len(source) or source[pos] != ">":
        raise _entity_error(f"Unclosed end tag at byte offset {start_byte}")
    tag = stack.pop()
    if end_name and end_name != tag.name:
        raise _entity_error(
            f'Unmatched end tag at byte offset {start_byte}, expected "</{tag.name}>", '
            f'found "</{end_name}>"'
        )
    entity = _close_entity(tag, utf16_offset, stack)
    if entity is not None:
        entities.append(entity)
    return pos + 1


# --------------------------------------------------------------------------------------------
# Message text
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormattedText:
    """Visible text and entities of a message/caption after parsing and trimming."""

    text: str
    entities: list[dict[str, Any]]


_PARSE_MODES = {"html": "HTML", "markdownv2": "MarkdownV2", "markdown": "Markdown"}


def _trim(text: str, entities: list[dict[str, Any]]) -> FormattedText:
    """Strip surrounding whitespace like Telegram, shifting/clipping entities to match."""
    stripped_start = text[: len(text) - len(text.lstrip())]
    trimmed = text.strip()
    shift = utf16_len(stripped_start)
    total = utf16_len(trimmed)
    fixed: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            fixed.append({**entity, "offset": start, "length": end - start})
    return FormattedText(trimmed, fixed)


def format_text(
    text: str | None,
    *,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None,
    caption: bool = False,
    strict_ampersand: bool = True,
) -> FormattedText:
    """Apply ``parse_mode``/``entities`` and enforce emptiness and length limits.

    For captions an empty result is allowed; for message texts it is
    ``"Bad Request: message text is empty"``.
    """
    raw = text or ""
    parsed_entities: list[dict[str, Any]] = []
    if entities:
        parsed_entities = [dict(e) for e in entities]
    elif parse_mode:
        mode = _PARSE_MODES.get(parse_mode.lower())
        if mode is None:
            raise LimitError("Bad Request: unsupported parse_mode")
        if mode == "HTML":
            raw, parsed_entities = parse_html(raw, strict_ampersand=strict_ampersand)
    result = _trim(raw, parsed_entities)
    # Counted in UTF-16 code units, as Telegram counts entity offsets: an emoji takes two. (The
    # stricter count errs on the safe side: a bot that fits here fits Telegram.)
    if caption:
        if utf16_len(result.text) > CAPTION_LIMIT:
            raise LimitError("Bad Request: message caption is too long")
    else:
        if not result.text:
            raise LimitError("Bad Request: message text is empty")
        if utf16_len(result.text) > TEXT_LIMIT:
            raise LimitError("Bad Request: message is too long")
    return result


# --------------------------------------------------------------------------------------------
# Keyboards, commands, inline results
# --------------------------------------------------------------------------------------------

_BUTTON_ACTIONS = tuple(
    [
        "callback_data",
        "url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "web_app",
        "login_url",
        "callback_game",
        "pay",
        "copy_text",
    ]
)
_BUTTON_URL = re.compile(r"^(https?://[^\s/$.?#][^\s]*|tg://[^\s]+)$", re.IGNORECASE)


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise LimitError("Bad Request: can't parse inline keyboard button: object expected")
    if not isinstance(button.get("text"), str):
        raise LimitError(
            'Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not button["text"]:
        raise LimitError("Bad Request: BUTTON_TEXT_INVALID")
    actions = [name for name in _BUTTON_ACTIONS if name in button]
    if not actions:
        raise LimitError(
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise LimitError(
            "Bad Request: can't parse inline keyboard button: exactly one of the optional "
            f"fields must be used, got {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
            raise LimitError("Bad Request: BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not _BUTTON_URL.match(url):
            raise LimitError("Bad Request: BUTTON_URL_INVALID")


def validate_reply_markup(markup: Any) -> None:
    """Validate an already JSON-decoded ``reply_markup`` value."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise LimitError("Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise LimitError(
                'Bad Request: can\'t parse inline keyboard markup: Field "inline_keyboard" must '
                "be of type Array of Arrays"
            )
        if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
            raise LimitError("Bad Request: reply markup is too long")
        for row in rows:
            for button in row:
                _validate_inline_button(button)
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise LimitError('Bad Request: Field "keyboard" must be of type Array of Arrays')
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not isinstance(text, str) or not text:
                    raise LimitError("Bad Request: keyboard button text must be non-empty")
    elif not ("remove_keyboard" in markup or "force_reply" in markup):
        raise LimitError("Bad Request: can't parse reply keyboard markup JSON object")


_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def validate_commands(commands: Any) -> list[dict[str, str]]:
    """Validate ``setMyCommands.commands``; returns the normalised list."""
    if not isinstance(commands, list):
        raise LimitError("Bad Request: can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise LimitError("Bad Request: BOT_COMMANDS_TOO_MUCH")
    result: list[dict[str, str]] = []
    for item in commands:
        if not isinstance(item, dict):
            raise LimitError("Bad Request: can't parse BotCommand")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not _COMMAND_RE.match(command):
            raise LimitError("Bad Request: BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise LimitError("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": command, "description": description})
    return result


def validate_inline_results(results: Any) -> None:
    """Validate ``answerInlineQuery.results``."""
    if not isinstance(results, list):
        raise LimitError("Bad Request: can't parse inline query results JSON object")
    if len(results) > MAX_INLINE_RESULTS:
        raise LimitError("Bad Request: RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, dict) or not isinstance(result.get("type"), str):
            raise LimitError("Bad Request: RESULT_TYPE_INVALID")
        result_id = result.get("id")
        if (
            not isinstance(result_id, str)
            or not 1 <= len(result_id.encode()) <= MAX_INLINE_RESULT_ID_BYTES
        ):
            raise LimitError("Bad Request: RESULT_ID_INVALID")
        if result_id in seen:
            raise LimitError("Bad Request: RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if "reply_markup" in result:
            validate_reply_markup(result["reply_markup"])


def same_markup(left: Any, right: Any) -> bool:
    """Compare two reply markups the way "message is not modified" does."""
    return json.dumps(left or None, sort_keys=True) == json.dumps(right or None, sort_keys=True)


# --------------------------------------------------------------------------------------------
# Rate limits
# --------------------------------------------------------------------------------------------

DEFAULT_RATE_LIMITED_METHODS = frozenset(
    [
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendSticker",
        "sendAudio",
        "sendVideo",
        "sendVoice",
        "sendAnimation",
        "sendMediaGroup",
        "sendPoll",
        "sendLocation",
        "sendContact",
        "copyMessage",
        "forwardMessage",
    ]
)


@dataclass(frozen=True)
class RateLimits:
    """Token-bucket limits applied to message-sending methods (Telegram's published limits).

    ``global_burst=None`` means "same as ``global_per_second``".
    """

    global_per_second: float = 30.0
    global_burst: float | None = None
    private_per_second: float = 1.0
    private_burst: float = 5.0
    group_per_minute: float = 20.0
    group_burst: float = 20.0
    methods: frozenset[str] = DEFAULT_RATE_LIMITED_METHODS


_EPSILON = 1e-9


@dataclass
class TokenBucket:
    """Classic token bucket: ``capacity`` tokens, refilled at ``rate`` tokens per second."""

    capacity: float
    rate: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        elapsed = max(now - self.updated, 0.0)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self.refill(now)
        if self.tokens >= 1.0 - _EPSILON:  # tolerate float drift from clock arithmetic
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self.refill(now)
        self.tokens -= 1.0


@dataclass
class RateLimiter:
    """Global + per-chat token buckets. Counters are public for assertions in tests."""

    limits: RateLimits
    clock: Callable[[], float]
    buckets: dict[int, TokenBucket] = field(default_factory=dict)
    global_bucket: TokenBucket | None = None
    limited_calls: int = 0
    limited_by_chat: dict[int, int] = field(default_factory=dict)
    allowed_by_chat: dict[int, int] = field(default_factory=dict)

    def _bucket(self, chat_id: int, is_private: bool, now: float) -> TokenBucket:
        bucket = self.buckets.get(chat_id)
        if bucket is None:
            if is_private:
                capacity, rate = self.limits.private_burst, self.limits.private_per_second
            else:
                capacity, rate = self.limits.group_burst, self.limits.group_per_minute / 60.0
            bucket = TokenBucket(capacity=capacity, rate=rate, tokens=capacity, updated=now)
            self.buckets[chat_id] = bucket
        return bucket

    def _global(self, now: float) -> TokenBucket:
        if self.global_bucket is None:
            capacity = self.limits.global_burst or self.limits.global_per_second
            self.global_bucket = TokenBucket(
                capacity=capacity, rate=self.limits.global_per_second, tokens=capacity, updated=now
            )
        return self.global_bucket

    def applies_to(self, method: str) -> bool:
        return method in self.limits.methods

    def acquire(self, chat_id: int, *, is_private: bool) -> None:
        """Take a token for ``chat_id`` or raise a 429 :class:`LimitError`."""
        now = self.clock()
        buckets: Iterable[TokenBucket] = (self._global(now), self._bucket(chat_id, is_private, now))
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            retry_after = max(1, math.ceil(wait - _EPSILON))
            self.limited_calls += 1
            self.limited_by_chat[chat_id] = self.limited_by_chat.get(chat_id, 0) + 1
            raise LimitError(
                f"Too Many Requests: retry after {retry_after}",
                error_code=429,
                parameters={"retry_after": retry_after},
            )
        for bucket in (self._global(now), self._bucket(chat_id, is_private, now)):
            bucket.take(now)
        self.allowed_by_chat[chat_id] = self.allowed_by_chat.get(chat_id, 0) + 1

    def tokens(self, chat_id: int) -> float | None:
        """Tokens currently left in ``chat_id``'s bucket (None if it never sent)."""
        bucket = self.buckets.get(chat_id)
        if bucket is None:
            return None
        bucket.refill(self.clock())
        return bucket.tokens
