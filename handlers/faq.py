"""Finding answers given before: /search (a page of results, entries opened in full), /faq (by
topic), inline mode (@bot words, in any chat), and the member's consent to publish their
accepted answers. The buttons of a search answer only the member who searched."""

import logging
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
)
from aiogram.utils.i18n import gettext as _

from bot.flood import FloodLimiter
from bot.messages import ConsentCb, consent_buttons, consent_done, fit, group_link
from bot.services.faq import (
    EmptySearch,
    EntryView,
    FaqError,
    FaqService,
    Found,
    SearchResult,
    Suggestion,
    UnknownEntry,
)
from bot.services.members import Actor
from handlers.filters import private_buttons
from handlers.flood import flooded
from handlers.keyboards.profile import Act, ProfileCb
from handlers.questions import MAX_ID

log = logging.getLogger(__name__)
INLINE_PAGE = 20
MAX_TAG_BUTTONS = 30
TITLE = 90  # characters of a question shown as a result's title


class FaqCb(CallbackData, prefix="fq"):
    act: str  # p: a page of search `s`; o: open entry `n` of search `s`; t: topic; e: entry
    s: int  # the search (p, o), or the community (t, e)
    n: int  # the page (p), the entry (o, e), the topic's place in the list (t; -1: all)
    u: int  # the member the buttons answer


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _marks(entry: EntryView) -> str:
    marks = ""
    if entry.verified:
        marks += " ✅"
    if entry.stale:
        marks += " ⚠️"
    return marks


def results_text(result: SearchResult) -> str:
    query = escape(_short(result.query, 60), quote=False)
    if not result.hits:
        return _(
            "Nothing in the FAQ matches “{query}” yet. Ask the group: /ask followed by your "
            "question."
        ).format(query=query)
    lines = [_("🔎 <b>{count}</b> answer(s) for “{query}”").format(count=result.total, query=query)]
    if result.corrected:
        lines.append(
            _("Showing results for: {words}").format(
                words=escape(" ".join(result.corrected), quote=False)
            )
        )
    if result.pages > 1:
        lines[0] += " · " + _("page {page} of {pages}").format(
            page=result.page + 1, pages=result.pages
        )
    for place, hit in enumerate(result.hits, start=1):
        lines += ["", _found_line(place, hit)]
    if any(hit.entry.stale for hit in result.hits):
        lines += ["", _("⚠️ due for review: it may be out of date.")]
    return "\n".join(lines)


def _found_line(place: int, hit: Found) -> str:
    title = escape(_short(hit.entry.question, TITLE), quote=False)
    return f"{place}. <b>{title}</b>{_marks(hit.entry)}\n{hit.snippet}"


def results_markup(result: SearchResult, member_id: int) -> InlineKeyboardMarkup | None:
    if not result.hits or result.search_id is None:
        return None
    sid = result.search_id
    opens = [
        InlineKeyboardButton(
            text=str(place),
            callback_data=FaqCb(act="o", s=sid, n=hit.entry.id, u=member_id).pack(),
        )
        for place, hit in enumerate(result.hits, start=1)
    ]
    rows = [opens]
    nav = []
    if result.page > 0:
        nav.append(_page_button(_("◀ Previous"), sid, result.page - 1, member_id))
    if result.page + 1 < result.pages:
        nav.append(_page_button(_("Next ▶"), sid, result.page + 1, member_id))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _page_button(text: str, search_id: int, page: int, member_id: int) -> InlineKeyboardButton:
    data = FaqCb(act="p", s=search_id, n=page, u=member_id).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def entry_card(entry: EntryView) -> str:
    """An entry in full, as one message."""
    head = [f"<b>{escape(_short(entry.question, 600), quote=False)}</b>{_marks(entry)}", ""]
    tail = [""]
    if entry.tags:
        tail.append(_("Topics: {tags}").format(tags=escape(", ".join(entry.tags), quote=False)))
    link = group_link(entry.group_chat_id or 0, entry.group_message_id)
    source = []
    if entry.author_name:
        source.append(_("Answered by {name}").format(name=escape(entry.author_name, quote=False)))
    if entry.question_number is not None:
        number = _("question #{number}").format(number=entry.question_number)
        source.append(f'<a href="{link}">{number}</a>' if link else number)
    if source:
        tail.append(" · ".join(source))
    if entry.verified:
        tail.append(_("✅ Verified by a moderator"))
    if entry.stale and entry.review_at is not None:
        tail.append(
            _("⚠️ Due for review since {date}: it may be out of date.").format(
                date=entry.review_at.date().isoformat()
            )
        )
    tail.append(_("FAQ #{id}").format(id=entry.id))
    return "\n".join([*head, fit(entry.answer, [*head, *tail]), *tail])


