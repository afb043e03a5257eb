"""The digest, told as the group lives it: every group gets one on Mondays at 09:00 until told
otherwise. María, an administrator, moves it to Fridays at 17:00 in the topic she writes in;
when Friday comes the job posts it there: Alice's open question with the link that answers it,
and Bob, who was never asked, answers through that link. A week with nothing to tell posts
nothing. Alice may not manage the digest; a bad schedule is explained, and nothing changes."""

from datetime import UTC, datetime

from sqlalchemy import select

from bot import jobs
from bot.services.meetups import MeetupsService
from bot.timefmt import local_datetime
from storage.db import transaction
from storage.models import Community, DigestSchedule, Question
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, Harness
from tests.e2e.test_faq_admin import moderated
from tests.e2e.test_questions import deliver
from tests.fakes.telegram_api import Chat

TOPIC = 7  # the forum topic María sets the schedule in
NOTHING = (
    "Nothing to report: no open questions, no new FAQ entries, no meetups in the next 14 days. "
    "A digest with nothing to say is not posted."
)
FORUM = Chat(-1001000000002, "supergroup", title="Planners Forum", is_forum=True)


async def fire(h: Harness) -> int:
    return await jobs.post_digests(h.bot, h.db, h.clock, h.settings, h.dp["i18n"])


def links(message: dict) -> list[str]:
    return [e["url"] for e in message.get("entities", []) if e["type"] == "text_link"]


async def test_the_digest_links_to_answering_an_open_question(h: Harness) -> None:
    await moderated(h, FORUM)
    await h.say(MARIA, "/answering open", FORUM)
    await h.say(MARIA, "/digest_schedule", FORUM)  # nobody set one: the default
    assert "lun, 9 nov 2026, 9:00" in h.last_text(FORUM.id)  # Monday, in María's words
    await h.say(MARIA, "/digest_schedule fri 17:00", FORUM, thread_id=TOPIC)
    assert "vie, 6 nov 2026, 17:00" in h.last_text(FORUM.id)
    await h.say(ALICE, "/ask Which #GIS layers do you use for zoning maps?", FORUM)
    await h.say(BOB, "hello everyone", FORUM)
    await h.say(BOB, "/start")

    h.clock.advance(days=4, hours=7)  # Friday 16:00
    assert await fire(h) == 0
    h.clock.advance(hours=1, seconds=30)
    assert await fire(h) == 1
    assert await fire(h) == 0  # the slot is taken
    await deliver(h)
    digest = h.fake.last_message(FORUM.id)
    community = await h.one(select(Community))
    heading = h.dp["i18n"].gettext("❓ <b>Questions that need help</b>", locale=community.language)
    assert heading.replace("<b>", "").replace("</b>", "") in digest["text"]
    assert "#1 Which #GIS layers do you use for zoning maps?" in digest["text"]
    assert digest["message_thread_id"] == TOPIC
    question = await h.one(select(Question))
    [link] = links(digest)
    assert link.endswith(f"?start=answer_{question.id}")

    await h.say(BOB, "/start " + link.rsplit("start=", 1)[1])
    assert "Send your answer to question #1" in h.last_text(BOB.id)
    await h.say(BOB, "The cadastral layer and the zoning overlay.")
    await deliver(h)
    assert "The cadastral layer" in h.last_text(FORUM.id)  # the answer, in the group


async def test_a_week_with_nothing_to_tell_posts_nothing(h: Harness) -> None:
    community_id = await moderated(h)
    await h.say(MARIA, "/digest", GROUP)  # the preview says so, in María's language
    nothing = h.dp["i18n"].gettext(NOTHING, locale="es")
    assert h.last_text(GROUP.id) == nothing != NOTHING
    before = len(h.fake.sent_messages(GROUP.id))
    assert await fire(h) == 0  # the default schedule is written: Monday 9 November, 09:00
    h.clock.advance(days=7, seconds=30)
    assert await fire(h) == 0
    await deliver(h)
    assert len(h.fake.sent_messages(GROUP.id)) == before
    schedule = await h.one(select(DigestSchedule))
    assert schedule.next_fire_at == datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    await h.say(ALICE, "/ask Who maps informal settlements?", GROUP)
    async with h.db.session() as session:  # a meetup, in the group's time zone
        async with transaction(session, write=True):
            (await session.get(Community, community_id)).timezone = "America/Lima"
        await MeetupsService(session, h.clock).create(
            community_id, None, title="Budget calendars", when="12.11.2026 18:00", minutes=60,
            link="https://meet.jit.si/planners",
        )  # fmt: skip
    await h.say(MARIA, "/digest", GROUP)
    preview = h.last_text(GROUP.id)
    assert preview != nothing and "#1 Who maps informal settlements?" in preview
    language = (await h.one(select(Community))).language
    when = local_datetime(datetime(2026, 11, 12, 23, 0, tzinfo=UTC), "America/Lima", language)
    assert f"{when} — Budget calendars" in preview
    assert "(America/Lima)" in when
    assert (await h.one(select(DigestSchedule))).last_sent_at is None  # a preview


async def test_member_is_refused_and_bad_schedule_explained(h: Harness) -> None:
    await moderated(h)
    for command in ("/digest_schedule off", "/digest"):
        await h.say(ALICE, command, GROUP)
        assert h.last_text(GROUP.id) == (
            "Only the group's administrators can manage its digest. Nothing was changed."
        )
    await h.say(MARIA, "/digest_schedule every monday at 9", GROUP)
    assert "/digest_schedule vie 17:00" in h.last_text(GROUP.id)
    await h.say(MARIA, "/digest_schedule mon 25:00", GROUP)
    assert "/digest_schedule vie 17:00" in h.last_text(GROUP.id)
    assert await h.all(select(DigestSchedule)) == []
    await h.say(MARIA, "/digest_schedule off", GROUP)
    [schedule] = await h.all(select(DigestSchedule))
    assert not schedule.enabled
    await h.say(MARIA, "/digest_schedule", GROUP)
    assert "/digest_schedule vie 17:00" in h.last_text(GROUP.id)  # off: how to turn it on
