"""Texts and buttons that both handlers and scheduled jobs send (so they live below handlers)."""

from html import escape
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.services.communities import Newcomer
from bot.services.digest import Digest, NewEntry, OpenQuestion, UpcomingMeetup
from bot.services.moderators import UNMATCHED, ModeratorNotice
from bot.services.prompts import PromptToPost
from bot.services.questions import AnswerRelay, GroupPost, Nudge, PeerInvite, units
from bot.timefmt import local_datetime

PROFILE_PAYLOAD = "profile_{community_id}"
TEXT_LIMIT = 4096  # Telegram's, in UTF-16 code units of the text as shown


def start_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


def profile_button(bot_username: str, community_id: int) -> InlineKeyboardMarkup:
    link = start_link(bot_username, PROFILE_PAYLOAD.format(community_id=community_id))
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("Set up my profile"), url=link)]]
    )


def mention(user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={user_id}">{escape(name, quote=False)}</a>'


def group_welcome(title: str) -> str:
    return _(
        "👋 Hello, <b>{title}</b>! I help this group learn from each other.\n\n"
        "• <b>Ask</b>: /ask followed by your question. I find the members who know the topic "
        "and ask them privately, then bring their answers back here.\n"
        "• <b>Search</b>: /search followed by a few words finds answers given before.\n"
        "• <b>Your profile</b>: tell me which topics you know, so questions reach you. "
        "Tap the button below to set it up in our private chat.\n\n"
        "Admins: make me an administrator so I can greet new members."
    ).format(title=escape(title, quote=False))


def newcomers_welcome(newcomers: list[Newcomer], custom_text: str | None) -> str:
    names = ", ".join(mention(n.user_id, n.first_name) for n in newcomers)
    if custom_text:
        return f"{names}\n\n{escape(custom_text, quote=False)}"
    return _(
        "Welcome, {names}! 👋 In this group we answer each other's questions. "
        "Tap the button to tell me what you know, and ask with /ask."
    ).format(names=names)


def apology() -> str:
    return _("Sorry, something went wrong on my side. Please try again in a moment.")


# ---------------------------------------------------------------- questions


class RequestCb(CallbackData, prefix="rq"):
    act: str  # a: answer, d: not my area, l: later
    id: int


class AnswerCb(CallbackData, prefix="an"):
    act: str  # ok: accept, h: helpful
    id: int


def fit(text: str, around: list[str]) -> str:
    """`text` (plain) escaped for HTML, shortened with '…' where the message it goes into,
    with the lines `around` it (HTML), would pass Telegram's limit. The markup of `around`
    counts in full, so the estimate errs on the short side."""
    room = TEXT_LIMIT - sum(units(line) + 1 for line in around)
    if units(text) > room:
        budget, keep = room - 1, 0  # one unit for the '…'
        for char in text:  # characters beyond the BMP (emoji) take two units
            budget -= units(char)
            if budget < 0:
                break
            keep += 1
        text = text[:keep].rstrip() + "…"
    return escape(text, quote=False)


def group_link(chat_id: int, message_id: int | None) -> str | None:
    """A t.me link to a supergroup message (members of the group can open it)."""
    text = str(chat_id)
    if message_id is None or not text.startswith("-100"):
        return None
    return f"https://t.me/c/{text[4:]}/{message_id}"


def invite_message(i18n: I18n, invite: PeerInvite) -> tuple[str, dict[str, Any]]:
    """A peer's private invitation, in the peer's language."""
    with i18n.context(), i18n.use_locale(invite.locale):  # also outside an update
        header = _("<b>Question #{number}</b> in {title}").format(
            number=invite.number, title=escape(invite.community_title, quote=False)
        )
        if invite.reminder:
            header = _("⏰ Reminder") + "\n" + header
        lines = [header]
        if invite.asker_name:
            lines.append(_("Asked by {name}").format(name=escape(invite.asker_name, quote=False)))
        if invite.tags:
            lines.append(
                _("Topics: {tags}").format(
                    tags=", ".join(escape(t, quote=False) for t in invite.tags)
                )
            )
        tail = [""]
        link = group_link(invite.community_chat_id, invite.group_message_id)
        if link:
            tail.append(_('<a href="{link}">Open it in the group</a>').format(link=link))
        tail.append(_("You know this topic: can you help?"))
        lines += ["", fit(invite.text, [*lines, "", *tail]), *tail]
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=_("✍️ Answer"),
                        callback_data=RequestCb(act="a", id=invite.request_id).pack(),
                    )
                ],
                [
                    InlineKeyboardButton(
                        text=_("Not my area"),
                        callback_data=RequestCb(act="d", id=invite.request_id).pack(),
                    ),
                    InlineKeyboardButton(
                        text=_("Later"),
                        callback_data=RequestCb(act="l", id=invite.request_id).pack(),
                    ),
                ],
            ]
        )
    return "\n".join(lines), markup.model_dump(exclude_none=True)


def _answer_button(text: str, act: str, answer_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=AnswerCb(act=act, id=answer_id).pack())


