"""Redis down (several instances share it): the flood limit lets members through and the
rights cache asks Telegram instead, each with one warning line and no traceback."""

import logging

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from bot.flood import Limit, RedisFloodLimiter
from bot.rights import Entry, RedisStatusStore
from tests.fakes.clock import FakeClock


def unreachable() -> Redis:
    # Nothing listens there; no retries, so the refusal comes at once.
    return Redis(host="127.0.0.1", port=1, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))


async def test_the_flood_limit_lets_members_through_when_redis_is_down(caplog) -> None:
    limiter = RedisFloodLimiter(unreachable(), FakeClock(), {"ask": Limit(1, 60)})
    with caplog.at_level(logging.WARNING):
        assert await limiter.hit("ask", 7) == 0
        assert await limiter.hit("ask", 7) == 0  # not counted: not refused either
    [record] = [r for r in caplog.records if r.name == "bot.flood"][:1]
    assert "flood limit unavailable" in record.getMessage() and record.exc_info is None


async def test_the_rights_cache_keeps_nothing_when_redis_is_down(caplog) -> None:
    store = RedisStatusStore(unreachable())
    with caplog.at_level(logging.WARNING):
        await store.put(-100, 7, Entry("administrator", 0.0, True, 60.0))
        assert await store.get(-100, 7) is None  # the check then asks Telegram
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.rights"]
    assert len(messages) == 2 and all("rights cache unavailable" in m for m in messages)
    assert all(r.exc_info is None for r in caplog.records)
