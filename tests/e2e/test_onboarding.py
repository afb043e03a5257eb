"""The private onboarding dialog and /profile, told as members live them."""

import asyncio

from sqlalchemy import select

from storage.models import MemberExpertise, Membership, Tag
from tests.e2e.conftest import ALICE, BOB, GROUP, OLGA, Harness
from tests.fakes.telegram_api import Chat, User


async def _member_of_group(h: Harness, user: User) -> int:
    community_id = await h.add_bot_to_group()
    await h.say(user, "hello everyone", GROUP)
    return community_id


async def _declared(h: Harness, user: User) -> list[str]:
    member = await h.member(user)
    tags = await h.all(
        select(Tag.label)
        .join(MemberExpertise, MemberExpertise.tag_id == Tag.id)
        .where(MemberExpertise.member_id == member.id, MemberExpertise.declared.is_(True))
        .order_by(Tag.label)
    )
    return tags


async def test_onboarding_from_the_group_button(h: Harness) -> None:
    community_id = await _member_of_group(h, BOB)
    await h.say(BOB, f"/start profile_{community_id}")
    await h.say(BOB, "Budgeting, GIS")
    await h.press(BOB, "Done ✔")
    await h.press(BOB, "Done ✔")  # languages: keeps English, from Telegram's language_code
    await h.say(BOB, "Budget analyst at the city of Cusco")

    community_id = await _member_of_group(h, ALICE)
    await h.say(ALICE, f"/start profile_{community_id}")
    tags_prompt = h.fake.last_message(ALICE.id)
    assert "topics" in tags_prompt["text"]
    buttons = [b["text"] for row in tags_prompt["reply_markup"]["inline_keyboard"] for b in row]
    assert "Budgeting" in buttons and "GIS" in buttons  # what peers already declared

    await h.press(ALICE, "GIS")
    assert "✅ GIS" in [
        b["text"]
        for row in h.fake.last_message(ALICE.id)["reply_markup"]["inline_keyboard"]
        for b in row
    ]
    await h.say(ALICE, "Planificación  Urbana, #gis")
    assert "Planificación Urbana" in h.last_text(ALICE.id)
    await h.press(ALICE, "Done ✔")

    assert "languages" in h.last_text(ALICE.id)
    await h.press(ALICE, "Español")
    await h.press(ALICE, "Done ✔")
    assert "bio" in h.last_text(ALICE.id)
    await h.say(ALICE, "Urban planner in Lima 🌎")

    card = h.last_text(ALICE.id)
    assert card.startswith("All set!")
    assert "GIS, Planificación Urbana" in card and "English, Español" in card
    assert "Urban planner in Lima 🌎" in card and "Municipal Planners" in card
    alice = await h.member(ALICE)
    assert alice.onboarded_at is not None and alice.dm_available
    assert alice.spoken_languages == ["en", "es"]
    assert await _declared(h, ALICE) == ["GIS", "Planificación Urbana"]
    assert len(await h.all(select(Tag).where(Tag.name == "gis"))) == 1  # shared, not duplicated


async def test_deep_link_for_a_group_you_are_not_in_changes_nothing(h: Harness) -> None:
    community_id = await h.add_bot_to_group()
    await h.say(ALICE, f"/start profile_{community_id}")
    assert "could not confirm" in h.last_text(ALICE.id)
    alice = await h.member(ALICE)
    assert await h.all(select(Membership).where(Membership.member_id == alice.id)) == []

    await h.say(ALICE, "/start profile_99999")
    assert "no longer valid" in h.last_text(ALICE.id)


async def test_plain_start_with_no_group_sets_languages_and_bio(h: Harness) -> None:
    await h.say(ALICE, "/start")
    [opening] = h.replies(ALICE.id)  # one message: greeting, why no topics, languages
    assert opening.startswith("Hi Alice!")
    assert "don't know your group" in opening and "Which languages" in opening
    await h.press(ALICE, "Done ✔")
    await h.press(ALICE, "Skip")
    assert h.last_text(ALICE.id).startswith("All set!")
    assert (await h.member(ALICE)).spoken_languages == ["en"]


async def test_member_of_two_groups_picks_one(h: Harness) -> None:
    await _member_of_group(h, ALICE)
    other = Chat(-1002, "supergroup", title="Budget Officials")
    await h.add_bot_to_group(group=other)
    await h.say(ALICE, "hi", other)
    await h.say(ALICE, "/expertise")
    assert "Which community" in h.last_text(ALICE.id)
    await h.press(ALICE, "Budget Officials")
    await h.say(ALICE, "Treasury")
    await h.press(ALICE, "Done ✔")
    card = h.last_text(ALICE.id)
    assert "Budget Officials" in card and "Treasury" in card


async def test_profile_shows_and_edits(h: Harness) -> None:
    await _member_of_group(h, ALICE)
    await h.say(ALICE, "/profile")
    assert "not set yet" in h.last_text(ALICE.id)
    await h.press(ALICE, "Edit bio")
    await h.say(ALICE, "M&E lead <at> the ministry")
    card = h.last_text(ALICE.id)
    assert "M&E lead <at> the ministry" in card  # escaped on the way out, shown as typed
    await h.press(ALICE, "Edit topics")
    await h.say(ALICE, "Monitoring")
    await h.press(ALICE, "Done ✔")
    assert await _declared(h, ALICE) == ["Monitoring"]
    assert (await h.member(ALICE)).bio == "M&E lead <at> the ministry"


async def test_cancel_leaves_the_dialog_and_keeps_finished_steps(h: Harness) -> None:
    community_id = await _member_of_group(h, ALICE)
    await h.say(ALICE, f"/start profile_{community_id}")
    await h.say(ALICE, "GIS")
    await h.press(ALICE, "Done ✔")
    await h.say(ALICE, "/cancel")
    assert "Cancelled" in h.last_text(ALICE.id)
    await h.say(ALICE, "some text after the dialog")
    assert "not sure what to do" in h.last_text(ALICE.id)
    assert await _declared(h, ALICE) == ["GIS"]
    await h.say(ALICE, "/cancel")
    assert "nothing to cancel" in h.last_text(ALICE.id)


async def test_bot_language_follows_member_then_telegram_then_group(h: Harness) -> None:
    i18n = h.dp["i18n"]
    spanish_help = i18n.gettext("There is nothing to cancel.", locale="es")
    russian_help = i18n.gettext("There is nothing to cancel.", locale="ru")
    assert spanish_help != "There is nothing to cancel." and russian_help != spanish_help

    await h.say(OLGA, "/cancel")
    assert h.last_text(OLGA.id) == russian_help  # Telegram says she uses Russian
    await h.say(OLGA, "/profile")
    await h.press(OLGA, i18n.gettext("Bot language", locale="ru"))
    await h.press(OLGA, "Español")
    await h.say(OLGA, "/cancel")
    assert h.last_text(OLGA.id) == spanish_help  # her own choice wins
    assert (await h.member(OLGA)).language == "es"


async def test_same_members_updates_are_handled_in_order(h: Harness) -> None:
    """Telegram delivers a member's updates in order; handling them concurrently must not let
    a /cancel overtake the dialog reply sent before it."""
    community_id = await _member_of_group(h, ALICE)
    await h.say(ALICE, f"/start profile_{community_id}")
    texts = [h.fake.text_update(ALICE, f"Topic {i}") for i in range(5)]
    cancel = h.fake.text_update(ALICE, "/cancel")
    await asyncio.gather(*(h.send(u) for u in [*texts, cancel]))
    replies = h.replies(ALICE.id)
    assert not any("something went wrong" in r for r in replies)
    assert "Cancelled" in replies[-1]