def answer_messages(
    i18n: I18n, relay: AnswerRelay
) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
    """The answer as the asker sees it privately (Accept, Helpful) and as the group sees it
    (Helpful), with their buttons."""
    name = escape(relay.author_name, quote=False)
    with i18n.context(), i18n.use_locale(relay.asker_locale):
        to_asker = _("<b>An answer to your question #{number}</b>, from {name}:").format(
            number=relay.number, name=name
        )
        asker_buttons = [
            _answer_button(_("✅ Accept"), "ok", relay.answer_id),
            _answer_button(_("👍 Helpful"), "h", relay.answer_id),
        ]
    with i18n.context(), i18n.use_locale(relay.group_locale):
        to_group = _("<b>Answer to question #{number}</b>, from {name}:").format(
            number=relay.number, name=name
        )
        group_buttons = [_answer_button(_("👍 Helpful"), "h", relay.answer_id)]
    # Within the limit already (bot.services.questions.MAX_ANSWER); fitted all the same, so a
    # long name in the header can never make Telegram refuse the answer.
    body = fit(relay.answer, [max(to_asker, to_group, key=units), ""])
    return (
        (f"{to_asker}\n\n{body}", _markup(asker_buttons)),
        (f"{to_group}\n\n{body}", _markup(group_buttons)),
    )


def _markup(row: list[InlineKeyboardButton]) -> dict[str, Any]:
    return InlineKeyboardMarkup(inline_keyboard=[row]).model_dump(exclude_none=True)


def moderator_notice(i18n: I18n, locale: str, notice: ModeratorNotice) -> str:
    """To a moderator, privately: a question nobody can answer yet, and why."""
    title = escape(notice.community_title, quote=False)
    with i18n.context(), i18n.use_locale(locale):
        if notice.kind == UNMATCHED:
            text = _(
                "Question #{number} in {title} has nobody who lists its topics yet. Could you "
                "invite someone who knows {topics}?"
            ).format(number=notice.number, title=title, topics=_topics(notice))
        else:
            text = _(
                "Question #{number} in {title} has no answer after two rounds of asking the "
                "members who know its topic. Could you invite someone who can answer it?"
            ).format(number=notice.number, title=title)
        link = group_link(notice.community_chat_id, notice.group_message_id)
        if link:
            text += "\n" + _('<a href="{link}">Open it in the group</a>').format(link=link)
    return text


def moderators_in_group(i18n: I18n, notice: ModeratorNotice) -> str:
    """In the group, when no moderator can be messaged privately."""
    with i18n.context(), i18n.use_locale(notice.community_language):
        if notice.kind == UNMATCHED:
            return _(
                "Nobody here lists the topics of question #{number} yet. Moderators: could you "
                "invite someone who knows {topics}?"
            ).format(number=notice.number, topics=_topics(notice))
        return _(
            "Question #{number} still has no answer. Moderators: could you invite someone who "
            "knows the topic?"
        ).format(number=notice.number)


def _topics(notice: ModeratorNotice) -> str:
    if not notice.tags:
        return _("its topic")
    return ", ".join(f"<b>{escape(t, quote=False)}</b>" for t in notice.tags)


def accept_nudge(i18n: I18n, nudge: Nudge) -> str:
    """To the asker, a day after the first answer: accepting keeps the answer for everyone."""
    with i18n.context(), i18n.use_locale(nudge.locale):
        return _(
            "Your question #{number} in {title} has {count} answer(s). If one solved it, tap "
            "✅ Accept under it: the group keeps it as a known answer and stops asking."
        ).format(
            number=nudge.number,
            title=escape(nudge.community_title, quote=False),
            count=nudge.answers,
        )


ANSWER_PAYLOAD = "answer_{question_id}"


def answer_button(bot_username: str, question_id: int) -> InlineKeyboardMarkup:
    """For groups where anyone may answer: opens the answer dialog in the private chat."""
    link = start_link(bot_username, ANSWER_PAYLOAD.format(question_id=question_id))
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("✍️ Answer"), url=link)]]
    )


def group_post(i18n: I18n, post: GroupPost, bot_username: str) -> tuple[str, dict[str, Any] | None]:
    """A question asked privately, posted in the group so that answers can reply to it (with
    an Answer button where anyone may answer)."""
    with i18n.context(), i18n.use_locale(post.locale):
        markup = (
            answer_button(bot_username, post.question_id).model_dump(exclude_none=True)
            if post.open_answering
            else None
        )
        if post.asker_name:
            header = _("❓ <b>Question #{number}</b> from {name}").format(
                number=post.number, name=escape(post.asker_name, quote=False)
            )
        else:
            header = _("❓ <b>Question #{number}</b>, asked anonymously").format(number=post.number)
        tail = [""]
        if post.tags:
            tail.append(
                _("Topics: {tags}").format(
                    tags=", ".join(escape(t, quote=False) for t in post.tags)
                )
            )
        if post.peers:
            tail.append(
                _(
                    "I asked {peers} peer(s) who know the topic; their answers will appear here."
                ).format(peers=post.peers)
            )
        else:
            # The moderators are asked on their own (bot.services.moderators): once.
            tail.append(_("Nobody who can be asked right now has listed this topic yet."))
    return "\n".join([header, "", fit(post.text, [header, "", *tail]), *tail]), markup


