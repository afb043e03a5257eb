"""Meetings created through Zoom's Server-to-Server OAuth API, against a local fake: the token
is reused until it nearly expires, a revoked one is renewed once, and every failure is a
ZoomError that never carries the credentials."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.zoom import ZoomClient, ZoomError, token_url
from tests.fakes.clock import FakeClock
from tests.fakes.zoom import FakeZoom

START = datetime(2026, 12, 15, 23, 0, tzinfo=UTC)


@pytest.fixture
async def zoom():
    fake = FakeZoom()
    await fake.start()
    yield fake
    await fake.stop()


def client(zoom: FakeZoom, clock: FakeClock, secret: str | None = None) -> ZoomClient:
    return ZoomClient(
        zoom.account_id, zoom.client_id, secret or zoom.client_secret, clock, api_url=zoom.url
    )


async def test_a_meeting_is_created_and_the_token_reused(zoom) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    zoom_client = client(zoom, clock)
    first = await zoom_client.create_meeting(
        "Budget calendars", START, timedelta(minutes=90), "America/Lima", "Bring one lesson"
    )
    second = await zoom_client.create_meeting("Again", START, timedelta(hours=1), "UTC")
    assert first.join_url.startswith("https://") and first.id != second.id
    assert zoom.tokens_issued == 1
    body = zoom.meetings[0]
    assert body["start_time"] == "2026-12-15T23:00:00Z"
    assert (body["duration"], body["timezone"], body["type"]) == (90, "America/Lima", 2)
    clock.advance(minutes=56)  # within five minutes of the hour's expiry
    await zoom_client.create_meeting("Later", START, timedelta(hours=1), "UTC")
    assert zoom.tokens_issued == 2


async def test_a_revoked_token_is_renewed_once(zoom) -> None:
    zoom_client = client(zoom, FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)))
    await zoom_client.create_meeting("First", START, timedelta(hours=1), "UTC")
    zoom.revoke_next = True
    meeting = await zoom_client.create_meeting("Second", START, timedelta(hours=1), "UTC")
    assert meeting.join_url and zoom.tokens_issued == 2


async def test_failures_say_what_failed_without_the_secret(zoom) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    with pytest.raises(ZoomError) as wrong:
        await client(zoom, clock, secret="not-the-secret").create_meeting(
            "X", START, timedelta(hours=1), "UTC"
        )
    assert wrong.value.reason == "token: HTTP 400"
    zoom.failing = 1
    with pytest.raises(ZoomError) as down:
        await client(zoom, clock).create_meeting("X", START, timedelta(hours=1), "UTC")
    assert down.value.reason == "meeting: HTTP 500"
    for error in (wrong.value, down.value):
        assert zoom.client_secret not in str(error) and "not-the-secret" not in str(error)
    assert zoom.meetings == []


async def test_an_unreachable_zoom_is_a_zoom_error() -> None:
    zoom_client = ZoomClient(
        "a", "b", "c", FakeClock(datetime(2026, 12, 1, tzinfo=UTC)), api_url="http://127.0.0.1:9/v2"
    )
    with pytest.raises(ZoomError) as error:
        await zoom_client.create_meeting("X", START, timedelta(hours=1), "UTC")
    assert error.value.reason.startswith("token: ")


def test_the_token_comes_from_the_api_hosts_oauth_endpoint() -> None:
    assert token_url("https://api.zoom.us/v2") == "https://zoom.us/oauth/token"
    assert token_url("http://127.0.0.1:8123/v2") == "http://127.0.0.1:8123/oauth/token"
