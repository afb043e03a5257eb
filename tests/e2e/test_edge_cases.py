"""Edge cases an independent review found in asking, answering and routing (each failed before
its fix): administrators posting as the group, anonymous askers, emoji-long answers, mentions
in replies, private questions' invitations, one plea to the moderators, long /why replies."""

from typing import Any

from sqlalchemy import func, select

from storage.models import Answer, Question
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, Harness
from tests.e2e.test_asking import mention
from tests.e2e.test_questions import answered, deliver, group_with_experts
from tests.fakes.telegram_limits import TEXT_LIMIT, utf16_len

ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


def as_anonymous_admin(update: dict[str, Any]) -> dict[str, Any]:
    """The update as Telegram sends it when an administrator posts 'as the group'."""
    message = update["message"]
    message["from"] = ANONYMOUS_ADMIN
    message["sender_chat"] = {"id": GROUP.id, "type": "supergroup", "title": GROUP.title}
    return update


async def test_an_anonymous_admin_can_run_why(h: Harness) -> None:
    """An administrator who posts anonymously (as the group) sends /why 1: is_moderator lets
    anonymous admins in, but the middleware builds no `actor` for GroupAnonymousBot (a bot),
    so cmd_why cannot be called and the group gets 'Sorry, something went wrong'."""
    await group_with_experts(h)
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    await h.send(as_anonymous_admin(h.fake.text_update(MARIA, "/why 1", GROUP)))
    text = h.fake.last_message(GROUP.id)["text"]
    assert "something went wrong" not in text
    assert "Question #1" in text


async def test_an_anonymous_admin_can_accept_on_the_askers_behalf(h: Harness) -> None:
    """An anonymous administrator replies /accept to an answer in the group: cmd_accept needs
    `actor`, which an anonymous admin never gets, so it crashes with an apology and the
    question stays open."""
    await answered(h)
    posted = h.fake.last_message(GROUP.id)
    await h.send(as_anonymous_admin(h.fake.text_update(MARIA, "/accept", GROUP, reply_to=posted)))
    assert "something went wrong" not in h.fake.last_message(GROUP.id)["text"]
    assert (await h.one(select(Question))).status == "answered"


async def test_an_emoji_rich_answer_reaches_the_group(h: Harness) -> None:
    """Bob answers with 2,040 emoji (4,080 UTF-16 units: a message Telegram let him send, and
    under MAX_ANSWER's 3,000 *characters*). He was thanked, but the relayed answer with its
    header passed Telegram's 4,096-unit limit: refused, and neither Alice nor the group ever
    saw it. Now the limit counts as Telegram does: he is asked to shorten it (nothing is
    stored), and an answer within it reaches both, whole."""
    await group_with_experts(h)
    await h.say(ALICE, "/ask Which #GIS layers for zoning?", GROUP)
    await deliver(h)
    await h.press(BOB, "✍️ Answer", BOB.id)
    await h.say(BOB, "👍" * 2040)
    assert "please keep it to 3000" in h.last_text(BOB.id)
    assert await h.one(select(func.count()).select_from(Answer)) == 0
    await h.say(BOB, "👍" * 1500)
    assert "Thank you!" in h.last_text(BOB.id)
    assert await deliver(h) == 2  # the fake, like Telegram, refuses more than 4096 units
    for text in (h.fake.last_message(GROUP.id)["text"], h.last_text(ALICE.id)):
        assert "nswer to" in text and text.count("👍") == 1500
        assert utf16_len(text) <= TEXT_LIMIT


async def test_an_invitation_for_a_private_question_links_the_group_post(
    h: Harness,
) -> None:
    """A question asked in the private chat is posted in the group, but the peers'
    invitations are rendered (in _ask, before _post and long before the post's message id is
    known) without 'Open it in the group': the peers cannot see the group thread."""
    await group_with_experts(h)
    await h.say(ALICE, "/ask What #GIS license do municipalities use?")
    await deliver(h)
    assert (await h.one(select(Question))).group_message_id is not None
    assert "Open it in the group" in h.last_text(BOB.id)


async def test_a_mention_in_reply_to_the_bot_asks(h: Harness) -> None:
    """Alice replies to the bot's acknowledgement with '@peerbot_test_bot <question>':
    group_addressed sees a reply to the bot that is not the prompt and returns, so her
    explicit mention is silently dropped: no question, no answer from the bot."""
    await group_with_experts(h)
    await h.say(ALICE, "/ask Which #GIS course?", GROUP)
    ack = h.fake.last_message(GROUP.id)
    text = "@peerbot_test_bot and which #GIS plugin for zoning?"
    await h.say(ALICE, text, GROUP, reply_to=ack, entities=[mention(text)])
    assert await h.one(select(func.count()).select_from(Question)) == 2


