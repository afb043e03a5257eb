"""Weekly schedules and meetup dates: '09:00 local' stays 09:00 local whatever DST does, a
skipped wall time fires when the clocks jump past it, and a doubled one fires once."""

import unicodedata
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import schedule_texts, schedule_words
from bot.i18n import PoI18n, create_i18n
from bot.schedules import (
    BadDateTime,
    BadSchedule,
    UnknownTimezone,
    Weekly,
    firings_between,
    fold,
    next_firing,
    parse_local_datetime,
    parse_weekly,
)

ZONES = (
    "Asia/Almaty",  # +06 -> +05 on 1 March 2024: an hour that happens twice, no DST
    "Africa/Nairobi",
    "America/Lima",
    "Europe/Moscow",
    "Asia/Jakarta",
    "Europe/Berlin",
    "America/Santiago",  # changes at midnight
    "Australia/Lord_Howe",  # half-hour DST
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "days", "at", "canonical"),
    [
        ("mon,thu 09:00", {0, 3}, time(9, 0), "mon,thu 09:00"),
        ("Mon 9:00", {0}, time(9, 0), "mon 09:00"),
        ("daily 18:30", set(range(7)), time(18, 30), "daily 18:30"),
        ("weekdays 08:15", {0, 1, 2, 3, 4}, time(8, 15), "weekdays 08:15"),
        ("sat,sun 10:00", {5, 6}, time(10, 0), "weekends 10:00"),
        ("  thu ,  MON   23:59 ", {0, 3}, time(23, 59), "mon,thu 23:59"),
        ("mon, thu 09:00", {0, 3}, time(9, 0), "mon,thu 09:00"),
        ("WEEKENDS 0:00", {5, 6}, time(0, 0), "weekends 00:00"),
        ("sun,sat,fri,thu,wed,tue,mon 07:05", set(range(7)), time(7, 5), "daily 07:05"),
    ],
)
def test_good_expressions(text: str, days: set[int], at: time, canonical: str) -> None:
    schedule = parse_weekly(text)
    assert schedule == Weekly(frozenset(days), at)
    assert schedule.text == canonical


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "shape"),
        ("   ", "shape"),
        ("mon,thu", "shape"),
        ("09:00", "shape"),
        ("mon 24:00", "time"),
        ("mon 23:60", "time"),
        ("mon 9", "time"),
        ("mon 9:5", "time"),
        ("mon 009:00", "time"),
        ("mon 9.00", "time"),
        ("mon 09:00 pm", "time"),
        ("mon ٠٩:٠٠", "time"),  # Arabic-Indic digits
        ("moonday 09:00", "days"),
        ("lun,lunes 09:00", "days"),  # one day twice, in two spellings
        ("mon,lun 09:00", "days"),
        ("diario,lun 09:00", "days"),
        ("fines de semana,lun 09:00", "days"),
        ("fines 09:00", "days"),
        ("todos los días", "shape"),
        ("пн,чт 9.00", "time"),
        ("mon,mon 09:00", "days"),
        ("mon,Mon 09:00", "days"),
        ("mon thu 09:00", "days"),
        ("mon,,thu 09:00", "days"),
        ("mon, 09:00", "days"),
        ("daily,mon 09:00", "days"),
        ("weekdays,weekends 09:00", "days"),
    ],
)
def test_bad_expressions(text: str, reason: str) -> None:
    with pytest.raises(BadSchedule) as caught:
        parse_weekly(text)
    assert caught.value.reason == reason


def test_a_weekly_cannot_be_built_that_no_expression_says() -> None:
    with pytest.raises(ValueError):
        Weekly(frozenset(), time(9, 0))
    with pytest.raises(ValueError):
        Weekly(frozenset({7}), time(9, 0))
    with pytest.raises(ValueError):
        Weekly(frozenset({0}), time(9, 0, 30))


weeklies = st.builds(
    Weekly,
    days=st.frozensets(st.integers(0, 6), min_size=1),
    # Small hours are where the clocks change: draw them more often.
    at=st.builds(
        time,
        hour=st.one_of(st.integers(0, 3), st.integers(0, 23)),
        minute=st.one_of(st.sampled_from([0, 15, 30, 45]), st.integers(0, 59)),
    ),
)


