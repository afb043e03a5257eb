"""Bad input gets a clear reply and changes nothing."""

import logging

from sqlalchemy import select

from handlers.keyboards.profile import Act, ProfileCb
from storage.models import MemberExpertise, Tag
from tests.e2e.conftest import ALICE, GROUP, Harness
from tests.fakes.telegram_api import Chat, User


async def _in_tag_step(h: Harness) -> int:
    community_id = await h.add_bot_to_group()
    await h.say(ALICE, "hi", GROUP)
    await h.say(ALICE, f"/start profile_{community_id}")
    return community_id


async def _expertise_rows(h: Harness) -> int:
    return len(await h.all(select(MemberExpertise)))


async def test_too_many_and_too_long_tags(h: Harness) -> None:
    await _in_tag_step(h)
    await h.say(ALICE, ", ".join(f"topic {i}" for i in range(25)))
    assert "25 topics; the limit is 20" in h.last_text(ALICE.id)
    await h.say(ALICE, "fine, " + "x" * 41)
    assert "at most 40 characters" in h.last_text(ALICE.id)
    await h.say(ALICE, " ,;  ")
    assert "separated by commas" in h.last_text(ALICE.id)
    await h.press(ALICE, "Done ✔")
    assert await _expertise_rows(h) == 0
    assert await h.all(select(Tag)) == []


async def test_over_long_and_empty_bio(h: Harness) -> None:
    await h.say(ALICE, "/start")
    await h.press(ALICE, "Done ✔")
    await h.say(ALICE, "b" * 501)
    assert "501 characters" in h.last_text(ALICE.id)
    await h.say(ALICE, "   ")
    assert "send your bio as text" in h.last_text(ALICE.id)
    assert (await h.member(ALICE)).bio is None
    await h.say(ALICE, "b" * 500)
    assert (await h.member(ALICE)).bio == "b" * 500


async def test_stickers_and_photos_where_text_is_expected(h: Harness) -> None:
    await _in_tag_step(h)
    await h.send(h.fake.sticker_message(ALICE))
    assert "Please send text" in h.last_text(ALICE.id)
    await h.press(ALICE, "Done ✔")
    await h.press(ALICE, "Done ✔")
    await h.send(h.fake.photo_message(ALICE, caption="my bio"))
    assert "Please send text" in h.last_text(ALICE.id)
    assert (await h.member(ALICE)).bio is None


async def test_unknown_commands(h: Harness) -> None:
    await h.say(ALICE, "/frobnicate")
    assert "don't know that command" in h.last_text(ALICE.id)
    await h.add_bot_to_group()
    before = len(h.fake.sent_messages(GROUP.id))
    await h.say(ALICE, "/otherbot_command", GROUP)  # may be for another bot: stay quiet
    assert len(h.fake.sent_messages(GROUP.id)) == before
    await h.say(ALICE, "/frobnicate@peerbot_test_bot", GROUP)
    assert "don't know that command" in h.last_text(GROUP.id)


async def test_stale_and_forged_buttons_change_nothing(h: Harness) -> None:
    await _in_tag_step(h)
    old_keyboard = h.fake.last_message(ALICE.id)
    await h.say(ALICE, "GIS")
    await h.press(ALICE, "Done ✔")  # moves on to languages
    await h.send(h.fake.press(ALICE, old_keyboard, "Done ✔"))
    assert h.last_answer()["text"].startswith("That button has expired")
    assert h.last_answer()["show_alert"] is True

    other = Chat(-1007, "supergroup", title="Elsewhere")
    await h.add_bot_to_group(group=other)
    stranger = User(555, "Stranger")
    await h.say(stranger, "hi", other)
    foreign_tag = await h.one(select(Tag))  # ALICE's GIS tag; forge it into a new dialog
    await h.say(ALICE, "/expertise")
    forged = ProfileCb(act=Act.TOGGLE_TAG, id=foreign_tag.id + 1000).pack()
    await h.send(h.fake.callback(ALICE, h.fake.last_message(ALICE.id), forged))
    assert "expired" in h.last_answer()["text"]
    forged_pick = ProfileCb(act=Act.EDIT_TAGS, id=2).pack()  # a community she is not in
    await h.send(h.fake.callback(ALICE, h.fake.last_message(ALICE.id), forged_pick))
    assert "expired" in h.last_answer()["text"]
    assert await _expertise_rows(h) == 1


async def test_emoji_and_rtl_names_are_safe(h: Harness) -> None:
    await h.add_bot_to_group()
    newcomer = User(777, "محمد 🌟 <b>&", last_name="‮reversed")
    await h.send(h.fake.new_chat_members(GROUP, newcomer, [newcomer]))
    assert "محمد 🌟 <b>&" in h.last_text(GROUP.id)
    await h.say(newcomer, "/profile")
    assert "محمد 🌟 <b>&" in h.last_text(newcomer.id)
    await h.say(newcomer, "/start")
    assert "Hi محمد 🌟 <b>&!" in h.last_text(newcomer.id)


async def test_unexpected_error_is_logged_once_and_apologised_for(h: Harness, caplog) -> None:
    h.fake.fail("sendMessage", error_code=400, description="Bad Request: surprise", times=1)
    with caplog.at_level(logging.WARNING):
        await h.say(ALICE, "/help")
    assert "something went wrong" in h.last_text(ALICE.id)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "update" in errors[0].getMessage()


async def test_flood_control_is_waited_out_not_lost(h: Harness) -> None:
    h.fake.fail("sendMessage", error_code=429, retry_after=7, times=1)
    start = h.clock.now()
    await h.say(ALICE, "/help")
    assert "What I do" in h.last_text(ALICE.id)
    assert (h.clock.now() - start).total_seconds() >= 7


async def test_blocked_member_is_recorded_without_traceback(h: Harness, caplog) -> None:
    await h.say(ALICE, "/help")
    assert (await h.member(ALICE)).dm_available
    h.fake.block(ALICE.id)
    with caplog.at_level(logging.WARNING):
        await h.say(ALICE, "/help")
    assert not (await h.member(ALICE)).dm_available
    assert all(r.exc_info is None for r in caplog.records)
    assert any("blocked" in r.getMessage() for r in caplog.records)