async def test_a_moderator_can_close_a_question(h: Harness) -> None:
    """Issue 3: 'only the asker or a moderator can accept or close'. An administrator's
    /close 1 is refused with 'Only the member who asked question #1 can close it'."""
    await group_with_experts(h)
    await h.say(ALICE, "/ask Which #GIS course?", GROUP)
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "hola", GROUP)
    await h.say(MARIA, "/close 1", GROUP)
    assert (await h.one(select(Question))).status == "closed"


async def test_thanking_in_the_group_does_not_out_an_anonymous_asker(h: Harness) -> None:
    """Alice asked anonymously; she replies 'thanks' to Bob's answer in the group (as anyone
    may). The bot answers her in the group 'If this answer solved question #1, accept it',
    an offer it makes only to the asker: the whole group learns who asked."""
    await group_with_experts(h)
    await h.say(ALICE, "/ask_anon Is it normal that our #GIS budget was cut?")
    await deliver(h)
    await h.press(BOB, "✍️ Answer", BOB.id)
    await h.say(BOB, "Yes, it happens.")
    await deliver(h)
    posted = h.fake.last_message(GROUP.id)
    await h.say(ALICE, "thanks!", GROUP, reply_to=posted)
    assert (await h.one(select(Answer))).helpful_count == 1
    assert all("If this answer solved" not in t for t in h.replies(GROUP.id))


async def test_an_unmatched_private_question_asks_the_group_once(h: Harness) -> None:
    """Alice asks privately about a topic nobody lists, and no moderator has started the bot.
    The group's copy of her question already ends 'moderators, could you invite someone who
    knows it?'; then the moderators' fallback posts a second plea about the same question,
    and not even as a reply to it (it was queued before the copy had a message id)."""
    await group_with_experts(h)
    h.fake.set_chat_member(GROUP, MARIA, "administrator")  # never started the bot
    before = len(h.fake.sent_messages(GROUP.id))
    await h.say(ALICE, "/ask Who has modelled #Hydrology for floods?")
    await deliver(h)
    posts = h.fake.sent_messages(GROUP.id)[before:]
    pleas = [p for p in posts if "oderators" in p.get("text", "")]
    assert len(pleas) == 1, [p["text"] for p in posts]


async def test_why_for_a_question_asked_of_many_stays_within_telegrams_limit(
    h: Harness,
) -> None:
    """A group that asks 60 peers a round: /why lists them all, and the reply must still be
    one message Telegram accepts (the rest summed up), not a refused one."""
    from sqlalchemy import update

    from storage.models import Community
    from tests.e2e.test_questions import knows
    from tests.fakes.telegram_api import User

    await group_with_experts(h)
    for i in range(60):
        await knows(h, User(300 + i, "Expert" + "x" * 40 + str(i), language_code="en"), "GIS")
    async with h.db.session() as session:
        await session.execute(update(Community).values(routing_fanout=62))
        await session.commit()
    await h.say(ALICE, "/ask Any #GIS tips?", GROUP)
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "/why 1", GROUP)
    why = h.fake.last_message(GROUP.id)["text"]
    assert "pregunta #1" in why  # María reads Spanish
    assert utf16_len(why) <= TEXT_LIMIT and "…" in why


async def test_an_administrator_posting_as_the_group_is_asked_to_post_as_themselves(
    h: Harness,
) -> None:
    """/ask posted as the group has nobody behind it to record as the asker: a polite word,
    not an apology for a crash, and no question."""
    await group_with_experts(h)
    await h.send(as_anonymous_admin(h.fake.text_update(MARIA, "/ask Any #GIS tips?", GROUP)))
    assert "posting as the group" in h.fake.last_message(GROUP.id)["text"]
    await h.send(as_anonymous_admin(h.fake.text_update(MARIA, "/open", GROUP)))
    assert "No open questions" in h.fake.last_message(GROUP.id)["text"]
    assert await h.one(select(func.count()).select_from(Question)) == 0


async def test_an_emoji_long_question_is_shortened_for_the_peers_not_emptied(h: Harness) -> None:
    """A 1,990-emoji question (3,980 units: allowed) does not fit an invitation with its
    header: the peer gets as much of it as fits, not a lone '…'."""
    await group_with_experts(h)
    await h.say(ALICE, "/ask #GIS " + "🗺" * 1990, GROUP)
    assert await deliver(h) == 2
    invite = h.last_text(BOB.id)
    assert invite.count("🗺") > 1900 and "…" in invite
    assert utf16_len(invite) <= TEXT_LIMIT
