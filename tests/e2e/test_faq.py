"""The FAQ through the fake Bot API: an accepted answer is kept (once its author agrees) and
found by /search and inline mode; a question is met with the entries that may answer it."""

from sqlalchemy import select

from storage.models import FaqEntry, FaqSearch, Member, Question
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, Harness
from tests.e2e.test_questions import CHEN, answered, deliver


async def accepted(h: Harness) -> None:
    """#1 (Alice, GIS layers for zoning) answered by Bob, accepted; Bob agreed to be named."""
    await answered(h)
    await h.press(ALICE, "✅ Accept", ALICE.id)
    await deliver(h)  # Bob is asked, once, whether his answers may be published
    await h.press(BOB, "✅ Yes, with my name", BOB.id)


async def test_an_accepted_answer_waits_for_consent_then_is_found(h: Harness) -> None:
    await answered(h)
    await h.press(ALICE, "✅ Accept", ALICE.id)
    entry = await h.one(select(FaqEntry))
    assert entry.question == "Which #GIS layers for zoning?" and not entry.published
    await h.say(CHEN, "/search cadastral", GROUP)
    assert "Nothing in the FAQ matches" in h.last_text(GROUP.id)

    await deliver(h)
    assert "May I publish yours there?" in h.last_text(BOB.id)
    await h.press(BOB, "✅ Yes, with my name", BOB.id)
    assert "published in the FAQ with your name" in h.last_text(BOB.id)
    await h.say(CHEN, "/search CADASTRAL layer", GROUP)
    text = h.last_text(GROUP.id)
    assert "Which #GIS layers for zoning?" in text and "<b>cadastral</b>" not in text
    reply = h.fake.last_message(GROUP.id)
    assert "cadastral" in reply["text"]
    assert any(e["type"] == "bold" for e in reply.get("entities", []))

    await h.press(CHEN, "1", GROUP.id)
    card = h.last_text(GROUP.id)
    assert "The cadastral one." in card and "Answered by Bob" in card
    assert (await h.one(select(FaqEntry))).view_count == 1


async def test_consent_is_asked_once_and_no_keeps_answers_out(h: Harness) -> None:
    await answered(h)
    await h.press(ALICE, "✅ Accept", ALICE.id)
    await deliver(h)
    await h.press(BOB, "No, keep them out", BOB.id)
    assert "stay out of the FAQ" in h.last_text(BOB.id)
    bob = await h.member(BOB)
    assert bob.faq_consent == "no"
    await h.say(CHEN, "/search cadastral", GROUP)
    assert "Nothing in the FAQ matches" in h.last_text(GROUP.id)
    asked = [
        c
        for c in h.fake.calls_to("sendMessage")
        if "May I publish" in c.params["text"] and c.status == 200
    ]
    assert len(asked) == 1


async def test_only_the_searcher_pages_and_opens(h: Harness) -> None:
    await accepted(h)
    await h.say(CHEN, "/search cadastral", GROUP)
    await h.press(ALICE, "1", GROUP.id)
    assert "answer the member who searched" in h.last_answer()["text"]
    assert "Which #GIS layers" in h.last_text(GROUP.id) and "FAQ #" not in h.last_text(GROUP.id)


async def test_search_needs_words(h: Harness) -> None:
    await accepted(h)
    for text in ["/search", "/search ?!*", '/search "()"']:
        await h.say(CHEN, text, GROUP)
        assert "Send /search followed by a few words" in h.last_text(GROUP.id)


async def test_private_search_and_inline_mode_find_the_members_groups_entries(h: Harness) -> None:
    await accepted(h)
    await h.say(CHEN, "/search cadastral")
    assert "Which #GIS layers for zoning?" in h.last_text(CHEN.id)

    await h.send(h.fake.inline_query(CHEN, "cadast"))
    answer = h.fake.calls_to("answerInlineQuery")[-1].params
    assert [r["title"] for r in answer["results"]] == ["Which #GIS layers for zoning?"]
    assert answer["is_personal"] is True
    # Someone who is in none of the bot's groups sees nothing of theirs.
    await h.send(h.fake.inline_query(MARIA, "cadast"))
    assert h.fake.calls_to("answerInlineQuery")[-1].params["results"] == []