def _back_markup(callback: FaqCb) -> InlineKeyboardMarkup:
    if callback.act == "o":
        back = FaqCb(act="p", s=callback.s, n=-1, u=callback.u)
    else:
        back = FaqCb(act="t", s=callback.s, n=-1, u=callback.u)
    button = InlineKeyboardButton(text=_("◀ Back"), callback_data=back.pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


class SuggestCb(CallbackData, prefix="sg"):
    act: str  # s: this entry solved it; a: ask the peers anyway
    s: int  # the suggestion (a recorded search)
    e: int  # the entry (s), else 0


def suggestion_message(suggestion: Suggestion) -> tuple[str, InlineKeyboardMarkup]:
    """Entries that may answer a question, before it is asked, with the asker's two choices
    (the service checks that the presser is the asker)."""
    lines = [_("💡 <b>These may answer it:</b>")]
    for place, hit in enumerate(suggestion.entries, start=1):
        lines += ["", _found_line(place, hit)]
    lines += ["", _("If one does, tap it; if not, I ask the peers who know the topic.")]
    several = len(suggestion.entries) > 1
    solved = [
        InlineKeyboardButton(
            text=_("✅ {place} solved it").format(place=place)
            if several
            else _("✅ This solved it"),
            callback_data=SuggestCb(act="s", s=suggestion.search_id, e=hit.entry.id).pack(),
        )
        for place, hit in enumerate(suggestion.entries, start=1)
    ]
    ask = InlineKeyboardButton(
        text=_("Ask peers anyway"),
        callback_data=SuggestCb(act="a", s=suggestion.search_id, e=0).pack(),
    )
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=[solved, [ask]])


def search_usage() -> str:
    return _(
        "Send /search followed by a few words, for example: /search budget planning. "
        "I look through the answers this group has kept."
    )


async def _scopes(actor: Actor, faq: FaqService, in_group: bool) -> list[int]:
    if in_group:
        return [actor.community_id] if actor.community_id is not None else []
    return await faq.scopes_of(actor.member_id)


async def cmd_search(
    message: Message,
    command: CommandObject,
    actor: Actor,
    faq: FaqService,
    flood: FloodLimiter | None = None,
) -> None:
    if (command.args or "").strip() and await flooded(message, flood, "search", actor.user_id):
        return
    in_group = message.chat.type != "private"
    scopes = await _scopes(actor, faq, in_group)
    if not scopes:
        await message.answer(_not_a_member())
        return
    try:
        result = await faq.search(
            scopes, (command.args or "").strip(), log=(actor.member_id, "search")
        )
    except EmptySearch:
        await message.reply(search_usage())
        return
    await message.reply(results_text(result), reply_markup=results_markup(result, actor.user_id))


def _not_a_member() -> str:
    return _(
        "I don't know your group yet: the FAQ belongs to a group's members. Write something "
        "in your group first, then search again."
    )


async def cb_faq(query: CallbackQuery, callback_data: FaqCb, actor: Actor, faq: FaqService) -> None:
    if callback_data.u != actor.user_id:
        await query.answer(
            _("These buttons answer the member who searched. Search yourself with /search."),
            show_alert=True,
        )
        return
    if not (0 < callback_data.s <= MAX_ID and -1 <= callback_data.n <= MAX_ID):
        await query.answer(_("That button has expired."), show_alert=True)
        return
    in_group = query.message is not None and query.message.chat.type != "private"
    scopes = await _scopes(actor, faq, in_group)
    try:
        text, markup = await _faq_view(callback_data, actor, faq, scopes)
    except FaqError:
        await query.answer(_("That entry is no longer in the FAQ."), show_alert=True)
        return
    await query.answer()
    if query.message is not None:
        await query.message.edit_text(text, reply_markup=markup)  # type: ignore[union-attr]


async def _faq_view(
    callback: FaqCb, actor: Actor, faq: FaqService, scopes: list[int]
) -> tuple[str, InlineKeyboardMarkup | None]:
    if callback.act in ("o", "e"):  # an entry in full, from a search or a topic
        entry = await faq.open(callback.n, scopes)
        return entry_card(entry), _back_markup(callback)
    if callback.act == "t":
        if callback.s not in scopes:
            raise UnknownEntry()
        return await _topic_view(callback.s, callback.n, actor, faq)
    page = max(callback.n, 0)
    result = await faq.page_of(callback.s, actor.member_id, scopes, page)
    if result is None:
        raise UnknownEntry()
    return results_text(result), results_markup(result, actor.user_id)


async def _topic_view(
    community_id: int, place: int, actor: Actor, faq: FaqService
) -> tuple[str, InlineKeyboardMarkup | None]:
    tags = (await faq.tags(community_id))[:MAX_TAG_BUTTONS]
    if place < 0 or place >= len(tags):
        return _topics_text(tags), _topics_markup(community_id, tags, actor.user_id)
    label = tags[place][0]
    entries = await faq.with_tag(community_id, label)
    lines = [_("📚 <b>{topic}</b>").format(topic=escape(label, quote=False))]
    rows = [
        [
            InlineKeyboardButton(
                text=_short(e.question, 60) + _marks(e),
                callback_data=FaqCb(act="e", s=community_id, n=e.id, u=actor.user_id).pack(),
            )
        ]
        for e in entries
    ]
    rows.append(
        [
            InlineKeyboardButton(
                text=_("◀ All topics"),
                callback_data=FaqCb(act="t", s=community_id, n=-1, u=actor.user_id).pack(),
            )
        ]
    )
    lines.append(_("Tap a question to read its answer."))
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def _topics_text(tags: list[tuple[str, int]]) -> str:
    if not tags:
        return _(
            "The FAQ has no topics yet: answers accepted in the group are kept here, by "
            "topic. Meanwhile, /search finds them by their words."
        )
    return _("📚 <b>FAQ topics</b>: tap one to see its questions.")


