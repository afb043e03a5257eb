"""Discussion prompts, told as they live them: María, an administrator, adds a prompt and
schedules prompts for Mondays at 09:00; when Monday comes the job posts the least recently used
prompt in the group, and Alice's reply to it is counted. Alice may not manage prompts; a bad
schedule is refused with an example, and nothing changes."""

from sqlalchemy import select

from bot import jobs
from bot.services.prompts import STARTERS
from storage.models import Community, PromptPost, PromptSchedule
from tests.e2e.conftest import ALICE, GROUP, MARIA, OLGA, Harness
from tests.e2e.test_faq_admin import moderated
from tests.e2e.test_questions import deliver


async def fire(h: Harness) -> int:
    return await jobs.post_prompts(h.bot, h.db, h.clock, h.settings, h.dp["i18n"])


async def test_scheduled_prompt_is_posted_and_replies_counted(h: Harness) -> None:
    await moderated(h)
    await h.say(MARIA, "/prompt_add What did you map this week?", GROUP)
    assert "#5" in h.last_text(GROUP.id)  # after the four starters
    await h.say(MARIA, "/prompt_schedule mon 09:00", GROUP)
    assert "lun a las 09:00" in h.last_text(GROUP.id)  # María reads Spanish
    await h.say(MARIA, "/prompt_schedule", GROUP)
    assert "2026-11-09 09:00" in h.last_text(GROUP.id)

    h.clock.advance(days=6)
    assert await fire(h) == 0  # not Monday yet
    h.clock.advance(days=1, seconds=30)
    assert await fire(h) == 1
    assert await fire(h) == 0  # the slot is taken
    await deliver(h)
    post = h.fake.last_message(GROUP.id)
    # The first starter (share a challenge), in the group's language.
    community = await h.one(select(Community))
    starter = h.dp["i18n"].gettext(STARTERS["challenge"], locale=community.language)
    assert post["text"].startswith("💬 " + starter)

    await h.say(ALICE, "In our office we pair new planners with a mentor.", GROUP, reply_to=post)
    await h.say(ALICE, "And we keep a shared glossary.", GROUP, reply_to=post)
    [row] = await h.all(select(PromptPost))
    assert row.message_id == post["message_id"] and row.reply_count == 2


async def test_member_is_refused_and_bad_schedule_explained(h: Harness) -> None:
    await moderated(h)
    await h.say(ALICE, "/prompt_schedule mon 09:00", GROUP)
    assert h.last_text(GROUP.id) == (
        "Only the group's administrators can manage its prompts. Nothing was changed."
    )
    await h.say(MARIA, "/prompt_schedule every monday at 9", GROUP)
    assert "/prompt_schedule lun,jue 09:00" in h.last_text(GROUP.id)  # in her words
    await h.say(MARIA, "/prompt_schedule mon 25:00", GROUP)
    assert "/prompt_schedule lun,jue 09:00" in h.last_text(GROUP.id)
    assert await h.all(select(PromptSchedule)) == []


async def test_schedules_in_the_moderators_own_words(h: Harness) -> None:
    await moderated(h)
    await h.say(MARIA, "/prompt_schedule lun,jue 09:00", GROUP)
    reply = h.last_text(GROUP.id)
    assert "Los temas se publican lun, jue a las 09:00 (UTC)" in reply
    assert "2026-11-05 09:00" in reply  # Thursday
    [schedule] = await h.all(select(PromptSchedule))
    assert schedule.expression == "mon,thu 09:00"  # stored canonical, read by any language

    h.fake.set_chat_member(GROUP, OLGA, "administrator")
    await h.say(OLGA, "/prompt_schedule пн,чт 09:00", GROUP)
    assert "Темы публикуются пн, чт в 09:00 (UTC)" in h.last_text(GROUP.id)
    await h.say(OLGA, "/prompt_schedule", GROUP)
    assert "пн, чт в 09:00" in h.last_text(GROUP.id)
    await h.say(MARIA, "/prompt_schedule", GROUP)  # the same schedule, each in their language
    assert "lun, jue a las 09:00" in h.last_text(GROUP.id)

    await h.say(OLGA, "/prompt_schedule выходные 10:00", GROUP)
    assert "по выходным в 10:00" in h.last_text(GROUP.id)
    await h.say(OLGA, "/prompt_schedule пн,пн 09:00", GROUP)
    refusal = h.last_text(GROUP.id)
    assert "/prompt_schedule пн,чт 09:00" in refusal
    assert "(или ежедневно, будни, выходные 18:30)" in refusal
    await h.say(MARIA, "/prompt_schedule fines de semana 10:00", GROUP)
    assert "los fines de semana a las 10:00" in h.last_text(GROUP.id)
    [schedule] = await h.all(select(PromptSchedule))
    assert schedule.expression == "weekends 10:00"