@given(weeklies)
def test_canonical_text_reads_back_the_same(schedule: Weekly) -> None:
    assert parse_weekly(schedule.text) == schedule
    assert parse_weekly(schedule.text.upper()).text == schedule.text


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        # Berlin: CET +01 -> CEST +02 on 29 March 2026, back on 25 October.
        ("Europe/Berlin", utc(2026, 3, 28, 8), utc(2026, 3, 29, 7)),
        ("Europe/Berlin", utc(2026, 10, 24, 7), utc(2026, 10, 25, 8)),
        # Santiago: -03 -> -04 at midnight 4/5 April 2026, back at midnight 5/6 September.
        ("America/Santiago", utc(2026, 4, 4, 12), utc(2026, 4, 5, 13)),
        ("America/Santiago", utc(2026, 9, 5, 13), utc(2026, 9, 6, 12)),
    ],
)
def test_nine_local_stays_nine_local_across_dst(
    zone: str, after: datetime, expected: datetime
) -> None:
    firing = next_firing(parse_weekly("daily 09:00"), zone, after)
    assert firing == expected
    assert firing.tzinfo is UTC
    assert firing.astimezone(ZoneInfo(zone)).time() == time(9, 0)


def test_a_skipped_wall_time_fires_when_the_clocks_jump() -> None:
    sunday = parse_weekly("sun 02:30")
    firing = next_firing(sunday, "Europe/Berlin", utc(2026, 3, 27))
    assert firing == utc(2026, 3, 29, 1)  # 03:00 CEST
    # Santiago skips midnight; Lord Howe skips half an hour.
    assert next_firing(parse_weekly("sun 00:30"), "America/Santiago", utc(2026, 9, 5)) == utc(
        2026, 9, 6, 4
    )
    lord_howe = next_firing(parse_weekly("sun 02:15"), "Australia/Lord_Howe", utc(2026, 10, 2))
    assert lord_howe.astimezone(ZoneInfo("Australia/Lord_Howe")).time() == time(2, 30)


def test_a_doubled_wall_time_fires_once_at_the_first() -> None:
    sunday = parse_weekly("sun 02:30")
    first = next_firing(sunday, "Europe/Berlin", utc(2026, 10, 24))
    assert first == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, not 02:30 CET an hour later
    assert next_firing(sunday, "Europe/Berlin", first) == utc(2026, 11, 1, 1, 30)
    saturday = parse_weekly("sat 23:30")  # Santiago passes 23:00-24:00 on 4 April twice
    first = next_firing(saturday, "America/Santiago", utc(2026, 4, 4))
    assert first == utc(2026, 4, 5, 2, 30)
    assert next_firing(saturday, "America/Santiago", first) == utc(2026, 4, 12, 3, 30)


def test_the_firing_itself_is_not_after_itself() -> None:
    monday = parse_weekly("mon 09:00")
    assert next_firing(monday, "Asia/Jakarta", utc(2026, 6, 1, 2)) == utc(2026, 6, 8, 2)
    assert next_firing(monday, "Asia/Jakarta", utc(2026, 6, 1, 1, 59, 59)) == utc(2026, 6, 1, 2)


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "Europe", "europe/berlin"])
def test_unknown_timezones(name: str) -> None:
    with pytest.raises(UnknownTimezone):
        next_firing(parse_weekly("daily 09:00"), name, utc(2026, 1, 1))
    with pytest.raises(UnknownTimezone):
        parse_local_datetime("2026-12-15 18:00", name, utc(2026, 1, 1))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        next_firing(parse_weekly("daily 09:00"), "Europe/Berlin", datetime(2026, 1, 1))


@cache
def changes(zone: str) -> tuple[datetime, ...]:
    """Hours in 2024-2027 during which the zone's UTC offset changed, found by brute force."""
    tz = ZoneInfo(zone)
    hour, found = utc(2024, 1, 1), []
    while hour < utc(2028, 1, 1):
        if (
            hour.astimezone(tz).utcoffset()
            != (hour + timedelta(hours=1)).astimezone(tz).utcoffset()
        ):
            found.append(hour)
        hour += timedelta(hours=1)
    return tuple(found) or (utc(2026, 1, 1),)