async def test_a_question_is_met_with_entries_that_may_answer_it(h: Harness) -> None:
    await accepted(h)
    await h.say(CHEN, "/ask Which GIS layers help with zoning?", GROUP)
    assert "These may answer it" in h.last_text(GROUP.id)
    questions = await h.all(select(Question))
    assert len(questions) == 1  # not asked yet
    await h.press(CHEN, "✅ This solved it", GROUP.id)
    assert "Glad it helped" in h.last_text(GROUP.id)
    search = await h.one(select(FaqSearch).where(FaqSearch.kind == "ask"))
    assert search.outcome == "solved" and search.entry_id is not None
    assert (await h.one(select(FaqEntry))).helpful_count == 1
    assert len(await h.all(select(Question))) == 1


async def test_asking_anyway_asks_the_peers(h: Harness) -> None:
    await accepted(h)
    await h.say(CHEN, "/ask Which GIS layers help with zoning?", GROUP)
    await h.press(ALICE, "Ask peers anyway", GROUP.id)  # not hers: nothing happens
    assert len(await h.all(select(Question))) == 1
    await h.press(CHEN, "Ask peers anyway", GROUP.id)
    questions = await h.all(select(Question).order_by(Question.id))
    assert len(questions) == 2 and questions[1].text == "Which GIS layers help with zoning?"
    assert "Question #2 is in" in h.last_text(GROUP.id)
    search = await h.one(select(FaqSearch).where(FaqSearch.kind == "ask"))
    assert search.outcome == "asked"
    member = await h.one(select(Member).where(Member.user_id == CHEN.id))
    assert questions[1].asker_id == member.id


async def test_a_member_changes_their_faq_consent_in_the_profile(h: Harness) -> None:
    await accepted(h)
    await h.say(BOB, "/profile")
    await h.press(BOB, "📚 My answers in the FAQ", BOB.id)
    assert "Now: published with your name." in h.last_text(BOB.id)
    await h.press(BOB, "✅ Yes, without my name", BOB.id)
    await h.say(CHEN, "/search cadastral", GROUP)
    await h.press(CHEN, "1", GROUP.id)
    assert "The cadastral one." in h.last_text(GROUP.id)
    assert "Answered by" not in h.last_text(GROUP.id)
    await h.say(BOB, "/profile")
    await h.press(BOB, "📚 My answers in the FAQ", BOB.id)
    await h.press(BOB, "No, keep them out", BOB.id)
    await h.say(CHEN, "/search cadastral", GROUP)
    assert "Nothing in the FAQ matches" in h.last_text(GROUP.id)


async def test_where_moderators_verify_an_accepted_answer_waits_for_them(h: Harness) -> None:
    await answered(h)
    await h.say(MARIA, "hola", GROUP)
    await h.say(CHEN, "/faq_verification on", GROUP)
    assert "Only the group's administrators" in h.last_text(GROUP.id)
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "/faq_verification on", GROUP)
    assert "cuando un moderador las verifica" in h.last_text(GROUP.id)  # María writes Spanish

    answer = h.fake.sent_messages(GROUP.id)
    relayed = next(m for m in answer if "The cadastral one." in m.get("text", ""))
    await h.say(ALICE, "/accept", GROUP, reply_to=relayed)
    entry = await h.one(select(FaqEntry))
    assert f"/faq_verify {entry.id}" in h.last_text(GROUP.id)
    await deliver(h)
    await h.press(BOB, "✅ Yes, with my name", BOB.id)
    await h.say(CHEN, "/search cadastral", GROUP)
    assert "Nothing in the FAQ matches" in h.last_text(GROUP.id)  # not verified yet

    await h.say(MARIA, "/faq_verify", GROUP)
    assert f"n.º {entry.id} — Which #GIS layers for zoning?" in h.last_text(GROUP.id)
    await h.say(MARIA, f"/faq_verify {entry.id}", GROUP)
    await h.say(CHEN, "/search cadastral", GROUP)
    assert "Which #GIS layers for zoning?" in h.last_text(GROUP.id)
    await h.say(MARIA, "/faq_verify", GROUP)
    assert "Ninguna respuesta aceptada" in h.last_text(GROUP.id)


async def test_a_private_question_is_met_with_entries_and_can_still_be_asked(h: Harness) -> None:
    await accepted(h)
    await h.say(CHEN, "/ask Which GIS layers help with zoning?")
    assert "These may answer it" in h.last_text(CHEN.id)
    assert len(await h.all(select(Question))) == 1
    await h.press(CHEN, "Ask peers anyway", CHEN.id)
    assert "Question #2 is in Municipal Planners" in h.last_text(CHEN.id)
    await deliver(h)
    assert any("Which GIS layers help with zoning?" in t for t in h.replies(GROUP.id))
