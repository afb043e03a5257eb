"""/stats figures on a small community built by hand, each worked out in the comments; the
chart is a PNG; the export, read back, gives the same counts.

The community keeps Lima's time (UTC-5, no DST): its weeks start on Monday 00:00 Lima, which
is 05:00 UTC, and its months end at 05:00 UTC of the 1st. Now is Friday 2026-11-20 12:00 UTC.

Members: Alice (A), Bob (B), Chen (C), Dana (D), Eve (E), Fay (F, asks anonymously).

    q  asked (UTC)        by  answers (UTC)                         wait to first
    1  Oct 05 10:00       A   B 12:00 accepted                      2 h
    8  Oct 31 20:00       D   C Nov 01 03:00 (Lima: Oct 31 22:00)   7 h
    9  Nov 01 06:00       D   C Nov 01 09:00 (Lima: Nov 01 04:00)   3 h
    2  Nov 10 10:00       B   A 11:00                               1 h
    3  Nov 16 03:00       A   B 07:00            (Lima: Sun Nov 15 22:00, so week of Nov 9)
                                                                    4 h
    4  Nov 18 10:00       E   B 10:30, D 12:00 accepted; E votes B's at 11:00   30 min
    5  Nov 19 10:00       D   (none)
    6  Nov 19 11:00       F*  C 13:30            (* anonymous)      2 h 30 min
    7  Nov 19 12:00       A   A 12:10 (her own)                     10 min
"""

