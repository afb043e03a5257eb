"""Times shown to readers: local to the zone given, in their language's formats."""

from datetime import UTC, datetime

import pytest

from bot.i18n import create_i18n
from bot.timefmt import local_date, local_datetime, local_time

# 17:00 UTC is 18:00 in Berlin in winter and 19:00 in summer.
WINTER = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 7, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Tue, Mar 3, 2026, 18:00 (Europe/Berlin)"),
        ("es", "mar, 3 mar 2026, 18:00 (Europe/Berlin)"),
        ("ru", "вт, 3 мар. 2026\u202fг., 18:00 (Europe/Berlin)"),  # a narrow no-break space
        ("id", "Sel, 3 Mar 2026 18.00 (Europe/Berlin)"),
    ],
)
def test_each_language_reads_the_local_time_in_its_own_format(locale: str, expected: str) -> None:
    assert local_datetime(WINTER, "Europe/Berlin", locale) == expected


def test_summer_time_moves_the_wall_clock_not_the_instant() -> None:
    assert local_time(WINTER, "Europe/Berlin", "en") == "18:00"
    assert local_time(SUMMER, "Europe/Berlin", "en") == "19:00"
    assert local_time(SUMMER, "America/Lima", "en") == "12:00"


def test_the_local_date_can_differ_from_the_utc_date() -> None:
    late = datetime(2026, 3, 3, 23, 30, tzinfo=UTC)
    assert local_date(late, "Asia/Tashkent", "en") == "Wed, Mar 4, 2026"


def test_without_a_locale_the_current_updates_language_is_used() -> None:
    i18n = create_i18n("en")
    with i18n.context(), i18n.use_locale("es"):
        assert local_date(WINTER, "UTC") == "mar, 3 mar 2026"
    assert local_date(WINTER, "UTC") == "Tue, Mar 3, 2026"
