"""A community's default quiet hours: for members who set none of their own, in the member's
timezone (the community's, for members without one); a member's own hours always win."""

from datetime import UTC, datetime

from bot.services.availability import NEVER_QUIET, parse_quiet_hours
from bot.services.questions import in_quiet_hours
from storage.models import Community
from storage.repos.questions import PeerFacts

NOON_UTC = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def facts(timezone: str | None = None, quiet: tuple[int, int] | None = None) -> PeerFacts:
    start, end = quiet or (None, None)
    return PeerFacts(1, 1, {}, None, None, (), timezone, start, end, 0, 0, 0, 0, 0, None)


def group(timezone: str = "UTC", quiet: tuple[int, int] | None = (11 * 60, 13 * 60)) -> Community:
    start, end = quiet or (None, None)
    return Community(timezone=timezone, quiet_from=start, quiet_to=end)


def test_members_without_their_own_hours_keep_the_groups() -> None:
    assert in_quiet_hours(facts(), NOON_UTC, group())
    assert not in_quiet_hours(facts(), NOON_UTC, group(quiet=None))
    assert not in_quiet_hours(facts(), NOON_UTC)  # no community: as before


def test_the_default_is_read_in_the_members_timezone_then_the_groups() -> None:
    assert not in_quiet_hours(facts("Asia/Jakarta"), NOON_UTC, group())  # 19:00 there
    assert not in_quiet_hours(facts(), NOON_UTC, group("Asia/Jakarta"))
    assert in_quiet_hours(facts(), NOON_UTC, group("Europe/London"))  # 12:00 in November


def test_a_members_own_hours_win() -> None:
    own = facts(quiet=(22 * 60, 7 * 60))
    assert not in_quiet_hours(own, NOON_UTC, group())
    assert in_quiet_hours(facts(quiet=(11 * 60, 12 * 60 + 30)), NOON_UTC, group(quiet=None))


def test_a_members_off_is_never_quiet_even_with_a_group_default() -> None:
    assert not in_quiet_hours(facts(quiet=NEVER_QUIET), NOON_UTC, group())
    assert parse_quiet_hours("off") is None  # the profile stores it as NEVER_QUIET
