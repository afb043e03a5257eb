"""What the moderators' FAQ commands say: usage, refusals, an entry in full, the stale list."""

from collections.abc import Callable
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.messages import fit
from bot.services.communities import CommunityView
from bot.services.faq import (
    MAX_FAQ_TAGS,
    BadEntryTags,
    BadReviewDate,
    EmptyEntry,
    EntryTooLong,
    EntryView,
    FaqError,
    PastReviewDate,
    review_day,
)
from bot.services.questions import units
from handlers.keyboards.faq_admin import FaqAct
from handlers.rights import MAX_ID

LIST_LIMIT = 4000  # UTF-16 units of a /faq_stale reply, with room for "… and N more"


def entry_id_of(raw: str | None) -> int | None:
    text = (raw or "").strip().lstrip("#")
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def usage(act: FaqAct) -> str:
    return {
        FaqAct.EDIT: _("Say which entry to edit, e.g. /faq_edit 12"),
        FaqAct.DELETE: _("Say which entry to delete, e.g. /faq_delete 12"),
        FaqAct.RESTORE: _("Say which entry to restore, e.g. /faq_restore 12"),
        FaqAct.VERIFY: _("Say which entry to verify, e.g. /faq_verify 12"),
    }[act]


def no_such_entry(entry_id: int, community: CommunityView) -> str:
    return _("There is no entry #{id} in the FAQ of {title}. Nothing was changed.").format(
        id=entry_id, title=escape(community.title, quote=False)
    )


def not_a_moderator() -> str:
    return _("Only the group's administrators can change its FAQ. Nothing was changed.")


def no_group_moderated() -> str:
    return _(
        "Only a group's administrators can change its FAQ, and I know no group where you are "
        "one. (If you are, write something in the group first.) Nothing was changed."
    )


def faq_error_text(error: FaqError) -> str:
    if isinstance(error, EntryTooLong):
        return _("That is too long: please keep it to {limit} characters.").format(
            limit=error.limit
        )
    if isinstance(error, EmptyEntry):
        return _("Please send it as text.")
    if isinstance(error, BadEntryTags):
        if error.too_long:
            return _("Each topic can be at most 40 characters.")
        return _("That is {count} topics; an entry can have at most {limit}.").format(
            count=error.count, limit=MAX_FAQ_TAGS
        )
    if isinstance(error, PastReviewDate):
        return _("The review date must be after today.")
    if isinstance(error, BadReviewDate):
        return _("I can't read that date. Write it like 2027-06-30 (year-month-day).")
    return _("There is no such entry. Nothing was changed.")


def entry_card(view: EntryView, timezone: str, lead: str = "", tail: str = "") -> str:
    """The whole entry as a moderator checks it, between `lead` and `tail` (paragraphs, HTML);
    its question and answer are shortened only where Telegram would refuse the message."""
    flags = [_("verified") if view.verified else _("not verified")]
    if view.deleted:
        flags.append(_("deleted"))
    elif not view.published:
        flags.append(_("not published"))
    if view.stale:
        flags.append(_("due for review"))
    topics = ", ".join(escape(t, quote=False) for t in view.tags) or "—"
    if view.review_at is not None:
        review = _("<b>Review date:</b> {day}").format(day=review_day(view.review_at, timezone))
    else:
        review = _("<b>Review date:</b> none")
    head = [
        *([lead, ""] if lead else []),
        _("<b>FAQ entry #{id}</b> ({flags})").format(id=view.id, flags=", ".join(flags)),
        _("<b>Topics:</b> {topics}").format(topics=topics),
        review,
        "",
        _("<b>Question:</b>"),
    ]
    middle, end = ["", _("<b>Answer:</b>")], (["", tail] if tail else [])
    question = fit(view.question, [*head, *middle, *end])
    answer = fit(view.answer, [*head, question, *middle, *end])
    return "\n".join([*head, question, *middle, answer, *end])


def stale_text(views: list[EntryView], community: CommunityView) -> str:
    title = escape(community.title, quote=False)
    if not views:
        return _("No entry of the FAQ of {title} is past its review date.").format(title=title)
    head = _("<b>Past their review date</b> in {title}, oldest first:").format(title=title)

    def line(view: EntryView, question: str) -> str:
        assert view.review_at is not None  # listed because it has one
        return _("#{id} — {question} (review date {day}) — /faq_edit {id}").format(
            id=view.id, question=question, day=review_day(view.review_at, community.timezone)
        )

    return _entry_list(head, views, line)


def unverified_text(views: list[EntryView], community: CommunityView) -> str:
    title = escape(community.title, quote=False)
    if not views:
        return _("No accepted answer of {title} waits for verification.").format(title=title)
    head = _("<b>Waiting for verification</b> in {title}:").format(title=title)
    return _entry_list(
        head,
        views,
        lambda view, question: _("#{id} — {question} — /faq_verify {id}").format(
            id=view.id, question=question
        ),
    )


def _entry_list(head: str, views: list[EntryView], render: Callable[[EntryView, str], str]) -> str:
    lines = [head]
    size = sum(units(line) + 1 for line in lines)
    for shown, view in enumerate(views):
        text = view.question if len(view.question) <= 80 else view.question[:79] + "…"
        line = render(view, escape(text, quote=False))
        if size + units(line) + 1 > LIST_LIMIT:
            lines.append(_("… and {count} more.").format(count=len(views) - shown))
            break
        lines.append(line)
        size += units(line) + 1
    return "\n".join(lines)
