"""FAQ entries to and from files: CSV or JSON Lines, UTF-8, for `peerbot faq import|export`.

An export imported into a fresh database exports again as the same file, byte for byte. The
columns (CSV header, JSON keys), in this order:

- ``community``: the group's Telegram chat id (stable across databases; ids are not);
- ``question``, ``answer``: text (required);
- ``tags``: a list. In CSV, labels separated by ``;`` (``GIS; budget``), or a JSON list
  (``["a;b", "c"]``: a cell starting with ``[`` is read as JSON, and export writes one where a
  label holds ``;``); in JSON Lines, a list of strings;
- ``language``: a language code, or empty;
- ``source``: ``answer`` (an accepted answer), ``moderator`` or ``import`` (the default);
- ``verified`` (default false), ``published`` (default: not deleted): true or false (also
  yes/no, 1/0);
- ``verified_at``, ``review_at``, ``deleted_at``, ``created_at``, ``updated_at``: ISO 8601 dates
  or dates and times, UTC (a time without an offset is UTC; an offset is converted); empty for
  none. created_at defaults to the time of the import, updated_at to created_at;
- ``views``, ``helpful``: counts (default 0).

Entries from accepted answers keep their source, but not their links to the question, the
answer and its author: those are rows of one database. Their limits are those the question and
answer had (4,000 characters, 20 tags); other entries have the FAQ's (bot.services.faq).

A file is read and every row checked before anything is written: one bad row and nothing is
imported; each bad row is reported as ``line N: reason``, N being the physical line where its
record starts. Then all rows go in with one multi-row insert, in one transaction with the index
of the published ones and one audit entry for the import.
"""

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.faq import (
    MAX_FAQ_ANSWER,
    MAX_FAQ_QUESTION,
    MAX_FAQ_TAGS,
    EmptyEntry,
    EntryTooLong,
    checked_entry,
)
from bot.services.questions import MAX_ANSWER, MAX_QUESTION
from bot.services.tags import MAX_TAGS
from storage.db import transaction
from storage.repos.faq import FaqRepo
from storage.search.faq import FaqIndex

FORMATS = ("csv", "jsonl")
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
COLUMNS = (
    "community",
    "question",
    "answer",
    "tags",
    "language",
    "source",
    "verified",
    "verified_at",
    "review_at",
    "published",
    "deleted_at",
    "views",
    "helpful",
    "created_at",
    "updated_at",
)
SOURCES = ("answer", "moderator", "import")
MAX_COUNT = 2**31 - 1  # an INTEGER column
PAGE = 1000  # entries read at a time by an export
CHUNK = 5000  # entries written at a time by an import (all in one transaction)
AUDIT_ACTION = "faq_import"
_LANGUAGE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,7}")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


class FaqFileError(Exception):
    """A file that cannot be imported as it is: nothing was imported."""


class UnknownFormat(FaqFileError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"cannot tell the format of {name!r}: name it .csv or .jsonl, or give --format "
            f"({' or '.join(FORMATS)})"
        )


class UnknownGroup(FaqFileError):
    def __init__(self, chat_id: int) -> None:
        super().__init__(f"no group with chat id {chat_id} is known to the bot")


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class BadRows(FaqFileError):
    """Rows that cannot be imported, each with its line and reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line)
        count = len(self.problems)
        super().__init__(f"{count} bad row{'s' if count != 1 else ''}: nothing imported")


@dataclass(slots=True)
class Imported:
    count: int = 0
    published: int = 0
    skipped: int = 0  # rows of other groups than the one asked for
    groups: dict[int, int] = field(default_factory=dict)  # chat id -> entries


@dataclass(slots=True)
class _Row:
    line: int
    chat_id: int | None
    values: dict[str, Any]


def format_of(path: str, given: str | None = None) -> str:
    """The format asked for, else the one the file's extension names."""
    if given is not None:
        if given not in FORMATS:
            raise UnknownFormat(path)
        return given
    found = EXTENSIONS.get(PurePath(path).suffix.lower())
    if found is None:
        raise UnknownFormat(path)
    return found