@st.composite
def situations(draw: st.DrawFn) -> tuple[Weekly, str, datetime]:
    zone = draw(st.sampled_from(ZONES))
    if draw(st.booleans()):
        anywhere = st.datetimes(datetime(2000, 1, 1), datetime(2040, 1, 1), timezones=st.just(UTC))
        return draw(weeklies), zone, draw(anywhere)
    # A wall time at or near one the clocks skip or pass twice, asked for in the days before.
    change = draw(st.sampled_from(changes(zone)))
    near = change.astimezone(ZoneInfo(zone)) + timedelta(minutes=draw(st.integers(-90, 90)))
    days = draw(
        st.one_of(st.just(frozenset(range(7))), st.frozensets(st.integers(0, 6), min_size=1))
    )
    after = change + timedelta(seconds=draw(st.integers(-8 * 86400, 2 * 86400)))
    return Weekly(days, time(near.hour, near.minute)), zone, after


def is_firing(schedule: Weekly, tz: ZoneInfo, moment: datetime) -> bool:
    """The rule from the clocks' side: on an allowed day, the first minute they read the wall
    time or later (so a skipped time counts at the jump, a doubled one only the first time)."""
    local = moment.astimezone(tz)
    wall = datetime.combine(local.date(), schedule.at)
    previous = (moment - timedelta(minutes=1)).astimezone(tz).replace(tzinfo=None)
    return (
        local.weekday() in schedule.days
        and local.fold == 0
        and previous < wall <= local.replace(tzinfo=None)
    )


@settings(max_examples=100, deadline=None)
@given(situations())
def test_next_firing_is_the_first_firing_after(situation: tuple[Weekly, str, datetime]) -> None:
    schedule, zone, after = situation
    tz = ZoneInfo(zone)
    firing = next_firing(schedule, zone, after)
    assert firing > after
    assert firing.second == firing.microsecond == 0
    assert is_firing(schedule, tz, firing)
    local = firing.astimezone(tz)
    if local.time() != schedule.at:  # only when the clocks skipped the wall time that day
        wall = datetime.combine(local.date(), schedule.at)
        before = (firing - timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None)
        assert before < wall < local.replace(tzinfo=None)
    minute = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while minute < firing:
        assert not is_firing(schedule, tz, minute), minute
        minute += timedelta(minutes=1)


@settings(deadline=None)
@given(situations(), st.integers(0, 40 * 86400))
def test_firings_between_are_repeated_next_firings(
    situation: tuple[Weekly, str, datetime], seconds: int
) -> None:
    schedule, zone, start = situation
    end = start + timedelta(seconds=seconds)
    expected, moment = [], next_firing(schedule, zone, start)
    while moment <= end:
        expected.append(moment)
        moment = next_firing(schedule, zone, moment)
    assert firings_between(schedule, zone, start, end) == expected


def test_firings_between_excludes_start_and_includes_end() -> None:
    daily = parse_weekly("daily 09:00")
    nine, ten = utc(2026, 6, 1, 4), utc(2026, 6, 2, 4)  # 09:00 in Almaty (+05)
    assert firings_between(daily, "Asia/Almaty", nine, ten) == [ten]
    assert firings_between(daily, "Asia/Almaty", ten, ten) == []


NOW = utc(2026, 6, 1, 12)


@pytest.mark.parametrize("text", ["2026-12-15 18:00", "15.12.2026 18:00", "15/12/2026 18:00"])
def test_meetup_dates_in_every_format(text: str) -> None:
    assert parse_local_datetime(text, "Europe/Berlin", NOW) == utc(2026, 12, 15, 17)
    assert parse_local_datetime(f"  {text}  ", "America/Lima", NOW) == utc(2026, 12, 15, 23)


def test_meetup_dates_are_day_first() -> None:
    assert parse_local_datetime("03/04/2027 9:30", "Africa/Nairobi", NOW) == utc(2027, 4, 3, 6, 30)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "format"),
        ("tomorrow 18:00", "format"),
        ("2026-12-15", "format"),
        ("2026-12-15T18:00", "format"),
        ("12/15/26 18:00", "format"),
        ("2026-12-15 18h", "format"),
        ("2026-12-15 18:00 CET", "format"),
        ("31.02.2026 10:00", "date"),
        ("2026-13-01 10:00", "date"),
        ("00/12/2026 10:00", "date"),
        ("15.12.2026 24:00", "time"),
        ("15.12.2026 18:60", "time"),
        ("2026-06-01 14:00", "past"),  # exactly now in Berlin (+02)
        ("01.01.2026 10:00", "past"),
        ("28.03.2027 02:30", "gap"),
        ("0001-01-01 00:30", "date"),  # before year 1 in UTC
    ],
)
def test_bad_meetup_dates(text: str, reason: str) -> None:
    with pytest.raises(BadDateTime) as caught:
        parse_local_datetime(text, "Europe/Berlin", NOW)
    assert caught.value.reason == reason


