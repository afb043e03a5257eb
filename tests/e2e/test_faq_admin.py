"""Moderators keep the FAQ, told as they live it: María (an administrator of the group, writing
in Spanish) adds entries through the dialog, edits, deletes, restores and verifies them, in the
group or in the private chat; every change is in the audit log. Alice, a member, is refused and
nothing changes; an entry of another group is "no such entry"; a button or a link proves no
rights: Telegram is asked again."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.services.faq import FaqService
from storage.models import AuditEntry, Community, FaqEntry
from tests.e2e.conftest import ALICE, GROUP, MARIA, Harness
from tests.e2e.test_edge_cases import as_anonymous_admin
from tests.e2e.test_questions import answered
from tests.fakes.telegram_api import Chat

SECOND = Chat(-1001000000003, "supergroup", title="Transit Planners")
QUESTION = "How do I request a zoning variance?"
ANSWER = "File form ZV-2 at the planning office; the board meets monthly."


def es(h: Harness, text: str) -> str:
    """`text` as María reads it."""
    return h.dp["i18n"].gettext(text, locale="es")


async def moderated(h: Harness, group: Chat = GROUP) -> int:
    """María administers `group` and has written there; Alice is a member."""
    community_id = await h.add_bot_to_group(by=MARIA, group=group)
    h.fake.set_chat_member(group, MARIA, "administrator")
    await h.say(MARIA, "hola a todos", group)
    await h.say(ALICE, "hi all", group)
    return community_id


async def add_entry(
    h: Harness, question: str = QUESTION, answer: str = ANSWER, review: str = "-"
) -> FaqEntry:
    """María adds an entry from the private chat (she moderates one group only)."""
    await h.say(MARIA, "/faq_add")
    await h.say(MARIA, question)
    await h.say(MARIA, answer)
    await h.say(MARIA, "zoning, #permits")
    await h.say(MARIA, review)
    return await h.one(select(FaqEntry).order_by(FaqEntry.id.desc()).limit(1))


async def found(h: Harness, community_id: int, text: str) -> list[int]:
    async with h.db.session() as session:
        result = await FaqService(session, h.clock).search([community_id], text)
    return [hit.entry.id for hit in result.hits]


async def audit(h: Harness) -> list[tuple[str, int | None, int | None]]:
    rows = await h.all(select(AuditEntry).order_by(AuditEntry.id))
    return [(r.action, r.target_id, r.actor_id) for r in rows]


async def test_adding_through_the_dialog_is_found_and_audited(h: Harness) -> None:
    community_id = await moderated(h)
    await h.say(MARIA, "/faq_add")
    assert "Municipal Planners" in h.last_text(MARIA.id)
    await h.say(MARIA, QUESTION)
    await h.say(MARIA, ANSWER)
    await h.say(MARIA, "zoning, #permits, Zoning")
    await h.say(MARIA, "2027-06-30")
    entry = await h.one(select(FaqEntry))
    confirmation = h.last_text(MARIA.id)
    assert f"#{entry.id}" in confirmation and QUESTION in confirmation and ANSWER in confirmation
    assert es(h, "Added to the FAQ of {title}:").format(title=GROUP.title) in confirmation
    assert entry.tags == ["zoning", "permits"]
    assert entry.review_at == datetime(2027, 6, 30, tzinfo=UTC)
    assert entry.source == "moderator" and entry.published
    assert await found(h, community_id, "variance") == [entry.id]
    maria = await h.member(MARIA)
    assert await audit(h) == [("faq_add", entry.id, maria.id)]


async def test_in_the_group_faq_add_continues_privately_for_that_group(h: Harness) -> None:
    community_id = await moderated(h)
    await h.say(MARIA, "/faq_add", GROUP)
    reply = h.fake.last_message(GROUP.id)
    [[button]] = reply["reply_markup"]["inline_keyboard"]
    assert button["url"].endswith(f"?start=faqadd_{community_id}")
    await h.say(MARIA, f"/start faqadd_{community_id}")  # she taps it
    assert GROUP.title in h.last_text(MARIA.id)
    await h.say(MARIA, "Who approves street closures?")
    await h.say(MARIA, "The mobility department, two weeks ahead.")
    await h.press(MARIA, es(h, "Skip"))  # no topics
    await h.say(MARIA, es(h, "skip").upper())  # no review date: she types "OMITIR"
    entry = await h.one(select(FaqEntry))
    assert entry.tags == [] and entry.review_at is None
    assert await found(h, community_id, "street closures") == [entry.id]


async def test_bad_input_at_a_step_is_refused_and_the_step_asked_again(h: Harness) -> None:
    await moderated(h)
    await h.say(MARIA, "/faq_add")
    await h.say(MARIA, "x" * 1001)
    assert es(h, "Send the question again.") in h.last_text(MARIA.id)
    await h.say(MARIA, "   ")
    assert es(h, "Send the question again.") in h.last_text(MARIA.id)
    await h.say(MARIA, QUESTION)
    await h.send(h.fake.sticker_message(MARIA))
    assert es(h, "Please send text here, or /cancel.") in h.last_text(MARIA.id)
    await h.say(MARIA, ANSWER)
    await h.say(MARIA, ", ".join(f"topic {n}" for n in range(11)))
    assert es(h, "Send the topics again.") in h.last_text(MARIA.id)
    await h.say(MARIA, "a" * 41)
    assert es(h, "Each topic can be at most 40 characters.") in h.last_text(MARIA.id)
    await h.say(MARIA, "zoning")
    assert await h.one(select(func.count()).select_from(FaqEntry)) == 0


async def test_bad_and_past_review_dates_are_refused(h: Harness) -> None:
    await moderated(h)
    await h.say(MARIA, "/faq_add")
    await h.say(MARIA, QUESTION)
    await h.say(MARIA, ANSWER)
    await h.say(MARIA, "-")
    unreadable = es(h, "I can't read that date. Write it like 2027-06-30 (year-month-day).")
    past = es(h, "The review date must be after today.")
    for text, error in [
        ("next week", unreadable),
        ("2027-02-30", unreadable),
        ("2020-01-01", past),
        ("2026-11-02", past),  # today, on the test's clock: it would be stale at once
    ]:
        await h.say(MARIA, text)
        assert error in h.last_text(MARIA.id), text
    assert await h.one(select(func.count()).select_from(FaqEntry)) == 0
    await h.say(MARIA, "30.06.2027")
    entry = await h.one(select(FaqEntry))
    assert entry.review_at == datetime(2027, 6, 30, tzinfo=UTC)


async def test_cancel_leaves_the_dialog_and_adds_nothing(h: Harness) -> None:
    await moderated(h)
    await h.say(MARIA, "/faq_add")
    await h.say(MARIA, QUESTION)
    await h.say(MARIA, "/cancel")
    assert es(h, "Cancelled. The FAQ was not changed.") in h.last_text(MARIA.id)
    await h.say(MARIA, ANSWER)  # no longer a dialog step
    assert await h.one(select(func.count()).select_from(FaqEntry)) == 0


async def test_editing_replaces_what_searches_find(h: Harness) -> None:
    community_id = await moderated(h)
    entry = await add_entry(h, review="2027-06-30")
    await h.say(MARIA, f"/faq_edit {entry.id}")
    assert ANSWER in h.last_text(MARIA.id)
    await h.press(MARIA, es(h, "Answer"))
    await h.say(MARIA, "Since 2026 it is filed online through the citizen portal.")
    assert es(h, "Saved. Entry #{id} now reads:").format(id=entry.id) in h.last_text(MARIA.id)
    assert await found(h, community_id, "citizen portal") == [entry.id]
    assert await found(h, community_id, "ZV-2") == []
    await h.press(MARIA, es(h, "Topics"))
    await h.say(MARIA, "variances")
    await h.press(MARIA, es(h, "Clear the review date"))
    edited = await h.one(select(FaqEntry))
    assert edited.tags == ["variances"] and edited.review_at is None
    maria = await h.member(MARIA)
    assert [a for a in await audit(h) if a[0] == "faq_edit"] == [
        ("faq_edit", entry.id, maria.id)
    ] * 3
    first_edit = await h.one(
        select(AuditEntry).where(AuditEntry.action == "faq_edit").order_by(AuditEntry.id).limit(1)
    )
    assert first_edit.details == {"before": {"answer": ANSWER}}


async def test_in_the_group_faq_edit_links_to_the_private_chat(h: Harness) -> None:
    community_id = await moderated(h)
    entry = await add_entry(h)
    await h.say(MARIA, f"/faq_edit {entry.id}", GROUP)
    [[button]] = h.fake.last_message(GROUP.id)["reply_markup"]["inline_keyboard"]
    assert button["url"].endswith(f"?start=faqedit_{community_id}_{entry.id}")
    await h.say(MARIA, f"/start faqedit_{community_id}_{entry.id}")
    await h.press(MARIA, es(h, "Question"))
    await h.say(MARIA, "How do I apply for a zoning exception?")
    assert await found(h, community_id, "exception") == [entry.id]


async def test_delete_restore_and_verify_act_at_once_and_are_audited(h: Harness) -> None:
    await answered(h)  # Bob's answer to Alice's question #1 ...
    await h.press(ALICE, "✅ Accept", ALICE.id)  # ... becomes an entry, not verified yet
    community_id = (await h.one(select(Community))).id
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "hola", GROUP)
    entry = await h.one(select(FaqEntry))
    assert not entry.verified
    await h.say(MARIA, f"/faq_verify {entry.id}", GROUP)
    assert h.last_text(GROUP.id).count("\n") == 0  # one line
    assert (await h.one(select(FaqEntry))).verified

    mine = await add_entry(h)
    assert await found(h, community_id, "variance") == [mine.id]
    await h.say(MARIA, f"/faq_delete {mine.id}", GROUP)
    assert f"/faq_restore {mine.id}" in h.last_text(GROUP.id)
    assert await found(h, community_id, "variance") == []
    await h.say(MARIA, f"/faq_restore {mine.id}", GROUP)
    assert await found(h, community_id, "variance") == [mine.id]
    maria = await h.member(MARIA)
    assert [a for a in await audit(h) if a[0] != "faq_add"] == [
        ("faq_verify", entry.id, maria.id),
        ("faq_delete", mine.id, maria.id),
        ("faq_restore", mine.id, maria.id),
    ]


async def test_an_administrator_posting_as_the_group_can_delete(h: Harness) -> None:
    community_id = await moderated(h)
    entry = await add_entry(h)
    await h.send(as_anonymous_admin(h.fake.text_update(MARIA, f"/faq_delete {entry.id}", GROUP)))
    assert await found(h, community_id, "variance") == []
    assert (await audit(h))[-1] == ("faq_delete", entry.id, None)  # nobody to name


async def test_a_member_who_is_not_a_moderator_is_refused_and_nothing_changes(
    h: Harness,
) -> None:
    community_id = await moderated(h)
    entry = await add_entry(h)
    before = await audit(h)
    refusal = "Only the group's administrators can change its FAQ"
    for command in ("/faq_delete", "/faq_verify", "/faq_restore", "/faq_edit", "/faq_add"):
        await h.say(ALICE, f"{command} {entry.id}", GROUP)
        reply = h.fake.last_message(GROUP.id)
        assert refusal in reply["text"] and "reply_markup" not in reply, command
    await h.say(ALICE, f"/faq_delete {entry.id}")
    assert "I know no group where you are one" in h.last_text(ALICE.id)
    await h.say(ALICE, f"/start faqadd_{community_id}")  # a link she saw, or made up
    assert refusal in h.last_text(ALICE.id)
    await h.say(ALICE, QUESTION)
    assert await audit(h) == before
    assert await found(h, community_id, "variance") == [entry.id]
    assert await h.one(select(func.count()).select_from(FaqEntry)) == 1


async def test_an_entry_of_another_group_is_no_such_entry(h: Harness) -> None:
    await moderated(h)
    other_id = await h.add_bot_to_group(by=ALICE, group=SECOND)
    async with h.db.session() as session:
        theirs = await FaqService(session, h.clock).add(other_id, None, "Bus lanes?", "Ask us.")
    for command in ("/faq_delete", "/faq_edit", "/faq_verify"):
        await h.say(MARIA, f"{command} {theirs.id}", GROUP)
        text = h.last_text(GROUP.id)
        assert (
            es(h, "There is no entry #{id} in the FAQ of {title}. Nothing was changed.").format(
                id=theirs.id, title=GROUP.title
            )
            in text
        ), command
        assert "Bus lanes" not in text
    await h.say(MARIA, f"/faq_delete {theirs.id}")  # privately: her one group is GROUP
    assert "Bus lanes" not in h.last_text(MARIA.id)
    assert await found(h, other_id, "bus lanes") == [theirs.id]
    assert await audit(h) == [("faq_add", theirs.id, None)]


async def test_the_private_choice_of_group_is_checked_again(h: Harness) -> None:
    """María moderates two groups, so /faq_delete asks which; by the time she taps, she is no
    longer an administrator of the one she picks: refused, nothing deleted."""
    community_id = await moderated(h)
    await moderated(h, SECOND)
    async with h.db.session() as session:
        entry = await FaqService(session, h.clock).add(community_id, None, QUESTION, ANSWER)
    await h.say(MARIA, f"/faq_delete {entry.id}")
    assert es(h, "Which group's FAQ is this for?") in h.last_text(MARIA.id)
    await h.set_status(MARIA, "member")
    await h.press(MARIA, GROUP.title)
    assert h.last_answer().get("show_alert") is True
    assert await found(h, community_id, "variance") == [entry.id]
    assert [a for a in await audit(h) if a[0] == "faq_delete"] == []

    await h.set_status(MARIA, "administrator")  # promoted again
    await h.press(MARIA, GROUP.title)
    assert await found(h, community_id, "variance") == []


async def test_forged_buttons_change_nothing(h: Harness) -> None:
    community_id = await moderated(h)
    entry = await add_entry(h)
    other_id = await h.add_bot_to_group(by=ALICE, group=SECOND)  # María is no admin there
    message = h.fake.last_message(MARIA.id)
    forged: list[Any] = [
        f"fp:d:{other_id}:{entry.id}",  # a group she does not administer
        f"fe:q:{other_id}:{entry.id}",
        f"fp:d:{community_id}:0",  # no entry
        f"fe:x:{community_id}:999999",
        "fp:z:1:1",  # no such action
    ]
    for data in forged:
        await h.send(h.fake.callback(MARIA, message, data))
        assert h.last_answer().get("show_alert") is True, data
    await h.send(h.fake.callback(ALICE, message, f"fp:d:{community_id}:{entry.id}"))
    assert h.last_answer().get("show_alert") is True
    assert await found(h, community_id, "variance") == [entry.id]
    assert [a[0] for a in await audit(h)] == ["faq_add"]


async def test_a_bad_or_missing_id_gets_a_usage_line(h: Harness) -> None:
    await moderated(h)
    for text in ("/faq_delete", "/faq_delete twelve", "/faq_restore -3", "/faq_verify 1.5"):
        await h.say(MARIA, text, GROUP)
        assert "/faq_" in h.last_text(GROUP.id) and " 12" in h.last_text(GROUP.id), text
    await h.say(MARIA, "/faq_edit")
    assert "/faq_edit 12" in h.last_text(MARIA.id)


async def test_faq_stale_lists_an_entry_once_its_review_date_passes(h: Harness) -> None:
    await moderated(h)
    entry = await add_entry(h, review="2027-06-30")
    await h.say(MARIA, "/faq_stale", GROUP)
    assert f"#{entry.id}" not in h.last_text(GROUP.id)
    h.clock.advance(days=241)  # 2027-07-01
    await add_entry(h, "Older rule?", "Yes.", review="2027-07-02")
    h.clock.advance(days=2)
    await h.say(MARIA, "/faq_stale", GROUP)
    listing = h.last_text(GROUP.id)
    assert f"#{entry.id} — {QUESTION}" in listing and f"/faq_edit {entry.id}" in listing
    assert listing.index(f"#{entry.id}") < listing.index("Older rule?")  # oldest first
    await h.say(ALICE, "/faq_stale", GROUP)
    assert "Only the group's administrators" in h.last_text(GROUP.id)


async def test_an_emoji_long_entry_is_shown_shortened_and_kept_whole(h: Harness) -> None:
    """2,040 emoji are 4,080 UTF-16 units: a message Telegram lets María send, and within the
    answer's 3,000 characters. Shown with its question and headers, it would pass Telegram's
    4,096 units: the confirmation and the edit card shorten it; the entry keeps it whole."""
    community_id = await moderated(h)
    answer = "🌍" * 2040
    entry = await add_entry(h, question="Which emoji map the districts? " * 30, answer=answer)
    assert entry.answer == answer
    confirmation = h.last_text(MARIA.id)
    assert "🌍…" in confirmation and confirmation.endswith(f"/faq_delete {entry.id}.")
    await h.say(MARIA, f"/faq_edit {entry.id}")
    assert "🌍…" in h.last_text(MARIA.id)
    assert await found(h, community_id, "districts") == [entry.id]


async def test_rights_are_asked_again_before_the_dialog_writes(h: Harness) -> None:
    await moderated(h)
    await h.say(MARIA, "/faq_add")
    await h.say(MARIA, QUESTION)
    await h.say(MARIA, ANSWER)
    await h.say(MARIA, "-")
    await h.set_status(MARIA, "member")  # no longer an administrator
    await h.say(MARIA, "-")
    refusal = es(h, "Only the group's administrators can change its FAQ. Nothing was changed.")
    assert h.last_text(MARIA.id) == refusal
    assert await h.one(select(func.count()).select_from(FaqEntry)) == 0
    assert await audit(h) == []