# ---------------------------------------------------------------- FAQ


class ConsentCb(CallbackData, prefix="fc"):
    choice: str  # named, anonymous, no (bot.services.faq.CONSENTS)


def consent_buttons() -> InlineKeyboardMarkup:
    choices = [
        ("named", _("✅ Yes, with my name")),
        ("anonymous", _("✅ Yes, without my name")),
        ("no", _("No, keep them out")),
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=ConsentCb(choice=choice).pack())]
            for choice, text in choices
        ]
    )


def consent_request(i18n: I18n, locale: str) -> tuple[str, dict[str, Any]]:
    """Asked once, when a member's answer is first accepted."""
    with i18n.context(), i18n.use_locale(locale):
        text = _(
            "🎉 An answer of yours was accepted. Accepted answers go into the group's FAQ, "
            "where members find them with /search. May I publish yours there?\n\n"
            "You can change this any time in /profile."
        )
        return text, consent_buttons().model_dump(exclude_none=True)


def consent_done(choice: str) -> str:
    if choice == "named":
        return _("Thank you! Your accepted answers are published in the FAQ with your name.")
    if choice == "anonymous":
        return _("Thank you! Your accepted answers are published in the FAQ without your name.")
    return _("Understood: your answers stay out of the FAQ. You can change this in /profile.")


# ---------------------------------------------------------------- prompts


def prompt_post(i18n: I18n, prompt: PromptToPost) -> str:
    """A scheduled prompt as the group reads it: a starter in the group's language."""
    with i18n.context(), i18n.use_locale(prompt.language):
        text = _(prompt.text) if prompt.starter else prompt.text
        return "💬 " + escape(text, quote=False) + "\n\n" + _("Reply to this message to join in.")


# ---------------------------------------------------------------- digest


def _clip(text: str, limit: int) -> str:
    """`text` (plain) on one line, at most `limit` characters, escaped for HTML."""
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return escape(text, quote=False)


def _linked(text: str, link: str | None) -> str:
    return f'<a href="{escape(link)}">{text}</a>' if link else text


def digest_post(i18n: I18n, digest: Digest, bot_username: str) -> str:
    """The digest as the group reads it, in the group's language: each open question with
    the link that answers it (the private answer dialog where anyone may answer, else the
    question in the group), the new FAQ entries, the meetups coming up in local time."""
    with i18n.context(), i18n.use_locale(digest.language):
        lines = [_("📰 <b>Digest for {title}</b>").format(title=escape(digest.title, quote=False))]
        if digest.questions:
            lines += ["", _("❓ <b>Questions that need help</b>")]
            lines += [_digest_question(digest, q, bot_username) for q in digest.questions]
            if digest.more_questions:
                more = _("…and {count} more: /open lists them all.")
                lines.append(more.format(count=digest.more_questions))
        if digest.entries:
            lines += ["", _("📚 <b>New in the FAQ</b>")]
            lines += [_digest_entry(digest, e) for e in digest.entries]
            if digest.more_entries:
                more = _("…and {count} more.")
                lines.append(more.format(count=digest.more_entries))
            lines.append(_("Find them with /search."))
        if digest.meetups:
            lines += ["", _("📅 <b>Coming up</b>")]
            lines += [_digest_meetup(digest, m) for m in digest.meetups]
            if digest.more_meetups:
                lines.append(_("…and {count} more.").format(count=digest.more_meetups))
        return "\n".join(lines)


def _digest_question(digest: Digest, question: OpenQuestion, bot_username: str) -> str:
    if question.answers:
        state = _("{count} answer(s), none accepted yet").format(count=question.answers)
    else:
        state = _("no answer yet")
    line = f"• #{question.number} {_clip(question.text, 150)} ({state})"
    if digest.open_answering:
        payload = ANSWER_PAYLOAD.format(question_id=question.question_id)
        link = start_link(bot_username, payload)
        return line + " — " + _('<a href="{link}">✍️ Answer</a>').format(link=escape(link))
    link = group_link(digest.chat_id, question.group_message_id)
    if link is None:
        return line
    return line + " — " + _('<a href="{link}">Open it in the group</a>').format(link=link)


def _digest_entry(digest: Digest, entry: NewEntry) -> str:
    title = _linked(_clip(entry.question, 100), group_link(digest.chat_id, entry.group_message_id))
    number = _("FAQ #{id}").format(id=entry.entry_id)
    return f"• {title} ({number})"


def _digest_meetup(digest: Digest, meetup: UpcomingMeetup) -> str:
    when = escape(local_datetime(meetup.starts_at, digest.timezone, digest.language))
    title = _linked(_clip(meetup.title, 120), group_link(digest.chat_id, meetup.group_message_id))
    return f"• {when} — {title}"
