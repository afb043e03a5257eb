"""Moderators' figures and data, told as they live them: Bob, an administrator, sends /stats in
the group and gets the chart with the summary; Alice, a member, is refused; a bad period is
explained. María moderates two groups: in private /stats asks which, and a forged button (a
group she does not administer) is refused. /export arrives privately as a zip of CSV files."""

import csv
import io
import zipfile

from storage.models import Community
from tests.e2e.conftest import ALICE, BOB, GROUP, MARIA, Harness
from tests.e2e.test_faq_admin import SECOND, es, moderated
from tests.e2e.test_questions import answered


def photo_bytes(h: Harness, message: dict) -> bytes:
    return h.fake.uploads[message["photo"][-1]["file_id"]].content


def document_files(h: Harness, message: dict) -> dict[str, list[dict[str, str]]]:
    data = h.fake.uploads[message["document"]["file_id"]].content
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))
            for name in archive.namelist()
        }


async def test_moderator_gets_chart_and_summary_member_is_refused(h: Harness) -> None:
    await answered(h)  # Alice asked #1, Bob answered it
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    await h.say(BOB, "/stats", GROUP)
    sent = h.fake.last_message(GROUP.id)
    assert photo_bytes(h, sent)[:8] == b"\x89PNG\r\n\x1a\n"
    caption = sent["caption"]
    assert caption.startswith("Municipal Planners: statistics for the last 7 days")
    assert "Questions asked: 1; answered: 1 (100%)" in caption
    assert "Bob: answers 1, accepted 0" in caption
    assert "Helper → asker pairs: 1" in caption

    photos = len(h.fake.calls_to("sendPhoto"))
    await h.say(ALICE, "/stats all", GROUP)
    assert h.last_text(GROUP.id) == (
        "Only the group's administrators can see its statistics and export its data."
    )
    await h.say(BOB, "/stats year", GROUP)
    assert "/stats week" in h.last_text(GROUP.id) and "/stats all" in h.last_text(GROUP.id)
    assert len(h.fake.calls_to("sendPhoto")) == photos


async def test_summary_in_the_moderators_language(h: Harness) -> None:
    await answered(h)
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "/stats month", GROUP)
    caption = h.fake.last_message(GROUP.id)["caption"]
    assert (
        es(h, "Questions asked: {asked}; answered: {answered} ({rate})").format(
            asked=1, answered=1, rate="100\xa0%"
        )
        in caption
    )


async def test_private_picker_and_a_forged_button(h: Harness) -> None:
    community_id = await moderated(h)
    await moderated(h, SECOND)
    await h.say(MARIA, "/stats all")
    assert h.last_text(MARIA.id) == es(h, "Which group's statistics?")
    await h.press(MARIA, SECOND.title)
    assert h.last_text(MARIA.id).startswith("Transit Planners: ")
    assert es(h, "No questions were asked in this period.") in h.last_text(MARIA.id)

    other = Community(
        chat_id=-1001000000099, title="Not hers", created_at=h.clock.now(), updated_at=h.clock.now()
    )
    async with h.db.session() as session, session.begin():
        session.add(other)
    await h.say(MARIA, "/stats")
    message = h.fake.last_message(MARIA.id)
    before = len(h.fake.sent_messages(MARIA.id))
    for data in (f"sx:s:{other.id}:week", f"sx:s:{community_id}:year", "sx:s:0:week"):
        await h.send(h.fake.callback(MARIA, message, data))
        assert h.last_answer().get("show_alert") is True, data
    await h.send(h.fake.callback(ALICE, message, f"sx:s:{community_id}:week"))
    assert h.last_answer().get("show_alert") is True
    assert len(h.fake.sent_messages(MARIA.id)) == before
    assert h.fake.calls_to("sendMessage", chat_id=ALICE.id) == []


async def test_a_non_moderator_in_private_is_refused(h: Harness) -> None:
    await moderated(h)
    await h.say(ALICE, "/stats")
    assert "Only a group's administrators" in h.last_text(ALICE.id)
    await h.say(ALICE, "/export")
    assert "Only a group's administrators" in h.last_text(ALICE.id)
    assert h.fake.calls_to("sendDocument") == []


async def test_export_arrives_privately_and_unzips(h: Harness) -> None:
    await answered(h)
    h.fake.set_chat_member(GROUP, BOB, "administrator")
    await h.say(BOB, "/export")  # Bob moderates one group: no question which
    files = document_files(h, h.fake.last_message(BOB.id))
    assert len(files["questions.csv"]) == 1 and len(files["answers.csv"]) == 1
    assert {m["first_name"] for m in files["members.csv"]} >= {"Alice", "Bob", "Chen"}
    [question] = files["questions.csv"]
    assert question["text"] == "Which #GIS layers for zoning?"
    assert question["created_at"].endswith("Z")

    # In the group it goes privately too, never to the group; María never started the bot.
    h.fake.set_chat_member(GROUP, MARIA, "administrator")
    await h.say(MARIA, "/export", GROUP)
    assert "/export" in h.last_text(GROUP.id)
    assert h.fake.calls_to("sendDocument", chat_id=GROUP.id) == []
    await h.say(MARIA, "/start")
    await h.say(MARIA, "/export", GROUP)
    assert h.last_text(GROUP.id) == es(h, "I sent the export to you in our private chat.")
    assert "questions.csv" in document_files(h, h.fake.last_message(MARIA.id))
    assert h.fake.calls_to("sendDocument", chat_id=GROUP.id) == []


async def test_export_picker_for_a_moderator_of_two_groups(h: Harness) -> None:
    await moderated(h)
    await moderated(h, SECOND)
    await h.say(MARIA, "/start")
    await h.say(MARIA, "/export")
    assert h.last_text(MARIA.id) == es(h, "Which group's data?")
    await h.press(MARIA, SECOND.title)
    sent = h.fake.last_message(MARIA.id)
    assert sent["document"]["file_name"].endswith(".zip")
    assert "Transit Planners" in sent["caption"]
    assert set(document_files(h, sent)) >= {"members.csv", "questions.csv", "rsvps.csv"}