# Values: what a file says, to what is stored, and back.


class _Bad(ValueError):
    pass


def _text(value: object, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad(f"{name} must be text")
    return value


def _bool(value: object, name: str, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Bad(f"{name} must be true or false, not {_shown(value)}")


def _count(value: object, name: str) -> int:
    if value is None or value == "":
        return 0
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 0 <= number <= MAX_COUNT:
        raise _Bad(f"{name} must be a whole number from 0 to {MAX_COUNT}, not {_shown(value)}")
    return number


def _chat_id(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _Bad(f"community must be a group's chat id (a number), not {_shown(value)}")


def _when(value: object, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                return moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
    raise _Bad(
        f"{name} must be an ISO date or date and time such as 2027-01-31 or "
        f"2027-01-31T09:00:00Z, not {_shown(value)}"
    )


def _tags(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        if not value.lstrip().startswith("["):
            return [t.strip() for t in value.split(";") if t.strip()]
        try:
            value = json.loads(value)
        except ValueError:
            raise _Bad("tags starting with [ must be a JSON list of strings") from None
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise _Bad("tags must be a list of strings")
    return value


def _language(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value):
        raise _Bad(f"language must be a language code such as es, not {_shown(value)}")
    return value


def _source(value: object) -> str:
    if value is None or value == "":
        return "import"
    if value not in SOURCES:
        raise _Bad(f"source must be one of {', '.join(SOURCES)}, not {_shown(value)}")
    return str(value)


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return repr(text[:40] + "…" if len(text) > 40 else text)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _limits(source: str) -> dict[str, int]:
    if source == "answer":  # what the question and the answer could hold
        return {"max_question": MAX_QUESTION, "max_answer": MAX_ANSWER, "max_tags": MAX_TAGS}
    return {
        "max_question": MAX_FAQ_QUESTION,
        "max_answer": MAX_FAQ_ANSWER,
        "max_tags": MAX_FAQ_TAGS,
    }


def _entry(fields: dict[str, object], now: datetime) -> tuple[int | None, dict[str, Any]]:
    """A row's chat id and column values; raises _Bad with every reason found."""
    reasons: list[str] = []

    def take(parse: Callable[[], Any]) -> Any:
        try:
            return parse()
        except _Bad as error:
            reasons.append(str(error))
            return None

    chat_id = take(lambda: _chat_id(fields.get("community")))
    question = take(lambda: _text(fields.get("question"), "question"))
    answer = take(lambda: _text(fields.get("answer"), "answer"))
    tags = take(lambda: _tags(fields.get("tags")))
    language = take(lambda: _language(fields.get("language")))
    source = take(lambda: _source(fields.get("source"))) or "import"
    values: dict[str, Any] = {
        "language": language,
        "source": source,
        "verified": take(lambda: _bool(fields.get("verified"), "verified", False)),
        "view_count": take(lambda: _count(fields.get("views"), "views")),
        "helpful_count": take(lambda: _count(fields.get("helpful"), "helpful")),
    }
    for name in ("verified_at", "review_at", "deleted_at", "created_at", "updated_at"):
        values[name] = take(lambda name=name: _when(fields.get(name), name))  # type: ignore[misc]
    deleted = values["deleted_at"] is not None
    published = take(lambda: _bool(fields.get("published"), "published", not deleted))
    if published and deleted:
        reasons.append("a deleted entry (deleted_at is set) cannot be published")
    if question is not None and answer is not None and tags is not None:
        try:
            question, answer, tags = checked_entry(
                question, answer, tags, strict=True, **_limits(source)
            )
        except EmptyEntry as error:
            reasons.append(f"the {error.part} is empty")
        except EntryTooLong as error:
            reasons.append(
                f"more than {error.limit} tags"
                if error.part == "tags"
                else f"a tag is longer than {error.limit} characters"
                if error.part == "tag"
                else f"the {error.part} is longer than {error.limit} characters"
            )
    if reasons:
        raise _Bad("; ".join(reasons))
    values.update(question=question, answer=answer, tags=tags, published=published)
    values["created_at"] = values["created_at"] or now
    values["updated_at"] = values["updated_at"] or values["created_at"]
    return chat_id, values


def _record(row: Any) -> dict[str, Any]:
    """An exported entry (FaqRepo.export_page's columns) as JSON values, in COLUMNS order."""
    return {
        "community": row.chat_id,
        "question": row.question,
        "answer": row.answer,
        "tags": list(row.tags or []),
        "language": row.language,
        "source": row.source,
        "verified": bool(row.verified),
        "verified_at": _iso(row.verified_at),
        "review_at": _iso(row.review_at),
        "published": bool(row.published),
        "deleted_at": _iso(row.deleted_at),
        "views": row.view_count,
        "helpful": row.helpful_count,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
    }


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if name == "tags":
        plain = all(";" not in t for t in value) and not (value and value[0].startswith("["))
        return "; ".join(value) if plain else json.dumps(value, ensure_ascii=False)
    return str(value)


# Reading files


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise BadRows([Problem(line, "not UTF-8 text")]) from None


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, object]]]:
    """(line where the record starts, its cells by column); raises BadRows for the header
    or for text that is not CSV at all."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise BadRows([Problem(1, f"not CSV: {error}")]) from None
    if header is None:
        return
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in COLUMNS]
    doubled = [h for h, n in Counter(header).items() if n > 1]
    missing = [c for c in ("question", "answer") if c not in header]
    reasons = (
        ([f"unknown column {', '.join(map(repr, unknown))}"] if unknown else [])
        + ([f"column {', '.join(map(repr, doubled))} given twice"] if doubled else [])
        + ([f"no {' or '.join(missing)} column"] if missing else [])
    )
    if reasons:
        known = ", ".join(COLUMNS)
        raise BadRows([Problem(1, f"header: {'; '.join(reasons)} (columns: {known})")])
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, {"": f"not CSV: {error}"}
            return
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line
        if len(cells) != len(header):
            yield start, {"": f"{len(cells)} cells where the header has {len(header)}"}
            continue
        yield start, dict(zip(header, cells, strict=True))


def _jsonl_rows(text: str) -> Iterator[tuple[int, dict[str, object]]]:
    # Lines end at a newline only: U+2028 and other separators are text inside JSON strings.
    for number, line in enumerate(io.StringIO(text, newline="\n"), start=1):
        line = line.removesuffix("\n")
        if not line.strip():
            continue
        try:
            fields = json.loads(line.removesuffix("\r"))
        except json.JSONDecodeError as error:
            yield number, {"": f"not valid JSON: {error.msg.lower()} (column {error.colno})"}
            continue
        if not isinstance(fields, dict):
            yield number, {"": "not a JSON object"}
            continue
        unknown = [k for k in fields if k not in COLUMNS]
        if unknown:
            yield number, {"": f"unknown field {', '.join(map(repr, unknown))}"}
            continue
        yield number, fields


def read_rows(data: bytes, fmt: str, now: datetime) -> tuple[list[_Row], list[Problem]]:
    """Every row of the file, checked: the good ones, and the bad ones with their reasons.
    Raises BadRows when the file cannot be read as `fmt` at all."""
    text = _decoded(data)
    rows, problems = [], []
    for line, fields in (_csv_rows if fmt == "csv" else _jsonl_rows)(text):
        if "" in fields:  # the record itself could not be read
            problems.append(Problem(line, str(fields[""])))
            continue
        try:
            chat_id, values = _entry(fields, now)
        except _Bad as error:
            problems.append(Problem(line, str(error)))
            continue
        rows.append(_Row(line, chat_id, values))
    return rows, problems


class FaqIOService:
    """`peerbot faq import` and `peerbot faq export`."""

    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.repo = FaqRepo(session)

    async def import_file(
        self, data: bytes, fmt: str, *, chat_id: int | None = None, name: str | None = None
    ) -> Imported:
        """Import the file's entries (`chat_id`: only that group's; rows naming no group are
        its). All of them or, when any row is bad, none (BadRows)."""
        now = self.clock.now()
        rows, problems = read_rows(data, fmt, now)
        async with transaction(self.session, write=True):
            asked = None
            if chat_id is not None:
                asked = (await self.repo.communities_by_chat([chat_id])).get(chat_id)
                if asked is None:
                    raise UnknownGroup(chat_id)
            result = Imported()
            kept = []
            for row in rows:
                if row.chat_id is None and chat_id is not None:
                    row.chat_id = chat_id
                if chat_id is not None and row.chat_id != chat_id:
                    result.skipped += 1
                else:
                    kept.append(row)
            groups = await self.repo.communities_by_chat(
                [r.chat_id for r in kept if r.chat_id is not None]
            )
            problems += [
                Problem(r.line, "community (the group's chat id) is missing")
                if r.chat_id is None
                else Problem(
                    r.line,
                    f"no group with chat id {r.chat_id} is known to the bot "
                    "(add the bot to the group first)",
                )
                for r in kept
                if r.chat_id not in groups
            ]
            if problems:
                raise BadRows(problems)
            index = FaqIndex.for_session(self.session)
            for start in range(0, len(kept), CHUNK):  # one chunk's copies in memory at a time
                values = []
                for row in kept[start : start + CHUNK]:
                    community = groups[row.chat_id]  # type: ignore[index]
                    entry = {**row.values, "community_id": community.id}
                    # As FaqService publishes: where the group verifies accepted answers first,
                    # an unverified one waits.
                    if entry["source"] == "answer" and not entry["verified"]:
                        entry["published"] = entry["published"] and not community.faq_verification
                    entry["published_at"] = entry["created_at"] if entry["published"] else None
                    values.append(entry)
                ids = await self.repo.add_many(values)
                published = [
                    {
                        "id": entry_id,
                        "scope": v["community_id"],
                        "question": v["question"],
                        "tags": v["tags"],
                        "answer": v["answer"],
                    }
                    for entry_id, v in zip(ids, values, strict=True)
                    if v["published"]
                ]
                await index.put_many(self.session, published)
                result.count += len(values)
                result.published += len(published)
            if result.count:
                await index.analyze(self.session)
            result.groups = dict(Counter(r.chat_id for r in kept))  # type: ignore[arg-type]
            if result.count:
                only = next(iter(groups.values())) if len(groups) == 1 else None
                details = {
                    "count": result.count,
                    "published": result.published,
                    "format": fmt,
                    "file": name,
                    "groups": {str(k): v for k, v in result.groups.items()},
                }
                await self.repo.audit(
                    only.id if only else None, None, AUDIT_ACTION, "faq", None, details, now
                )
            return result

    async def export(self, out: TextIO, fmt: str, *, chat_id: int | None = None) -> int:
        """Write every entry (of the group `chat_id`, or of all), deleted and unpublished ones
        too, oldest first. Returns how many were written."""
        written = 0
        async with transaction(self.session, write=False):
            community_id = None
            if chat_id is not None:
                community = (await self.repo.communities_by_chat([chat_id])).get(chat_id)
                if community is None:
                    raise UnknownGroup(chat_id)
                community_id = community.id
            writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
            if writer is not None:
                writer.writerow(COLUMNS)
            after = 0
            while page := await self.repo.export_page(community_id, after, PAGE):
                for row in page:
                    record = _record(row)
                    if writer is not None:
                        writer.writerow([_cell(k, v) for k, v in record.items()])
                    else:
                        out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += len(page)
                after = page[-1].id
        return written
