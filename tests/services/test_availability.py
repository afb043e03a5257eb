"""Time zone and quiet hours as members type them; what is stored is what routing reads."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.services.availability import (
    COMMON_ZONES,
    NEVER_QUIET,
    PART_HOUR_ZONES,
    AvailabilityError,
    BadOffset,
    BadQuietFormat,
    BadQuietTime,
    EmptyQuietHours,
    UnknownTimezone,
    clock_time,
    parse_quiet_hours,
    parse_timezone,
    zone_label,
)
from bot.services.factory import build_services
from storage.db import Database
from storage.models import Member
from tests.services.conftest import GROUP, identity


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Europe/Madrid", "Europe/Madrid"),
        ("america/lima", "America/Lima"),
        ("  AMERICA/Mexico_City ", "America/Mexico_City"),
        ("new york", "America/New_York"),
        ("Lima", "America/Lima"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("UTC+3", "Etc/GMT-3"),  # POSIX signs: Etc/GMT-3 is UTC+3
        ("GMT-5", "Etc/GMT+5"),
        ("utc + 3", "Etc/GMT-3"),
        ("+3", "Etc/GMT-3"),
        ("UTC+0", "UTC"),
        ("UTC-12", "Etc/GMT+12"),
        ("UTC+14:00", "Etc/GMT-14"),
        ("+05:30", "Asia/Kolkata"),
        ("UTC+0545", "Asia/Kathmandu"),
        ("GMT-3:30", "America/St_Johns"),
    ],
)
def test_time_zones_as_members_type_them(typed: str, stored: str) -> None:
    assert parse_timezone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("Mars/Olympus", UnknownTimezone),
        ("", UnknownTimezone),
        ("Madrid, Spain", UnknownTimezone),
        ("localtime", UnknownTimezone),
        ("UTC+15", BadOffset),
        ("UTC-13", BadOffset),
        ("+05:20", BadOffset),
        ("+02:30", BadOffset),  # no place keeps it
        ("+03:75", BadOffset),
    ],
)
def test_time_zones_that_are_refused(typed: str, error: type[AvailabilityError]) -> None:
    with pytest.raises(error):
        parse_timezone(typed)


@pytest.mark.parametrize("hours", range(-12, 15))
def test_whole_hour_offsets_keep_that_offset(hours: int) -> None:
    zone = parse_timezone(f"UTC{hours:+d}")
    offset = datetime(2026, 7, 1, tzinfo=UTC).astimezone(ZoneInfo(zone)).utcoffset()
    assert offset == timedelta(hours=hours)
    assert zone_label(zone) == ("UTC" if hours == 0 else f"UTC{hours:+d}")


@pytest.mark.parametrize(("east", "zone"), sorted(PART_HOUR_ZONES.items()))
def test_part_hour_offsets_map_to_a_place_that_uses_them(east: int, zone: str) -> None:
    """Some of these places also keep summer time: in one half of the year the offset holds."""
    offsets = {
        datetime(2026, month, 1, tzinfo=UTC).astimezone(ZoneInfo(zone)).utcoffset()
        for month in (1, 7)
    }
    assert timedelta(minutes=east) in offsets


def test_common_choices_are_zones_the_parser_accepts() -> None:
    assert [parse_timezone(zone) for zone in COMMON_ZONES] == list(COMMON_ZONES)


@given(st.text(max_size=80))
@example("UTC+99999999999999999999")
@example("Etc/GMT-3")
@example("٣+")
def test_any_text_is_a_loadable_zone_or_a_polite_refusal(text: str) -> None:
    try:
        zone = parse_timezone(text)
    except AvailabilityError:
        return
    ZoneInfo(zone)  # routing reads it the same way
    assert len(zone) <= 64  # members.timezone is String(64)


@given(st.from_regex(r"\s?(UTC|gmt)?\s?[+\-−]\s?\d{1,3}([:.]?\d{1,3})?\s?", fullmatch=True))
def test_any_offset_is_a_zone_with_that_offset_or_a_polite_refusal(text: str) -> None:
    try:
        zone = parse_timezone(text)
    except AvailabilityError:
        return
    ZoneInfo(zone)


@pytest.mark.parametrize(
    ("typed", "quiet"),
    [
        ("22-07", (22 * 60, 7 * 60)),
        ("22:00-07:30", (22 * 60, 7 * 60 + 30)),
        ("23:30–06:00", (23 * 60 + 30, 6 * 60)),  # en dash
        ("9 - 17", (9 * 60, 17 * 60)),
        ("22h-7h", (22 * 60, 7 * 60)),
        ("21.30 to 6.45", (21 * 60 + 30, 6 * 60 + 45)),
        ("22-24", (22 * 60, 0)),
        ("off", None),
        (" OFF ", None),
    ],
)
def test_quiet_hours_as_members_type_them(typed: str, quiet: tuple[int, int] | None) -> None:
    assert parse_quiet_hours(typed) == quiet


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("25-07", BadQuietTime),
        ("22:60-07", BadQuietTime),
        ("24-07", BadQuietTime),
        ("7", BadQuietFormat),
        ("late at night", BadQuietFormat),
        ("22-07-08", BadQuietFormat),
        ("22-22", EmptyQuietHours),
        ("07:00-7", EmptyQuietHours),
    ],
)
def test_quiet_hours_that_are_refused(typed: str, error: type[AvailabilityError]) -> None:
    with pytest.raises(error):
        parse_quiet_hours(typed)


@given(st.text(max_size=40))
@example("٢٢-٠٧")  # digits of another script are not hours
def test_any_text_is_quiet_hours_or_a_polite_refusal(text: str) -> None:
    try:
        quiet = parse_quiet_hours(text)
    except AvailabilityError:
        return
    if quiet is not None:
        start, end = quiet
        assert 0 <= start < 24 * 60 and 0 <= end < 24 * 60 and start != end


@given(st.from_regex(r"\d{1,3}([:.h]\d{1,3})?\s?[-–—]\s?\d{1,3}([:.h]\d{1,3})?", fullmatch=True))
def test_any_pair_of_times_is_quiet_hours_or_a_polite_refusal(text: str) -> None:
    try:
        quiet = parse_quiet_hours(text)
    except AvailabilityError:
        return
    assert quiet is not None and quiet[0] != quiet[1]


@given(st.integers(0, 24 * 60 - 1), st.integers(0, 24 * 60 - 1))
def test_quiet_hours_shown_read_back_the_same(start: int, end: int) -> None:
    if start == end:
        return
    assert parse_quiet_hours(f"{clock_time(start)}–{clock_time(end)}") == (start, end)


# ------------------------------------------------------------------ on a real database


async def _stored(db: Database, user_id: int) -> Member:
    async with db.session() as session:
        return await session.scalar(select(Member).where(Member.user_id == user_id))


async def test_settings_are_saved_and_bad_input_changes_nothing(services, db: Database) -> None:
    await services().members.seen(identity(1, "Alice"), GROUP, private=True)
    profiles = services().profiles
    assert await profiles.set_timezone(1, "europe/madrid") == "Europe/Madrid"
    saved = await profiles.set_quiet_hours(1, "22:00-07:30")
    assert (saved.timezone, saved.quiet) == ("Europe/Madrid", (1320, 450))
    await profiles.set_paused(1, True)
    with pytest.raises(UnknownTimezone):
        await services().profiles.set_timezone(1, "Atlantis")
    with pytest.raises(BadQuietTime):
        await services().profiles.set_quiet_hours(1, "25-07")
    alice = await _stored(db, 1)
    assert (alice.timezone, alice.quiet_from, alice.quiet_to) == ("Europe/Madrid", 1320, 450)
    assert alice.routing_opt_out is True

    await services().profiles.set_quiet_hours(1, "off")
    await services().profiles.set_paused(1, False)
    alice = await _stored(db, 1)
    assert (alice.quiet_from, alice.quiet_to, alice.routing_opt_out) == (*NEVER_QUIET, False)


async def test_the_cached_profile_shows_a_change_at_once(db: Database, clock, settings) -> None:
    """Through the per-process cache, as updates use it: no stale card after an edit."""
    sessions = []

    def services():  # a new session per call, like a new update
        sessions.append(db.session())
        return build_services(sessions[-1], clock, settings, db.cache)

    try:
        alice = await services().members.seen(identity(1, "Alice"), GROUP, private=True)
        before = (await services().profiles.profile(alice.member_id, None)).availability
        assert before is not None and before.timezone is None and not before.paused
        again = (await services().profiles.profile(alice.member_id, None)).availability
        assert again is before  # served from the cache

        await services().profiles.set_timezone(1, "UTC+3")
        await services().profiles.set_quiet_hours(1, "23-06")
        await services().profiles.set_paused(1, True)
        after = (await services().profiles.profile(alice.member_id, None)).availability
        assert after is not None
        assert (after.timezone, after.quiet, after.paused) == ("Etc/GMT-3", (1380, 360), True)
    finally:
        for session in sessions:
            await session.close()
