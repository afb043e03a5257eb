"""Members say when they may be asked: their time zone, quiet hours and a pause, from the
profile card and /quiet; routing through /ask honours them."""

from sqlalchemy import select

from bot.services.availability import NEVER_QUIET
from storage.models import Question, RoutingRequest
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, Harness
from tests.e2e.test_questions import CHEN, deliver, group_with_experts


def buttons(h: Harness, chat_id: int) -> list[str]:
    rows = (h.fake.last_message(chat_id).get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


async def test_time_zone_typed_or_tapped_shows_on_the_card(h: Harness) -> None:
    await h.add_bot_to_group()
    await h.say(ALICE, "hola", GROUP)
    await h.say(ALICE, "/profile")
    card = h.last_text(ALICE.id)
    assert "Time zone: not set yet (UTC is used)" in card and "Quiet hours: none" in card
    assert "Questions to me: welcome" in card

    await h.press(ALICE, "🌍 Time zone")
    assert "Which time zone" in h.last_text(ALICE.id)
    await h.say(ALICE, "Atlantis/Capital")
    assert "I don't know that time zone" in h.last_text(ALICE.id)
    await h.say(ALICE, "UTC+27")
    assert "Offsets go from UTC-12 to UTC+14" in h.last_text(ALICE.id)
    assert (await h.member(ALICE)).timezone is None  # nothing changed

    await h.say(ALICE, "america/lima")
    card = h.last_text(ALICE.id)
    assert card.startswith("Saved: your time zone is America/Lima.")
    assert "Time zone: America/Lima" in card and "Municipal Planners" in card
    assert (await h.member(ALICE)).timezone == "America/Lima"

    await h.press(ALICE, "🌍 Time zone")
    await h.press(ALICE, "Asia/Kolkata")
    assert "Time zone: Asia/Kolkata" in h.last_text(ALICE.id)
    await h.press(ALICE, "🌍 Time zone")
    await h.say(ALICE, "GMT-5")
    assert "Time zone: UTC-5" in h.last_text(ALICE.id)
    assert (await h.member(ALICE)).timezone == "Etc/GMT+5"


async def test_quiet_hours_without_a_time_zone_are_read_in_utc_until_one_is_set(
    h: Harness,
) -> None:
    await h.say(ALICE, "/start")
    await h.say(ALICE, "/quiet")
    prompt = h.last_text(ALICE.id)
    assert "When should I not send you questions?" in prompt and "read in UTC" in prompt
    await h.say(ALICE, "22-07")
    card = h.last_text(ALICE.id)
    assert card.startswith("Saved. Your time zone is not set")  # and the card offers to set it
    assert "Quiet hours: 22:00–07:00 (UTC, as your time zone is not set)" in card
    assert "🌍 Time zone" in buttons(h, ALICE.id)

    await h.say(ALICE, "/quiet")
    await h.press(ALICE, "🌍 Set time zone")
    await h.say(ALICE, "Europe/Madrid")
    assert "your time zone, Europe/Madrid" in h.last_text(ALICE.id)  # back in the quiet step
    assert "Now: 22:00–07:00 (Europe/Madrid)" in h.last_text(ALICE.id)
    await h.say(ALICE, "23:30–06:00")
    assert "Quiet hours: 23:30–06:00 (Europe/Madrid)" in h.last_text(ALICE.id)
    alice = await h.member(ALICE)
    assert (alice.timezone, alice.quiet_from, alice.quiet_to) == ("Europe/Madrid", 1410, 360)


async def test_bad_quiet_hours_get_a_polite_reply_and_change_nothing(h: Harness) -> None:
    await h.say(ALICE, "/start")
    await h.say(ALICE, "/quiet")
    await h.say(ALICE, "22:00-07:30")
    await h.say(ALICE, "/quiet")
    for typed, reply in [
        ("25-07", "Hours go from 00 to 23"),
        ("7", "Please send two times"),
        ("22-22", "Start and end are the same"),
    ]:
        await h.say(ALICE, typed)
        assert reply in h.last_text(ALICE.id)
    await h.send(h.fake.sticker_message(ALICE))
    assert "Please send your quiet hours as text" in h.last_text(ALICE.id)
    alice = await h.member(ALICE)
    assert (alice.quiet_from, alice.quiet_to) == (1320, 450)

    await h.say(ALICE, "/cancel")
    assert "Cancelled" in h.last_text(ALICE.id)
    await h.say(ALICE, "23-06")  # the step is over: not read as quiet hours
    assert "not sure what to do" in h.last_text(ALICE.id)
    assert (await h.member(ALICE)).quiet_from == 1320

    await h.say(ALICE, "/quiet")
    await h.press(ALICE, "No quiet hours")
    assert "Saved: questions may reach you at any time." in h.last_text(ALICE.id)
    alice = await h.member(ALICE)
    assert (alice.quiet_from, alice.quiet_to) == NEVER_QUIET  # never, not "none set"


async def test_time_zone_step_fallback_and_replies_in_the_members_language(h: Harness) -> None:
    i18n = h.dp["i18n"]
    await h.say(MARIA, "/profile")
    await h.press(MARIA, i18n.gettext("🌍 Time zone", locale="es"))
    await h.send(h.fake.sticker_message(MARIA))
    not_text = "Please type your time zone, or tap a button above. /cancel leaves."
    assert h.last_text(MARIA.id) == i18n.gettext(not_text, locale="es") != not_text
    await h.say(MARIA, "Lima, Peru")
    refusal = h.last_text(MARIA.id)
    assert "Europe/Madrid" in refusal and "I don't know" not in refusal  # Spanish
    assert (await h.member(MARIA)).timezone is None


async def test_a_paused_member_is_not_asked_until_they_resume(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(BOB, "/profile")
    await h.press(BOB, "⏸ Pause questions to me")
    assert "Paused" in h.last_answer()["text"]
    assert "Questions to me: paused" in h.last_text(BOB.id)  # the card, edited in place
    assert "▶️ Resume questions" in buttons(h, BOB.id)
    assert (await h.member(BOB)).routing_opt_out

    await h.say(ALICE, "/ask Which #GIS layers for zoning maps?", GROUP)
    assert "1 peer(s)" in h.fake.last_message(GROUP.id)["text"]
    assert await deliver(h) == 1
    assert "Which #GIS layers" in h.last_text(CHEN.id)
    assert "Which #GIS layers" not in h.last_text(BOB.id)

    await h.say(BOB, "/profile")  # the card shows the pause wherever it is opened
    assert "▶️ Resume questions" in buttons(h, BOB.id)
    await h.press(BOB, "▶️ Resume questions")
    assert "Questions to me: welcome" in h.last_text(BOB.id)
    await h.say(ALICE, "/ask #GIS again: raster or vector?", GROUP)
    assert await deliver(h) == 2
    assert "raster or vector?" in h.last_text(BOB.id)


async def test_quiet_hours_skip_a_member_until_they_are_over(h: Harness) -> None:
    await group_with_experts(h)
    await h.say(BOB, "/quiet")
    await h.press(BOB, "🌍 Set time zone")
    await h.say(BOB, "Europe/Madrid")  # UTC+1 in November
    await h.say(BOB, "22-07")
    h.clock.advance(hours=13)  # 22:00 UTC: 23:00 in Madrid, Bob's quiet hours
    await h.say(ALICE, "/ask Night question about #GIS", GROUP)
    assert await deliver(h) == 1
    assert "Night question" in h.last_text(CHEN.id)
    assert not any("Night question" in text for text in h.replies(BOB.id))

    h.clock.advance(hours=8, minutes=30)  # 06:30 UTC: 07:30 in Madrid, quiet hours over
    await h.say(ALICE, "/ask Morning question about #GIS", GROUP)
    assert await deliver(h) == 2
    assert "Morning question" in h.last_text(BOB.id)
    bob = await h.member(BOB)
    asked = await h.all(
        select(Question.number)
        .join(RoutingRequest, RoutingRequest.question_id == Question.id)
        .where(RoutingRequest.member_id == bob.id)
    )
    assert asked == [2]


async def test_someone_elses_community_in_a_button_changes_nothing(h: Harness) -> None:
    await h.say(ALICE, "/profile")
    card = h.fake.last_message(ALICE.id)
    await h.send(h.fake.callback(ALICE, card, "pf:pa:999:1"))  # a community not hers
    assert h.last_answer().get("show_alert") is True
    await h.send(h.fake.callback(ALICE, card, "pf:pa:0:x"))
    assert h.last_answer().get("show_alert") is True
    assert not (await h.member(ALICE)).routing_opt_out