import csv
import io
import struct
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.services.stats import Helper, Network, UnknownPeriod, Week
from bot.stats_chart import ChartLabels, render_chart
from storage.models import (
    Answer,
    AnswerVote,
    Community,
    Meetup,
    MeetupRsvp,
    Member,
    Membership,
    PromptPost,
    Question,
)
from tests.fakes.clock import FakeClock
from tests.services.conftest import GROUP

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NAMES = ["Alice", "Bob", "Chen", "Dana", "Eve", "Fay"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def build(services, db) -> tuple[int, dict[str, int]]:
    view = await services().communities.bot_added(
        GROUP.chat_id, GROUP.title, is_forum=False, language="en"
    )
    c = view.id
    async with db.session() as session, session.begin():
        await session.execute(
            update(Community).where(Community.id == c).values(timezone="America/Lima")
        )
        people = {}
        for i, name in enumerate(NAMES):
            member = Member(user_id=900 + i, first_name=name, created_at=NOW, updated_at=NOW)
            session.add(member)
            await session.flush()
            people[name[0]] = member.id
            session.add(Membership(community_id=c, member_id=member.id, joined_at=at(10, 1, 0)))
        questions = [  # number, asker, asked, anonymous, answers (author, at, accepted)
            (1, "A", at(10, 5, 10), False, [("B", at(10, 5, 12), True)]),
            (8, "D", at(10, 31, 20), False, [("C", at(11, 1, 3), False)]),
            (9, "D", at(11, 1, 6), False, [("C", at(11, 1, 9), False)]),
            (2, "B", at(11, 10, 10), False, [("A", at(11, 10, 11), False)]),
            (3, "A", at(11, 16, 3), False, [("B", at(11, 16, 7), False)]),
            (
                4,
                "E",
                at(11, 18, 10),
                False,
                [("B", at(11, 18, 10, 30), False), ("D", at(11, 18, 12), True)],
            ),
            (5, "D", at(11, 19, 10), False, []),
            (6, "F", at(11, 19, 11), True, [("C", at(11, 19, 13, 30), False)]),
            (7, "A", at(11, 19, 12), False, [("A", at(11, 19, 12, 10), False)]),
        ]
        for number, asker, asked, anonymous, answers in questions:
            question = Question(
                community_id=c,
                number=number,
                asker_id=people[asker],
                anonymous=anonymous,
                text=f"Question {number}?",
                created_at=asked,
                updated_at=asked,
                first_answer_at=answers[0][1] if answers else None,
            )
            session.add(question)
            await session.flush()
            for author, when, accepted in answers:
                answer = Answer(
                    question_id=question.id,
                    author_id=people[author],
                    text="Yes.",
                    accepted=accepted,
                    created_at=when,
                )
                session.add(answer)
                await session.flush()
                if number == 4 and author == "B":
                    session.add(
                        AnswerVote(
                            answer_id=answer.id,
                            member_id=people["E"],
                            kind="helpful",
                            created_at=at(11, 18, 11),
                        )
                    )
        for slot, replies in ((at(10, 20, 9), 2), (at(11, 17, 9), 3)):
            session.add(
                PromptPost(
                    community_id=c,
                    slot=slot,
                    chat_id=GROUP.chat_id,
                    reply_count=replies,
                    created_at=slot,
                )
            )
        meetups = [  # starts, status, RSVPs (member, answer, attended)
            (
                at(11, 25, 15),
                "scheduled",
                [("A", "going", None), ("B", "maybe", None), ("C", "cant", None)],
            ),
            (at(10, 10, 15), "scheduled", [("D", "going", True), ("E", "going", False)]),
            (at(11, 21, 15), "cancelled", [("A", "going", None)]),
        ]
        for starts, status, rsvps in meetups:
            meetup = Meetup(
                community_id=c,
                title="Call",
                starts_at=starts,
                duration_minutes=60,
                join_url="https://meet.example/secret",
                status=status,
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(meetup)
            await session.flush()
            for who, answer, attended in rsvps:
                session.add(
                    MeetupRsvp(
                        meetup_id=meetup.id,
                        member_id=people[who],
                        answer=answer,
                        attended=attended,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
    return c, people


async def test_all_time_figures(db, clock, services) -> None:
    c, p = await build(services, db)
    report = await services().stats.report(c, "all")
    # Nine questions; all but #5 have an answer.
    assert (report.asked, report.answered) == (9, 8)
    assert report.answer_rate == 8 / 9
    # Waits sorted: 10 min, 30 min, 1 h, 2 h, 2 h 30, 3 h, 4 h, 7 h: the middle two are 2 h
    # and 2 h 30, so the median is 2 h 15 min.
    assert report.median_first_answer == timedelta(hours=2, minutes=15)
    # Asked (not anonymously): A, B, D, E; answered: A, B, C, D; voted: E. Five in all (Fay
    # asked only anonymously); A, B and D both asked and answered.
    assert report.active_members == 5
    assert report.answers == 9
    # Accepted first: Bob (3 answers, 1 accepted), Dana (1, 1); then Chen (3), Alice (2).
    assert report.top_helpers == [
        Helper(p["B"], "Bob", 3, 1),
        Helper(p["D"], "Dana", 1, 1),
        Helper(p["C"], "Chen", 3, 0),
        Helper(p["A"], "Alice", 2, 0),
    ]
    # Helper -> asker: B->A (#1, #3), A->B (#2), B->E, D->E (#4), C->D (#8, #9); #6 is
    # anonymous, #7 Alice's own. Five pairs, four contacts ({A,B} {B,E} {D,E} {C,D}); A and B
    # helped each other both ways. Sustained (two calendar months, Lima time): {A,B} (October
    # #1, November #2 #3) and {C,D}: #8's answer is Oct 31 in Lima (Nov 1 in UTC), #9's Nov 1.
    assert report.network == Network(
        pairs=5, contacts=4, sustained=2, reciprocal=1, both_ways_members=3
    )
    assert (report.prompt_posts, report.prompt_replies) == (2, 5)
    # Not the cancelled one: the October call (D, E going; D came, E did not) and the coming
    # one (A going, B maybe, C can't).
    assert report.meetups.count == 2
    assert (report.meetups.going, report.meetups.maybe, report.meetups.cant) == (3, 1, 1)
    assert report.meetups.attended == 1
    # Weeks from Monday Oct 5 to the current one (Nov 16), in Lima: #8 (Sat Oct 31) and #9
    # (Sun Nov 1, 01:00 Lima) in the week of Oct 26; #3 (Sun Nov 15, 22:00 Lima) in the week
    # of Nov 9, with #2.
    weeks = {w.start: (w.asked, w.answered) for w in report.weeks}
    assert list(weeks) == [date(2026, 10, 5) + timedelta(weeks=i) for i in range(7)]
    assert weeks[date(2026, 10, 5)] == (1, 1)
    assert weeks[date(2026, 10, 26)] == (2, 2)
    assert weeks[date(2026, 11, 2)] == (0, 0)
    assert weeks[date(2026, 11, 9)] == (2, 2)
    assert weeks[date(2026, 11, 16)] == (4, 3)


async def test_last_week(db, clock, services) -> None:
    c, _people = await build(services, db)
    report = await services().stats.report(c, "week")  # from Fri Nov 13 12:00 UTC
    # #3 to #7: five asked, #5 unanswered. Waits 10 min, 30 min, 2 h 30, 4 h: median 1 h 30.
    assert (report.asked, report.answered) == (5, 4)
    assert report.median_first_answer == timedelta(hours=1, minutes=30)
    # Asked: A, E, D; answered: B, D, C, A; Eve voted: five; A and D both asked and answered.
    assert report.active_members == 5
    # B->A (#3), B->E, D->E (#4); A->B (#2) was before the week: nothing both ways.
    assert report.network == Network(
        pairs=3, contacts=3, sustained=0, reciprocal=0, both_ways_members=2
    )
    assert (report.prompt_posts, report.prompt_replies) == (1, 3)
    assert (report.meetups.count, report.meetups.going, report.meetups.attended) == (1, 1, None)
    # Nov 13 is in Lima's week of Nov 9 (#3 only), then this week.
    assert report.weeks == [Week(date(2026, 11, 9), 1, 1), Week(date(2026, 11, 16), 4, 3)]


async def test_unknown_period_and_an_empty_community(db, clock, services) -> None:
    view = await services().communities.bot_added(
        GROUP.chat_id, GROUP.title, is_forum=False, language="en"
    )
    with pytest.raises(UnknownPeriod):
        await services().stats.report(view.id, "year")
    report = await services().stats.report(view.id, "all")
    assert (report.asked, report.answer_rate, report.median_first_answer) == (0, None, None)
    assert report.weeks == [] and report.top_helpers == []
    month = await services().stats.report(view.id, "month")
    assert len(month.weeks) in (5, 6) and all(w.asked == 0 for w in month.weeks)


async def test_chart_is_a_png(db, clock, services) -> None:
    c, _people = await build(services, db)
    report = await services().stats.report(c, "all")
    labels = ChartLabels(
        "Questions per week",
        "Asked",
        "Answered",
        "Answer rate (%)",
        [f"{w.start:%b %d}" for w in report.weeks],
    )
    png = render_chart(report.weeks, labels)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (800, 450)
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image.verify()


def read_export(data: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {
            name: list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))
            for name in archive.namelist()
        }


async def test_export_gives_the_same_counts(db, clock, services) -> None:
    c, _people = await build(services, db)
    report = await services().stats.report(c, "all")
    out = io.BytesIO()
    written = await services().stats.export(c, out)
    files = read_export(out.getvalue())
    assert set(files) == {
        "members.csv",
        "questions.csv",
        "answers.csv",
        "answer_votes.csv",
        "routing_requests.csv",
        "faq.csv",
        "meetups.csv",
        "rsvps.csv",
        "prompt_replies.csv",
    }
    assert written["questions.csv"] == len(files["questions.csv"]) == report.asked
    questions = {q["question_id"]: q for q in files["questions.csv"]}
    assert sum(1 for q in questions.values() if q["first_answer_at"]) == report.answered
    assert [q["asker_id"] for q in questions.values() if q["anonymous"] == "true"] == [""]
    assert questions[min(questions, key=int)]["created_at"] == "2026-10-05T10:00:00Z"
    answers = files["answers.csv"]
    assert len(answers) == report.answers
    askers = {q["asker_id"] for q in questions.values()} - {""}
    helpers = {a["author_id"] for a in answers}
    voters = {v["member_id"] for v in files["answer_votes.csv"]}
    assert len(askers | helpers | voters) == report.active_members
    assert len(askers & helpers) == report.network.both_ways_members
    pairs = {
        (a["author_id"], questions[a["question_id"]]["asker_id"])
        for a in answers
        if questions[a["question_id"]]["asker_id"] not in ("", a["author_id"])
    }
    assert len(pairs) == report.network.pairs
    assert sum(1 for h, a in pairs if (a, h) in pairs) // 2 == report.network.reciprocal
    going = [r for r in files["rsvps.csv"] if r["answer"] == "going"]
    assert len(going) == 4  # the cancelled meetup's RSVP is exported too
    assert sum(int(r["replies"]) for r in files["prompt_replies.csv"]) == report.prompt_replies
    assert [m["first_name"] for m in files["members.csv"]] == NAMES
    meetup_columns = files["meetups.csv"][0]
    assert "join_url" not in meetup_columns and "secret" not in str(files["meetups.csv"])
