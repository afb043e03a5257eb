"""/help where you are, command menus per scope, reaching members privately."""

import re

from tests.e2e.conftest import ALICE, BOB, GROUP, Harness


async def test_help_depends_on_where_you_ask(h: Harness) -> None:
    await h.say(ALICE, "/help")
    assert "/profile" in h.last_text(ALICE.id) and "/cancel" in h.last_text(ALICE.id)
    community_id = await h.add_bot_to_group()
    await h.say(ALICE, "/help", GROUP)
    group_help = h.fake.last_message(GROUP.id)
    assert "/ask" in group_help["text"] and "/cancel" not in group_help["text"]
    [[button]] = group_help["reply_markup"]["inline_keyboard"]
    assert button["url"].endswith(f"start=profile_{community_id}")


async def test_administrators_help_lists_every_administrator_command(h: Harness) -> None:
    await h.add_bot_to_group(by=BOB)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    for user in (ALICE, BOB):
        await h.say(user, "hello", GROUP)
    await h.say(ALICE, "/help", GROUP)
    await h.say(ALICE, "/help")
    texts = h.replies(GROUP.id) + h.replies(ALICE.id)
    assert not any("For the group's administrators" in t for t in texts)  # a member

    await h.say(BOB, "/help", GROUP)
    in_group = h.last_text(GROUP.id)
    await h.say(BOB, "/help")
    assert "/help admin" in h.last_text(BOB.id)
    await h.say(BOB, "/help admin")
    in_private = h.last_text(BOB.id)
    await h.dp.emit_startup(bot=h.bot)
    members = {c["command"] for c in h.fake.commands("all_group_chats")}
    menu = {c["command"] for c in h.fake.commands("all_chat_administrators")} - members
    for text in (in_group, in_private):
        assert "For the group's administrators" in text
        missing = [c for c in sorted(menu) if not re.search(rf"/{c}\b", text)]
        assert missing == []


async def test_profile_in_group_points_to_private_chat(h: Harness) -> None:
    community_id = await h.add_bot_to_group()
    await h.say(ALICE, "/profile", GROUP)
    reply = h.fake.last_message(GROUP.id)
    assert reply["reply_to_message"]["from"]["id"] == ALICE.id
    assert reply["reply_markup"]["inline_keyboard"][0][0]["url"].endswith(f"profile_{community_id}")


async def test_command_menus_per_scope_and_language(h: Harness) -> None:
    await h.dp.emit_startup(bot=h.bot)
    private = [c["command"] for c in h.fake.commands("all_private_chats")]
    assert private == [
        "start",
        "profile",
        "expertise",
        "quiet",
        "ask",
        "ask_anon",
        "search",
        "faq",
        "myquestions",
        "myrequests",
        "mydata",
        "forgetme",
        "help",
        "cancel",
    ]
    assert [c["command"] for c in h.fake.commands("all_group_chats")] == [
        "ask",
        "search",
        "faq",
        "close",
        "open",
        "help",
        "profile",
        "meetups",
    ]
    admins = [c["command"] for c in h.fake.commands("all_chat_administrators")]
    assert admins == [
        *("ask", "search", "faq", "close", "open", "help", "profile", "meetups"),
        *("why", "accept", "answering"),
        *("faq_add", "faq_edit", "faq_delete", "faq_restore", "faq_verify", "faq_stale"),
        "faq_verification",
        "prompt_add",
        "prompts",
        "prompt_delete",
        "prompt_schedule",
        "stats",
        "export",
        *("meetup", "meetup_cancel", "meetup_move"),
        "digest_schedule",
        "digest",
        *("hide", "unhide", "suspend", "unsuspend", "audit"),
        *("settings", "topics"),
    ]
    english = h.fake.commands("all_private_chats")[0]["description"]
    spanish = h.fake.commands("all_private_chats", "es")[0]["description"]
    assert english != spanish


async def test_dm_availability_follows_start_and_block(h: Harness) -> None:
    await h.add_bot_to_group()
    await h.say(ALICE, "hola", GROUP)
    assert not (await h.member(ALICE)).dm_available  # never started the bot
    await h.say(ALICE, "/start")
    assert (await h.member(ALICE)).dm_available
    await h.send(h.fake.my_chat_member(ALICE, ALICE, "member", "kicked"))
    assert not (await h.member(ALICE)).dm_available
    await h.send(h.fake.my_chat_member(ALICE, ALICE, "kicked", "member"))
    assert (await h.member(ALICE)).dm_available