def test_the_end_of_the_calendar_is_not_a_meetup_date() -> None:
    with pytest.raises(BadDateTime) as caught:
        parse_local_datetime("9999-12-31 23:59", "America/Lima", NOW)  # after year 9999 in UTC
    assert caught.value.reason == "date"


def test_a_doubled_meetup_time_is_the_first() -> None:
    assert parse_local_datetime("25.10.2026 02:30", "Europe/Berlin", NOW) == utc(
        2026, 10, 25, 0, 30
    )


@given(
    st.sampled_from(ZONES),
    st.datetimes(datetime(2026, 6, 2), datetime(2039, 1, 1), timezones=st.just(UTC)),
)
def test_a_local_reading_parses_back_to_its_instant(zone: str, moment: datetime) -> None:
    local = moment.replace(second=0, microsecond=0).astimezone(ZoneInfo(zone))
    parsed = parse_local_datetime(f"{local:%d.%m.%Y %H:%M}", zone, NOW)
    first = local.replace(fold=0).astimezone(
        UTC
    )  # the second of a doubled reading reads as the first
    assert parsed == first


# Localized expressions: Spanish, Russian and Indonesian day names and keywords are read
# whatever the writer's language, and each reader is shown (and offered) their own words.

LOCALES = ("en", "es", "ru", "id")


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("lun,jue 09:00", "mon,thu 09:00"),
        ("Mié, VIE 9:00", "wed,fri 09:00"),
        ("mie,sáb 07:30", "wed,sat 07:30"),
        ("sábado,domingo 10:00", "weekends 10:00"),
        ("martes 18:00", "tue 18:00"),
        ("diario 18:30", "daily 18:30"),
        ("Todos los dias 18:30", "daily 18:30"),
        ("entre semana 08:15", "weekdays 08:15"),
        ("fines  de  semana 10:00", "weekends 10:00"),
        ("пн,чт 09:00", "mon,thu 09:00"),
        ("ПН, Ср 9:00", "mon,wed 09:00"),
        ("понедельник,пятница 12:00", "mon,fri 12:00"),
        ("ежедневно 7:00", "daily 07:00"),
        ("каждый день 07:00", "daily 07:00"),
        ("будни 08:00", "weekdays 08:00"),
        ("выходные 11:00", "weekends 11:00"),
        ("sen,kam 09:00", "mon,thu 09:00"),
        ("Senin, Jumat 09:00", "mon,fri 09:00"),
        ("jum'at 13:00", "fri 13:00"),
        ("min 10:00", "sun 10:00"),
        ("setiap hari 06:00", "daily 06:00"),
        ("hari kerja 08:00", "weekdays 08:00"),
        ("Akhir Pekan 10:00", "weekends 10:00"),
        ("mon,jue,пт,sab 09:00", "mon,thu,fri,sat 09:00"),  # languages may mix
    ],
)
def test_localized_expressions(text: str, canonical: str) -> None:
    assert parse_weekly(text).text == canonical


def _spellings() -> list[tuple[str, str, frozenset[int]]]:
    """(language, alias, the days it means) for every day name and keyword in the table."""
    found = [
        (language, name, frozenset({day}))
        for language, table in schedule_words.DAYS.items()
        for day, names in enumerate(table)
        for name in names
    ]
    found += [
        (language, name, days)
        for language, table in schedule_words.KEYWORDS.items()
        for days, names in table
        for name in names
    ]
    return found


def test_no_alias_means_different_days_in_two_languages() -> None:
    meaning: dict[str, tuple[str, frozenset[int]]] = {}
    for language, name, days in _spellings():
        key = fold(name)
        if key in meaning:
            other, other_days = meaning[key]
            assert other_days == days, f"{name!r}: {language} {days} vs {other} {other_days}"
        meaning[key] = (language, days)
    # 'sab' is Saturday in Spanish (sábado) and Indonesian (sabtu): allowed, the same day.
    assert meaning[fold("sáb")][1] == meaning["sab"][1] == frozenset({5})


def test_every_language_names_every_day_and_keyword() -> None:
    for language in LOCALES:
        assert len(schedule_words.DAYS[language]) == 7
        days = [days for days, _names in schedule_words.KEYWORDS[language]]
        assert days == [frozenset(range(7)), frozenset(range(5)), frozenset({5, 6})]


