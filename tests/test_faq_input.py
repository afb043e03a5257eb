"""What moderators type into the FAQ dialogs: review dates are days in the community's time
zone (an entry falls due at that day's start there), and topics are kept as typed, once each."""

from datetime import UTC, datetime

import pytest

from bot.services.faq import (
    BadEntryTags,
    BadReviewDate,
    PastReviewDate,
    entry_tags,
    review_date,
    review_day,
)

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # still 1 November in Lima


def test_a_review_date_starts_the_day_in_the_communitys_time_zone() -> None:
    due = review_date("2027-06-30", "America/Lima", NOW)
    assert due == datetime(2027, 6, 30, 5, 0, tzinfo=UTC)
    assert review_day(due, "America/Lima").isoformat() == "2027-06-30"
    assert review_date("30.06.2027", "UTC", NOW) == datetime(2027, 6, 30, tzinfo=UTC)


def test_today_is_judged_where_the_community_is() -> None:
    assert review_date("2026-11-02", "America/Lima", NOW)  # tomorrow there
    with pytest.raises(PastReviewDate):
        review_date("2026-11-02", "Europe/Madrid", NOW)  # today there


@pytest.mark.parametrize("text", ["next week", "2027-02-30", "2027-13-01", "06/30/2027", ""])
def test_what_is_not_a_date_is_refused(text: str) -> None:
    with pytest.raises(BadReviewDate):
        review_date(text, "UTC", NOW)


def test_topics_are_kept_as_typed_once_each() -> None:
    assert entry_tags(" GIS, #zoning ,gis,  Land   use ,, ") == ["GIS", "zoning", "Land use"]


def test_too_many_or_too_long_topics_are_refused_not_cut() -> None:
    with pytest.raises(BadEntryTags) as many:
        entry_tags(",".join(f"t{n}" for n in range(11)))
    assert many.value.count == 11
    with pytest.raises(BadEntryTags) as long:
        entry_tags("ok, " + "x" * 41)
    assert long.value.too_long == ["x" * 41]