def _topics_markup(
    community_id: int, tags: list[tuple[str, int]], user_id: int
) -> InlineKeyboardMarkup | None:
    if not tags:
        return None
    buttons = [
        InlineKeyboardButton(
            text=f"{_short(label, 30)} ({count})",
            callback_data=FaqCb(act="t", s=community_id, n=place, u=user_id).pack(),
        )
        for place, (label, count) in enumerate(tags)
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    )


async def cmd_faq(message: Message, actor: Actor, faq: FaqService) -> None:
    in_group = message.chat.type != "private"
    scopes = await _scopes(actor, faq, in_group)
    if not scopes:
        await message.answer(_not_a_member())
        return
    if len(scopes) > 1:  # in the private chat, a member of several groups picks one
        titles = await faq.titles(scopes)
        rows = [
            [
                InlineKeyboardButton(
                    text=titles.get(cid, str(cid)),
                    callback_data=FaqCb(act="t", s=cid, n=-1, u=actor.user_id).pack(),
                )
            ]
            for cid in scopes
        ]
        markup = InlineKeyboardMarkup(inline_keyboard=rows)
        await message.reply(_("Which group's FAQ?"), reply_markup=markup)
        return
    text, markup = await _topic_view(scopes[0], -1, actor, faq)
    await message.reply(text, reply_markup=markup)


async def inline_search(
    query: InlineQuery, actor: Actor, faq: FaqService, flood: FloodLimiter | None = None
) -> None:
    """@bot words: entries of the member's groups, the word being typed matched as a
    prefix; each result posts the entry in full where it is chosen. Over the flood limit (its
    own, larger than /search's: Telegram asks again at nearly every keystroke): no results
    until the window allows more."""
    new_search = not query.offset and query.query.strip()  # not a next page of the same
    if new_search and flood is not None and await flood.hit("inline", actor.user_id):
        await query.answer([], cache_time=1, is_personal=True)
        return
    offset = int(query.offset) if query.offset.isdigit() else 0
    scopes = await faq.scopes_of(actor.member_id)
    results: list[InlineQueryResultArticle] = []
    next_offset = ""
    if scopes and offset < 50:
        try:
            found = await faq.search(
                scopes, query.query, prefix=True, page=offset // INLINE_PAGE, page_size=INLINE_PAGE
            )
        except EmptySearch:
            found = None
        if found is not None and found.page * INLINE_PAGE == offset:
            results = [_article(hit) for hit in found.hits]
            if found.page + 1 < found.pages:
                next_offset = str(offset + INLINE_PAGE)
    await query.answer(
        results,  # type: ignore[arg-type]
        cache_time=30,
        is_personal=True,  # the FAQ a member sees is their groups'
        next_offset=next_offset,
    )


def _article(hit: Found) -> InlineQueryResultArticle:
    entry = hit.entry
    plain = " ".join(entry.answer.split())
    return InlineQueryResultArticle(
        id=str(entry.id),
        title=_short(entry.question, TITLE) + _marks(entry),
        description=_short(plain, 120),
        input_message_content=InputTextMessageContent(
            message_text=entry_card(entry), parse_mode="HTML"
        ),
    )


async def cb_consent_menu(query: CallbackQuery, actor: Actor, faq: FaqService) -> None:
    """From /profile: whether (and how) the member's accepted answers are published."""
    current = await faq.consent_of(actor.member_id)
    now = {
        "named": _("Now: published with your name."),
        "anonymous": _("Now: published without your name."),
        "no": _("Now: not published."),
    }.get(current or "", _("Now: you have not chosen yet (nothing of yours is published)."))
    await query.answer()
    await query.message.answer(  # type: ignore[union-attr]
        _("May your accepted answers be published in your groups' FAQ?") + "\n" + now,
        reply_markup=consent_buttons(),
    )


async def cb_consent(
    query: CallbackQuery, callback_data: ConsentCb, actor: Actor, faq: FaqService
) -> None:
    try:
        await faq.set_consent(actor.member_id, callback_data.choice)
    except FaqError:
        await query.answer(_("That button has expired."), show_alert=True)
        return
    await query.answer()
    if query.message is not None:
        await query.message.edit_text(consent_done(callback_data.choice))  # type: ignore[union-attr]


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_search, Command("search"))
    router.message.register(cmd_faq, Command("faq"))
    router.callback_query.register(cb_faq, FaqCb.filter())
    router.callback_query.register(cb_consent, private_buttons, ConsentCb.filter())
    router.callback_query.register(
        cb_consent_menu, private_buttons, ProfileCb.filter(F.act == Act.FAQ_MENU)
    )
    router.inline_query.register(inline_search)
    return router