def _scramble(word: str, flips: list[bool]) -> str:
    flips = (flips + [False] * len(word))[: len(word)]
    return "".join(c.upper() if flip else c for c, flip in zip(word, flips, strict=True))


@given(
    st.sampled_from(_spellings()),
    st.lists(st.booleans(), max_size=20),
    st.sampled_from(["09:00", "9:00", "23:59", "0:00"]),
    st.sampled_from([" ", "  ", "\t"]),
)
def test_every_alias_parses_with_a_time_in_any_case(
    spelling: tuple[str, str, frozenset[int]], flips: list[bool], at: str, space: str
) -> None:
    _language, name, days = spelling
    schedule = parse_weekly(f" {_scramble(name, flips)}{space}{at} ")
    assert schedule.days == days
    assert schedule.at == time(*map(int, at.split(":")))


@given(st.sampled_from(_spellings()))
def test_accents_may_be_left_out(spelling: tuple[str, str, frozenset[int]]) -> None:
    _language, name, days = spelling
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    assert parse_weekly(f"{plain} 09:00").days == days


@pytest.fixture(scope="module")
def i18n() -> PoI18n:
    return create_i18n("en")


@settings(deadline=None)
@given(weeklies, st.sampled_from(LOCALES))
def test_the_expression_a_reader_is_shown_parses_back(
    i18n: PoI18n, schedule: Weekly, locale: str
) -> None:
    with i18n.context(), i18n.use_locale(locale):
        shown = schedule_texts.expression(schedule)
    assert parse_weekly(shown) == schedule


@pytest.mark.parametrize(
    ("locale", "example", "keywords"),
    [
        ("en", "mon,thu 09:00", "daily, weekdays, weekends"),
        ("es", "lun,jue 09:00", "diario, entre semana, fines de semana"),
        ("ru", "пн,чт 09:00", "ежедневно, будни, выходные"),
        ("id", "sen,kam 09:00", "setiap hari, hari kerja, akhir pekan"),
    ],
)
def test_the_example_in_each_language_parses_to_the_example(
    i18n: PoI18n, locale: str, example: str, keywords: str
) -> None:
    with i18n.context(), i18n.use_locale(locale):
        shown = schedule_texts.expression(schedule_texts.EXAMPLE)
        offered = schedule_texts.keywords()
    assert shown == example
    assert parse_weekly(shown) == schedule_texts.EXAMPLE
    assert offered == keywords
    # The bad-expression reply offers '(or daily, weekdays, weekends 18:30)': each one reads.
    expected = [frozenset(range(7)), frozenset(range(5)), frozenset({5, 6})]
    assert [parse_weekly(f"{word} 18:30").days for word in offered.split(", ")] == expected


@pytest.mark.parametrize(
    ("locale", "days", "expected"),
    [
        ("en", {0, 3}, "Mon, Thu at 09:00"),
        ("en", set(range(7)), "every day at 09:00"),
        ("en", set(range(5)), "weekdays at 09:00"),
        ("en", {5, 6}, "weekends at 09:00"),
        ("es", {0, 3}, "lun, jue a las 09:00"),
        ("es", {2, 5}, "mié, sáb a las 09:00"),
        ("es", set(range(7)), "todos los días a las 09:00"),
        ("es", {5, 6}, "los fines de semana a las 09:00"),
        ("ru", {0, 3}, "пн, чт в 09:00"),
        ("ru", set(range(5)), "по будням в 09:00"),
        ("id", {0, 3}, "Sen, Kam pukul 09:00"),
        ("id", set(range(7)), "setiap hari pukul 09:00"),
    ],
)
def test_a_schedule_described_in_the_readers_language(
    i18n: PoI18n, locale: str, days: set[int], expected: str
) -> None:
    with i18n.context(), i18n.use_locale(locale):
        assert schedule_texts.describe(Weekly(frozenset(days), time(9, 0))) == expected


@pytest.mark.parametrize("locale", LOCALES)
def test_shown_day_names_are_that_languages_own(i18n: PoI18n, locale: str) -> None:
    with i18n.context(), i18n.use_locale(locale):
        shown = [i18n.gettext(label) for label in schedule_texts.DAY_LABELS]
    assert [fold(name) for name in shown] == [
        fold(names[0]) for names in schedule_words.DAYS[locale]
    ]
