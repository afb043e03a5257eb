"""Where the moderators open answering to everyone, any member of the group (not only the peers
asked) answers through the Answer button under a question; elsewhere the button is not there
and its link explains why."""

from sqlalchemy import func, select

from storage.models import Answer, Community, RoutingRequest
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, Harness
from tests.e2e.test_questions import CHEN, deliver, group_with_experts
from tests.fakes.telegram_api import User

DANA = User(106, "Dana", language_code="en")  # knows the answer, listed no topic


def answer_link(message: dict) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    (url,) = [b["url"] for row in rows for b in row if "url" in b]
    return url


async def test_moderators_open_answering_and_anyone_answers(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(DANA, "hi", GROUP)
    await h.say(DANA, "/start")
    await h.say(CHEN, "/answering open", GROUP)
    assert "Only the group's administrators" in h.fake.last_message(GROUP.id)["text"]
    assert not (await h.one(select(Community))).open_answering
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "/answering", GROUP)
    assert "/answering open" in h.fake.last_message(GROUP.id)["text"]
    await h.say(MARIA, "/answering open", GROUP)
    assert (await h.one(select(Community))).open_answering

    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    ack = h.fake.last_message(GROUP.id)
    payload = answer_link(ack).rsplit("start=", 1)[1]
    await h.say(DANA, f"/start {payload}")
    assert "Send your answer to question #1" in h.last_text(DANA.id)
    await h.say(DANA, f"/start {payload}")  # twice: nothing new
    assert "already answering question #1" in h.last_text(DANA.id)
    await h.say(DANA, "Flood maps from the national agency.")
    await deliver(h)
    assert "Flood maps from the national agency." in h.fake.last_message(GROUP.id)["text"]
    assert "Flood maps" in h.last_text(ALICE.id)
    dana = await h.member(DANA)
    mine = await h.one(select(RoutingRequest).where(RoutingRequest.member_id == dana.id))
    assert mine.status == "answered" and mine.components == {"volunteered": 1.0}
    await h.say(DANA, f"/start {payload}")  # answered already
    assert "no longer waits for you" in h.last_text(DANA.id)
    await h.say(ALICE, f"/start {payload}")  # the asker
    assert "your own question" in h.last_text(ALICE.id)
    assert await h.one(select(func.count()).select_from(Answer)) == 1


async def test_without_open_answering_the_link_explains_and_changes_nothing(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(DANA, "hi", GROUP)
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    assert "reply_markup" not in h.fake.last_message(GROUP.id)
    question = await h.one(select(RoutingRequest.question_id).limit(1))
    await h.say(DANA, f"/start answer_{question}")
    assert "only the members I asked answer" in h.last_text(DANA.id)
    await h.say(DANA, "/start answer_99999999999")  # forged
    assert "can't find that question" in h.last_text(DANA.id)
    dana = await h.member(DANA)
    assert await h.all(select(RoutingRequest).where(RoutingRequest.member_id == dana.id)) == []


async def test_an_outsider_cannot_answer_through_the_link(h: Harness) -> None:
    await group_with_experts(h)
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "/answering open", GROUP)
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    payload = answer_link(h.fake.last_message(GROUP.id)).rsplit("start=", 1)[1]
    outsider = User(120, "Outsider", language_code="en")
    await h.say(outsider, f"/start {payload}")
    assert "can't find that question" in h.last_text(outsider.id)
    await h.say(BOB, "/close 1", GROUP)  # not his question: still open
    assert await h.one(select(func.count()).select_from(Answer)) == 0
