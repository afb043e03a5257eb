"""The FAQ: accepted answers and moderators' entries kept for the community to find again.

One search (`FaqService.search`) serves /search, inline mode and the suggestions shown before a
question is asked. An entry is *published* (in the index, found by searches) when it is not
deleted, its author agreed to publish their answers (asked once, the first time one is
accepted) and, where the community wants it, a moderator verified it. Every change by a
moderator is written to the audit log in the same transaction.
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.outbox import OutboxService
from bot.services.tags import MAX_TAG_LENGTH
from storage.db import transaction
from storage.models import Answer, Community, FaqEntry, FaqSearch, Member, Question
from storage.repos.communities import CommunitiesRepo
from storage.repos.faq import FaqRepo
from storage.repos.questions import QuestionsRepo
from storage.repos.tags import TagsRepo
from storage.search import MAX_TERMS, fold, folded_words, query_terms, words
from storage.search.faq import (
    FaqDoc,
    FaqHit,
    FaqIndex,
    FaqQuery,
    one_typo,
    similarity,
    spelling_keys,
)

MAX_RESULTS = 50  # ranked per search; /search shows them a page at a time
PAGE = 5
SUGGESTIONS = 3  # entries shown before a question is asked
MAX_QUERY = 256  # characters of a search kept
MAX_FAQ_QUESTION = 1000  # characters, for entries written by moderators
MAX_FAQ_ANSWER = 3000
MAX_FAQ_TAGS = 10
MAX_FAQ_TAG = MAX_TAG_LENGTH  # characters of one tag label
SNIPPET_WORDS = 24
SIMILAR = 0.4  # pg_trgm similarity a correction needs
CONSENTS = ("named", "anonymous", "no")
CONSENT_KIND = "faq_consent"  # outbox kind: ask a member whether their answers may be published
_SPACE = re.compile(r"\s+")


class FaqError(Exception):
    """Bad input for the FAQ: nothing was changed."""


class EmptySearch(FaqError):
    """No word to search for (empty, or punctuation only)."""


class UnknownEntry(FaqError):
    """No such entry in this community (or not one this member may see)."""


class EmptyEntry(FaqError):
    """A question or answer with no text (`part`: which)."""

    def __init__(self, part: str = "question") -> None:
        super().__init__(part)
        self.part = part


class EntryTooLong(FaqError):
    """`part` (question, answer; with `strict` checks also tags: too many, or tag: one too
    long) is over `limit` characters (tags: in number)."""

    def __init__(self, part: str, limit: int) -> None:
        super().__init__(part)
        self.part, self.limit = part, limit


class AlreadyChosen(FaqError):
    """A suggestion already answered (solved, or asked anyway)."""


class BadEntryTags(FaqError):
    """Tags a moderator typed: too many, or some too long."""

    def __init__(self, count: int, too_long: Sequence[str]) -> None:
        super().__init__(count, too_long)
        self.count, self.too_long = count, list(too_long)


class BadReviewDate(FaqError):
    """Not a date (YYYY-MM-DD, or DD.MM.YYYY)."""


class PastReviewDate(FaqError):
    """A review date that is not after today: the entry would be stale at once."""


@dataclass(frozen=True, slots=True)
class EntryView:
    id: int
    community_id: int
    question: str
    answer: str
    tags: tuple[str, ...]
    language: str | None
    source: str
    verified: bool
    stale: bool  # past its review date
    review_at: datetime | None
    author_name: str | None  # only when the author agreed to be named
    question_number: int | None  # the question it answered, in its community
    group_chat_id: int | None
    group_message_id: int | None
    deleted: bool
    published: bool
    views: int
    helpful: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Found:
    entry: EntryView
    snippet: str  # HTML: the entry's own words around the match, matched words in bold
    rank: float


@dataclass(slots=True)
class SearchResult:
    query: str
    hits: list[Found]  # the page asked for
    total: int  # how many were ranked (at most MAX_RESULTS)
    page: int = 0
    pages: int = 0
    corrected: tuple[str, ...] | None = None  # the words searched for instead of a misspelling
    search_id: int | None = None
    terms: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Suggestion:
    search_id: int
    entries: list[Found]


@dataclass(frozen=True, slots=True)
class Choice:
    """What the asker chose about the suggestions shown before asking."""

    outcome: str  # solved, asked
    community_id: int
    question: str
    anonymous: bool
    group_message_id: int | None
    thread_id: int | None


def parse_query(text: str, *, prefix: bool = False) -> FaqQuery:
    """The words to search for. Stop words are left out when anything else remains (they
    would match nearly every entry and rank nothing). With `prefix`, the last word, when it is
    still being typed (nothing after it), matches any word it begins."""
    text = text[:MAX_QUERY]
    all_words = words(text)
    if not all_words:
        raise EmptySearch()
    typing = prefix and bool(text) and text[-1].isalnum() and len(all_words[-1]) >= 2
    head = all_words[:-1] if typing else all_words
    terms = query_terms(" ".join(head), MAX_TERMS - 1) or (
        list(dict.fromkeys(head))[: MAX_TERMS - 1] if not typing else []
    )
    if typing:
        terms = [t for t in terms if t != all_words[-1]] + [all_words[-1]]
    if not terms:
        raise EmptySearch()
    return FaqQuery(tuple(terms), prefix=typing)


def highlight(text: str, query: FaqQuery, width: int = SNIPPET_WORDS) -> str:
    """HTML: the `width` words of `text` holding most of the query's words, those in bold,
    with … where text was left out."""
    tokens = text.split()
    if not tokens:
        return ""
    exact, start = set(query.terms), query.terms[-1] if query.prefix else None
    # The text folded at once: token i is folded[i], unless folding made a space (then each
    # token is folded alone). A token can hold a query word only if it holds its letters.
    whole = fold(" ".join(tokens))
    folded = whole.split(" ")
    if len(folded) != len(tokens):
        folded = [fold(t) for t in tokens]
    needles = [*exact, *([start] if start else [])]
    seen: dict[str, str | None] = {}  # folded token -> the query word it holds

    def matches(token: str) -> str | None:
        if token not in seen:
            seen[token] = (
                next(
                    (
                        w
                        for w in folded_words(token)
                        if w in exact or (start is not None and w.startswith(start))
                    ),
                    None,
                )
                if any(n in token for n in needles)
                else None
            )
        return seen[token]

    if any(n in whole for n in needles):
        found = [matches(t) for t in folded]
    else:
        found = [None] * len(tokens)
    # The window with the most distinct query words, the earliest of those: slid one token
    # at a time, counting the words inside.
    inside: Counter[str] = Counter(w for w in found[:width] if w)
    best, most = 0, len(inside)
    for i in range(1, len(tokens) - width + 1):
        leaving, entering = found[i - 1], found[i + width - 1]
        if leaving:
            inside[leaving] -= 1
            if not inside[leaving]:
                del inside[leaving]
        if entering:
            inside[entering] += 1
        if len(inside) > most:
            best, most = i, len(inside)
    # Escaping keeps spaces where they were: the escaped text splits into the same tokens.
    escaped = escape(" ".join(tokens[best : best + width]), quote=False).split(" ")
    shown = [
        f"<b>{token}</b>" if hit else token
        for token, hit in zip(escaped, found[best : best + width], strict=True)
    ]
    head = "… " if best > 0 else ""
    tail = " …" if best + width < len(tokens) else ""
    return head + " ".join(shown) + tail


def covers(entry: FaqEntry | FaqDoc, query: FaqQuery) -> bool:
    """Says enough of what the query asks to be suggested as its answer: at least half of
    its words (and two, when it has several)."""
    known = set(words(f"{entry.question} {' '.join(entry.tags or [])} {entry.answer}"))
    shared = sum(1 for t in query.terms if t in known)
    return shared * 2 >= len(query.terms) and (shared >= 2 or len(query.terms) == 1)


def checked_entry(
    question: str,
    answer: str,
    tags: Sequence[str],
    *,
    max_question: int = MAX_FAQ_QUESTION,
    max_answer: int = MAX_FAQ_ANSWER,
    max_tags: int = MAX_FAQ_TAGS,
    strict: bool = False,
) -> tuple[str, str, list[str]]:
    """An entry's texts as they are kept: question and answer stripped, each tag with its
    spaces collapsed, once. Raises EmptyEntry or EntryTooLong. Tags beyond `max_tags` or
    `MAX_FAQ_TAG` characters are cut, or with `strict` refused (EntryTooLong "tags"/"tag")."""
    question = _checked_text(question, "question", max_question)
    answer = _checked_text(answer, "answer", max_answer)
    labels = list(dict.fromkeys(_SPACE.sub(" ", t).strip() for t in tags if t.strip()))
    if strict and any(len(label) > MAX_FAQ_TAG for label in labels):
        raise EntryTooLong("tag", MAX_FAQ_TAG)
    if strict and len(labels) > max_tags:
        raise EntryTooLong("tags", max_tags)
    labels = list(dict.fromkeys(label[:MAX_FAQ_TAG] for label in labels))
    return question, answer, labels[:max_tags]


def display_name(member: Member) -> str:
    return _name(member.first_name, member.last_name)


def _name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)


def _spelling_keys(query: FaqQuery) -> list[str]:
    return sorted(set().union(*(spelling_keys(t) for t in query.terms)))


def _view(
    entry: FaqEntry | FaqDoc,
    entry_id: int,
    now: datetime,
    *,
    verified: bool,
    helpful: int,
    deleted: bool,
    published: bool,
    author_name: str | None,
    question_number: int | None,
    group_chat_id: int | None,
    group_message_id: int | None,
) -> EntryView:
    return EntryView(
        id=entry_id,
        community_id=entry.community_id,
        question=entry.question,
        answer=entry.answer,
        tags=tuple(entry.tags or ()),
        language=entry.language,
        source=entry.source,
        verified=verified,
        stale=entry.review_at is not None and entry.review_at <= now,
        review_at=entry.review_at,
        author_name=author_name,
        question_number=question_number,
        group_chat_id=group_chat_id,
        group_message_id=group_message_id,
        deleted=deleted,
        published=published,
        views=entry.view_count,
        helpful=helpful,
        updated_at=entry.updated_at,
    )


def _doc_view(hit: FaqHit, now: datetime) -> EntryView:
    """A search hit read with its entry (a published one)."""
    doc = hit.doc
    assert doc is not None
    return _view(
        doc,
        hit.entry_id,
        now,
        verified=hit.verified,
        helpful=hit.helpful,
        deleted=False,
        published=True,
        author_name=(
            _name(doc.author_first_name, doc.author_last_name)
            if doc.author_consent == "named"
            else None
        ),
        question_number=doc.question_number,
        group_chat_id=doc.group_chat_id,
        group_message_id=doc.group_message_id,
    )


class FaqService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.repo = FaqRepo(session)
        self.communities = CommunitiesRepo(session)
        self.outbox = OutboxService(session, clock)
        self._index: FaqIndex | None = None

    @property
    def index(self) -> FaqIndex:
        if self._index is None:
            self._index = FaqIndex.for_session(self.session)
        return self._index

    # Searching

    async def scopes_of(self, member_id: int) -> list[int]:
        """The communities whose FAQ a member may search: those they belong to."""
        async with transaction(self.session, write=False):
            return [c.id for c in await self.communities.active_communities_of(member_id)]

    async def titles(self, scopes: Sequence[int]) -> dict[int, str]:
        async with transaction(self.session, write=False):
            found = [await self.repo.community(c) for c in scopes]
        return {c.id: c.title for c in found if c is not None}

    async def search(
        self,
        scopes: Sequence[int],
        text: str,
        *,
        limit: int = MAX_RESULTS,
        prefix: bool = False,
        page: int = 0,
        page_size: int = PAGE,
        log: tuple[int | None, str] | None = None,
    ) -> SearchResult:
        """Published entries of `scopes` best matching `text`: every word first, then any of
        them, then (nothing found) the indexed words closest to a misspelt one. Returns the
        page `page` of `page_size`. `log`: (member, kind) to record the search (its id is then
        in the result, for paging). Raises EmptySearch when `text` has no word."""
        query = parse_query(text, prefix=prefix)
        page = max(page, 0)
        window = (page * page_size, (page + 1) * page_size)
        async with transaction(self.session, write=log is not None):
            ranked, similar = await self._rank(scopes, query, limit, window, spell=True)
            corrected = None
            if not ranked and not query.prefix and scopes:
                fixed = await self._corrected(query, similar)
                if fixed is not None:
                    ranked, _ = await self._rank(scopes, fixed, limit, window)
                    if ranked:
                        query, corrected = fixed, fixed.terms
            result = await self._page(text, query, ranked, page, page_size)
            result.corrected = corrected
            if log is not None:
                member_id, kind = log
                search = await self.repo.log_search(
                    FaqSearch(
                        community_id=scopes[0] if len(scopes) == 1 else None,
                        member_id=member_id,
                        kind=kind,
                        query=text[:MAX_QUERY],
                        results=len(ranked),
                        entry_ids=[f.entry.id for f in result.hits],
                        anonymous=False,
                        created_at=self.clock.now(),
                    )
                )
                result.search_id = search.id
            return result

    async def page_of(
        self, search_id: int, member_id: int, scopes: Sequence[int], page: int
    ) -> SearchResult | None:
        """Another page of a recorded search, for the member who made it (None otherwise)."""
        async with transaction(self.session, write=False):
            search = await self.repo.search(search_id)
        if search is None or search.member_id != member_id or search.kind != "search":
            return None
        if search.community_id is not None:
            scopes = [search.community_id] if search.community_id in scopes else []
        result = await self.search(scopes, search.query, page=page)
        result.search_id = search_id
        return result

    async def _rank(
        self,
        scopes: Sequence[int],
        query: FaqQuery,
        limit: int,
        window: tuple[int, int],
        *,
        spell: bool = False,
    ) -> tuple[list[FaqHit], list[tuple[str, str]] | None]:
        """The best `limit` published entries of `scopes`, best first, those at places
        `window` with their entries (one statement per community). With `spell`, and one
        community, what a correction needs when nothing is found (see `_corrected`; None
        when it was not looked up)."""
        if len(scopes) == 1:
            keys = _spelling_keys(query) if spell and not query.prefix else []
            found = await self.index.top(
                self.session, scopes[0], query, limit, shown=window, spelling=keys
            )
            return found.hits, found.similar if keys else None
        hits: list[FaqHit] = []
        for scope in scopes:  # which are shown is known once all are merged
            found = await self.index.top(self.session, scope, query, limit, shown=(0, window[1]))
            hits += found.hits
        hits.sort(key=lambda h: h.order)
        return hits[:limit], None

    async def _corrected(
        self, query: FaqQuery, similar: list[tuple[str, str]] | None
    ) -> FaqQuery | None:
        """The query with each word the index does not know replaced by the closest one it
        does (None when no word could be corrected). Words one typo away (`similar`: their
        shared spelling keys, looked up now when None) are taken first; only for a word with
        none are words sharing trigrams compared (slower: many share one)."""
        if similar is None:
            similar = await self.index.spelled(self.session, _spelling_keys(query))
        near: dict[str, set[str]] = {}
        for key, word in similar:
            near.setdefault(key, set()).add(word)
        changed, terms = False, []
        for term in query.terms:
            shared = set().union(*(near.get(k, set()) for k in spelling_keys(term)))
            typo = {c for c in shared if c == term or one_typo(term, c)}
            if term in typo:
                terms.append(term)
                continue
            if typo:
                terms.append(max(typo, key=lambda c: (similarity(term, c), c)))
                changed = True
                continue
            candidates = await self.index.known_terms(self.session, term, 20)
            scored = sorted(((similarity(term, c), c) for c in candidates), reverse=True)
            if term not in candidates and scored and scored[0][0] >= SIMILAR:
                terms.append(scored[0][1])
                changed = True
            else:
                terms.append(term)
        return FaqQuery(tuple(terms)) if changed else None

    async def _page(
        self,
        text: str,
        query: FaqQuery,
        ranked: list[FaqHit],
        page: int,
        page_size: int,
    ) -> SearchResult:
        pages = max(1, -(-len(ranked) // page_size))
        page = min(max(page, 0), pages - 1)
        shown = ranked[page * page_size : (page + 1) * page_size]
        read: dict[int, tuple[EntryView, FaqEntry | FaqDoc]] = {}
        now = self.clock.now()
        for hit in shown:
            if hit.doc is not None:
                read[hit.entry_id] = (_doc_view(hit, now), hit.doc)
        if len(read) < len(shown):  # past the last page (when fewer were found): read them
            entries = await self.repo.published([h.entry_id for h in shown])
            views = await self._views(list(entries.values()))
            read.update((e.id, (v, e)) for e, v in zip(entries.values(), views, strict=True))
        hits = [
            Found(read[h.entry_id][0], self._snippet(read[h.entry_id][1], query), h.rank)
            for h in shown
            if h.entry_id in read
        ]
        return SearchResult(text, hits, len(ranked), page, pages, terms=query.terms)

    @staticmethod
    def _snippet(entry: FaqEntry | FaqDoc, query: FaqQuery) -> str:
        """The answer's words around the match, or the question's when only it matches."""
        answer = highlight(entry.answer, query)
        if "<b>" in answer:
            return answer
        question = highlight(entry.question, query)
        return question if "<b>" in question else answer

    async def _views(self, entries: Sequence[FaqEntry]) -> list[EntryView]:
        views = []
        now = self.clock.now()
        for entry in entries:
            author = await self.repo.member(entry.author_id)
            named = author is not None and author.faq_consent == "named"
            number = chat_id = message_id = None
            if entry.question_id is not None:
                question = await self.session.get(Question, entry.question_id)
                community = await self.repo.community(entry.community_id)
                if question is not None and community is not None:
                    number, message_id = question.number, question.group_message_id
                    chat_id = community.chat_id
            views.append(
                _view(
                    entry,
                    entry.id,
                    now,
                    verified=entry.verified,
                    helpful=entry.helpful_count,
                    deleted=entry.deleted_at is not None,
                    published=entry.published,
                    author_name=display_name(author) if named and author else None,
                    question_number=number,
                    group_chat_id=chat_id,
                    group_message_id=message_id,
                )
            )
        return views

    async def open(self, entry_id: int, scopes: Sequence[int], *, count: bool = True) -> EntryView:
        """A published entry of one of `scopes`, in full (counted as a view)."""
        async with transaction(self.session, write=count):
            entry = await self.repo.entry(entry_id)
            if entry is None or not entry.published or entry.community_id not in scopes:
                raise UnknownEntry()
            if count:
                await self.repo.count_viewed(entry_id)
            return (await self._views([entry]))[0]

    async def entry(self, community_id: int, entry_id: int) -> EntryView:
        """Any entry of the community (deleted or unpublished too), for its moderators."""
        async with transaction(self.session, write=False):
            entry = await self._of(community_id, entry_id)
            return (await self._views([entry]))[0]

    async def _of(self, community_id: int, entry_id: int) -> FaqEntry:
        entry = await self.repo.entry(entry_id)
        if entry is None or entry.community_id != community_id:
            raise UnknownEntry()
        return entry

    # Suggestions before asking

    async def suggest(
        self,
        community_id: int,
        member_id: int,
        question: str,
        *,
        anonymous: bool = False,
        group_message_id: int | None = None,
        thread_id: int | None = None,
    ) -> Suggestion | None:
        """Entries that may answer `question` before it is asked; when there are any, the
        question is kept with them until the asker chooses (see `choose`)."""
        try:
            query = parse_query(question)
        except EmptySearch:
            return None
        async with transaction(self.session, write=True):
            hits, _ = await self._rank([community_id], query, SUGGESTIONS * 3, (0, SUGGESTIONS * 3))
            ranked = [h for h in hits if h.doc is not None and covers(h.doc, query)][:SUGGESTIONS]
            if not ranked:
                return None
            result = await self._page(question, query, ranked, 0, SUGGESTIONS)
            search = await self.repo.log_search(
                FaqSearch(
                    community_id=community_id,
                    member_id=member_id,
                    kind="ask",
                    query=question,
                    results=len(ranked),
                    entry_ids=[f.entry.id for f in result.hits],
                    anonymous=anonymous,
                    group_message_id=group_message_id,
                    thread_id=thread_id,
                    created_at=self.clock.now(),
                )
            )
            return Suggestion(search.id, result.hits)

    async def choose(
        self, search_id: int, member_id: int, outcome: str, entry_id: int | None = None
    ) -> Choice:
        """The asker's choice: `solved` (by `entry_id`, one of those shown: it counts as
        helpful) or `asked` (the question goes to the peers: the caller asks it). Raises
        UnknownEntry when the suggestion is not theirs, AlreadyChosen when it was settled."""
        async with transaction(self.session, write=True):
            search = await self.repo.search(search_id)
            if search is None or search.kind != "ask" or search.member_id != member_id:
                raise UnknownEntry()
            if search.outcome is not None:
                raise AlreadyChosen()
            if outcome == "solved":
                if entry_id is None or entry_id not in (search.entry_ids or []):
                    raise UnknownEntry()
                await self.repo.count_helpful(entry_id)
                search.entry_id = entry_id
            search.outcome, search.resolved_at = outcome, self.clock.now()
            assert search.community_id is not None  # suggestions are made in one community
            return Choice(
                outcome,
                search.community_id,
                search.query,
                search.anonymous,
                search.group_message_id,
                search.thread_id,
            )

    async def unchoose(self, search_id: int) -> None:
        """Asking anyway failed (bad input, say): the suggestion may be answered again."""
        async with transaction(self.session, write=True):
            search = await self.repo.search(search_id)
            if search is not None and search.outcome == "asked":
                search.outcome, search.resolved_at = None, None

    # Entries from accepted answers, and consent

    async def from_accepted(self, answer: Answer, question: Question) -> FaqEntry:
        """Inside the accepting transaction: the accepted answer becomes an entry (published
        at once, or once its author agrees and, where required, a moderator verifies it)."""
        entry = await self.repo.by_answer(answer.id)
        now = self.clock.now()
        if entry is None:
            tag_ids = await QuestionsRepo(self.session).question_tag_ids(question.id)
            labels = [
                t.label for t in await TagsRepo(self.session).by_ids(question.community_id, tag_ids)
            ]
            entry = await self.repo.add(
                FaqEntry(
                    community_id=question.community_id,
                    question=question.text,
                    answer=answer.text,
                    tags=labels,
                    language=question.language,
                    source="answer",
                    question_id=question.id,
                    answer_id=answer.id,
                    author_id=answer.author_id,
                    created_by_id=answer.accepted_by_id,
                    verified=False,
                    view_count=0,
                    helpful_count=0,
                    published=False,
                    created_at=now,
                    updated_at=now,
                )
            )
        author = await self.repo.member(entry.author_id)
        community = await self.repo.community(entry.community_id)
        assert community is not None
        if (
            author is not None
            and author.faq_consent is None
            and author.faq_consent_asked_at is None
        ):
            author.faq_consent_asked_at = now
            await self.outbox.queue(
                author.user_id,
                "",
                dedupe_key=f"{CONSENT_KIND}:{author.id}",
                kind=CONSENT_KIND,
                ref_id=author.id,
            )
        await self._sync(entry, community, author)
        return entry

    async def waiting_entry(self, answer_id: int) -> tuple[int, frozenset[str]] | None:
        """(entry id, what it waits for: "consent", "verification") for an accepted answer
        not published yet; None once it is (or when it is no entry)."""
        async with transaction(self.session, write=False):
            entry = await self.repo.by_answer(answer_id)
            if entry is None or entry.published or entry.deleted_at is not None:
                return None
            waits = set()
            author = await self.repo.member(entry.author_id)
            if author is not None and author.faq_consent not in ("named", "anonymous"):
                waits.add("consent")
            community = await self.repo.community(entry.community_id)
            if community is not None and community.faq_verification and not entry.verified:
                waits.add("verification")
            return entry.id, frozenset(waits)

    async def consent_of(self, member_id: int) -> str | None:
        async with transaction(self.session, write=False):
            member = await self.repo.member(member_id)
        return None if member is None else member.faq_consent

    async def consent_needed(self, member_id: int) -> Member | None:
        """The member, when their FAQ consent is still to be given (else None)."""
        async with transaction(self.session, write=False):
            member = await self.repo.member(member_id)
        return member if member is not None and member.faq_consent is None else None

    async def set_consent(self, member_id: int, choice: str) -> int:
        """Publish the member's accepted answers (named or anonymous) or not; every entry
        of theirs follows at once. Returns how many entries are published now."""
        if choice not in CONSENTS:
            raise FaqError(choice)
        async with transaction(self.session, write=True):
            member = await self.repo.member(member_id)
            if member is None:
                raise UnknownEntry()
            member.faq_consent = choice
            member.faq_consent_asked_at = member.faq_consent_asked_at or self.clock.now()
            member.updated_at = self.clock.now()
            published = 0
            for entry in await self.repo.of_author(member_id):
                community = await self.repo.community(entry.community_id)
                assert community is not None
                published += await self._sync(entry, community, member)
            return published

    async def _sync(self, entry: FaqEntry, community: Community, author: Member | None) -> bool:
        """Publish or withdraw the entry as its state now says, and index it accordingly."""
        publish = (
            entry.deleted_at is None
            and (
                entry.source != "answer"
                or author is None  # erased: their answers stay, without a name
                or author.faq_consent in ("named", "anonymous")
            )
            and (entry.verified or entry.source != "answer" or not community.faq_verification)
        )
        entry.published = publish
        if publish and entry.published_at is None:
            entry.published_at = self.clock.now()  # first published: news for the digest
        if publish:
            await self.index.put(
                self.session,
                entry.id,
                entry.community_id,
                entry.question,
                entry.tags or [],
                entry.answer,
            )
        else:
            await self.index.remove(self.session, entry.id, entry.community_id)
        return publish

    # Moderators' changes (the caller checked the actor moderates `community_id`)

    async def add(
        self,
        community_id: int,
        actor_id: int | None,
        question: str,
        answer: str,
        tags: Sequence[str] = (),
        review_at: datetime | None = None,
        language: str | None = None,
    ) -> EntryView:
        async with transaction(self.session, write=True):
            return await self.add_within(
                community_id, actor_id, question, answer, tags, review_at, language
            )

    async def add_within(
        self,
        community_id: int,
        actor_id: int | None,
        question: str,
        answer: str,
        tags: Sequence[str] = (),
        review_at: datetime | None = None,
        language: str | None = None,
    ) -> EntryView:
        """`add` inside the caller's write transaction (a meetup's recap is saved with its
        post): indexed and audited the same way; an error leaves the caller to roll back."""
        question, answer, labels = checked_entry(question, answer, tags)
        now = self.clock.now()
        if review_at is not None and review_at <= now:
            raise PastReviewDate()
        community = await self.repo.community(community_id)
        if community is None:
            raise UnknownEntry()
        entry = await self.repo.add(
            FaqEntry(
                community_id=community_id,
                question=question,
                answer=answer,
                tags=labels,
                language=language or community.language,
                source="moderator",
                created_by_id=actor_id,
                verified=True,
                verified_by_id=actor_id,
                verified_at=now,
                review_at=review_at,
                view_count=0,
                helpful_count=0,
                published=False,
                created_at=now,
                updated_at=now,
            )
        )
        await self._sync(entry, community, None)
        await self._audit(entry, actor_id, "faq_add", {"question": question})
        return (await self._views([entry]))[0]

    async def edit(
        self,
        community_id: int,
        entry_id: int,
        actor_id: int | None,
        *,
        question: str | None = None,
        answer: str | None = None,
        tags: Sequence[str] | None = None,
        review_at: datetime | str | None = "keep",
    ) -> EntryView:
        """Change what is given (review_at None clears the review date)."""
        if isinstance(review_at, datetime) and review_at <= self.clock.now():
            raise PastReviewDate()
        async with transaction(self.session, write=True):
            entry = await self._of(community_id, entry_id)
            # What is not changed is kept as it is, within the limits it came with (an
            # accepted answer may be longer than a moderator's entry).
            new_q, new_a, labels = checked_entry(
                entry.question if question is None else question,
                entry.answer if answer is None else answer,
                entry.tags if tags is None else tags,
                max_question=MAX_FAQ_QUESTION
                if question
                else max(MAX_FAQ_QUESTION, len(entry.question)),
                max_answer=MAX_FAQ_ANSWER if answer else max(MAX_FAQ_ANSWER, len(entry.answer)),
                max_tags=MAX_FAQ_TAGS
                if tags is not None
                else max(MAX_FAQ_TAGS, len(entry.tags or [])),
            )
            before = {"question": entry.question, "answer": entry.answer, "tags": entry.tags}
            entry.question, entry.answer, entry.tags = new_q, new_a, labels
            if not isinstance(review_at, str):
                before["review_at"] = entry.review_at.isoformat() if entry.review_at else None
                entry.review_at = review_at
            entry.updated_at = self.clock.now()
            await self._resync(entry)
            changed = {k: v for k, v in before.items() if v != getattr(entry, k)}
            await self._audit(entry, actor_id, "faq_edit", {"before": _jsonable(changed)})
            return (await self._views([entry]))[0]

    async def delete(self, community_id: int, entry_id: int, actor_id: int | None) -> EntryView:
        return await self._set(community_id, entry_id, actor_id, "faq_delete")

    async def restore(self, community_id: int, entry_id: int, actor_id: int | None) -> EntryView:
        return await self._set(community_id, entry_id, actor_id, "faq_restore")

    async def verify(self, community_id: int, entry_id: int, actor_id: int | None) -> EntryView:
        return await self._set(community_id, entry_id, actor_id, "faq_verify")

    async def _set(
        self, community_id: int, entry_id: int, actor_id: int | None, action: str
    ) -> EntryView:
        now = self.clock.now()
        async with transaction(self.session, write=True):
            entry = await self._of(community_id, entry_id)
            if action == "faq_delete":
                entry.deleted_at = entry.deleted_at or now
            elif action == "faq_restore":
                entry.deleted_at = None
            else:
                entry.verified, entry.verified_by_id, entry.verified_at = True, actor_id, now
            entry.updated_at = now
            await self._resync(entry)
            await self._audit(entry, actor_id, action, {})
            return (await self._views([entry]))[0]

    async def _resync(self, entry: FaqEntry) -> None:
        community = await self.repo.community(entry.community_id)
        assert community is not None
        await self._sync(entry, community, await self.repo.member(entry.author_id))

    async def _audit(
        self, entry: FaqEntry, actor_id: int | None, action: str, details: dict[str, object]
    ) -> None:
        await self.repo.audit(
            entry.community_id, actor_id, action, "faq_entry", entry.id, details, self.clock.now()
        )

    async def set_verification(
        self, community_id: int, enabled: bool, actor_id: int | None
    ) -> None:
        """Whether accepted answers wait for a moderator's verification. Switching it on
        keeps what is published already (those entries count as verified: nobody has to
        re-verify the FAQ); switching it off publishes what was waiting."""
        now = self.clock.now()
        async with transaction(self.session, write=True):
            community = await self.repo.community(community_id)
            if community is None:
                raise UnknownEntry()
            if community.faq_verification == enabled:
                return
            community.faq_verification, community.updated_at = enabled, now
            for entry in await self.repo.of_community(community_id):
                if enabled and entry.published and not entry.verified:
                    entry.verified, entry.verified_at = True, now
                elif not enabled and not entry.published:
                    await self._sync(entry, community, await self.repo.member(entry.author_id))
            await self.repo.audit(
                community_id,
                actor_id,
                "faq_verification",
                "community",
                community_id,
                {"enabled": enabled},
                now,
            )

    async def awaiting_verification(self, community_id: int, limit: int = 30) -> list[EntryView]:
        """Accepted answers kept out of searches until a moderator verifies them."""
        async with transaction(self.session, write=False):
            community = await self.repo.community(community_id)
            if community is None or not community.faq_verification:
                return []
            entries = [
                e
                for e in await self.repo.of_community(community_id)
                if not e.verified and e.deleted_at is None and e.source == "answer"
            ]
            return await self._views(entries[:limit])

    # Browsing

    async def tags(self, community_id: int) -> list[tuple[str, int]]:
        async with transaction(self.session, write=False):
            counts = await self.repo.tag_counts(community_id)
        return sorted(counts.items(), key=lambda kv: (-kv[1], fold(kv[0])))

    async def with_tag(self, community_id: int, label: str, limit: int = 20) -> list[EntryView]:
        async with transaction(self.session, write=False):
            return await self._views(await self.repo.with_tag(community_id, label, limit))

    async def stale(self, community_id: int, limit: int = 30) -> list[EntryView]:
        async with transaction(self.session, write=False):
            return await self._views(await self.repo.stale(community_id, self.clock.now(), limit))

    # Moderation (bot.services.moderation): inside its write transaction, audited like the
    # moderators' own /faq_delete and /faq_restore

    async def withdraw_hidden(
        self, entries: Sequence[FaqEntry], actor_id: int | None, details: dict[str, object]
    ) -> list[int]:
        """Entries made from a question or an answer a moderator hid are deleted (out of
        searches and suggestions at once), each audited as a faq_delete with why. Returns
        their ids."""
        now = self.clock.now()
        withdrawn = []
        for entry in entries:
            if entry.deleted_at is not None:
                continue
            entry.deleted_at, entry.updated_at = now, now
            await self._resync(entry)
            await self._audit(entry, actor_id, "faq_delete", details)
            withdrawn.append(entry.id)
        return withdrawn

    async def restore_unhidden(
        self,
        entries: Sequence[FaqEntry],
        hidden_at: datetime,
        actor_id: int | None,
        details: dict[str, object],
    ) -> list[int]:
        """Entries that hiding deleted (at `hidden_at`; not those a moderator deleted some
        other time) come back, audited as faq_restore. Returns their ids."""
        restored = []
        for entry in entries:
            if entry.deleted_at is None or entry.deleted_at != hidden_at:
                continue
            entry.deleted_at, entry.updated_at = None, self.clock.now()
            await self._resync(entry)
            await self._audit(entry, actor_id, "faq_restore", details)
            restored.append(entry.id)
        return restored


def _jsonable(values: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


# What moderators type, checked one dialog step at a time (add and edit check it all again).


def checked_question(text: str) -> str:
    """The question of an entry, stripped. Raises EmptyEntry, EntryTooLong."""
    return _checked_text(text, "question", MAX_FAQ_QUESTION)


def checked_answer(text: str) -> str:
    return _checked_text(text, "answer", MAX_FAQ_ANSWER)


def _checked_text(text: str, part: str, limit: int) -> str:
    text = text.strip()
    if not text:
        raise EmptyEntry(part)
    if len(text) > limit:
        raise EntryTooLong(part, limit)
    return text


def entry_tags(text: str) -> list[str]:
    """Comma-separated tags as a moderator types them ('GIS, #zoning'), each once, in order.
    Raises BadEntryTags when there are too many or some are too long (nothing is cut)."""
    labels: dict[str, str] = {}
    for part in text.split(","):
        label = _SPACE.sub(" ", part).strip().lstrip("#").strip()
        if label:
            labels.setdefault(fold(label), label)
    too_long = [label for label in labels.values() if len(label) > MAX_FAQ_TAG]
    if len(labels) > MAX_FAQ_TAGS or too_long:
        raise BadEntryTags(len(labels), too_long)
    return list(labels.values())


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")  # day first, as es, ru and id write


def review_date(text: str, timezone: str, now: datetime) -> datetime:
    """When an entry falls due for review: the start of the day `text` names (2027-06-30 or
    30.06.2027), in the community's time zone, as UTC. The day must be after today there.
    Raises BadReviewDate, PastReviewDate."""
    text = text.strip()
    if iso := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in iso.groups())
    elif dotted := _DOTTED_DATE.fullmatch(text):
        day, month, year = (int(g) for g in dotted.groups())
    else:
        raise BadReviewDate(text)
    try:
        when = date(year, month, day)
    except ValueError:  # 2027-02-30
        raise BadReviewDate(text) from None
    zone = ZoneInfo(timezone)
    if when <= now.astimezone(zone).date():
        raise PastReviewDate(text)
    return datetime.combine(when, time(), zone).astimezone(UTC)


def review_day(moment: datetime, timezone: str) -> date:
    """The day a review date names, in the community's time zone (see `review_date`)."""
    return moment.astimezone(ZoneInfo(timezone)).date()
