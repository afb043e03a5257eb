"""A flood limit per member: at most `limit` actions of a kind (ask, search) in a sliding
window. In process memory for one instance; in Redis (REDIS_URL) so several instances share
it. Time comes from the injectable clock."""

import logging
import math
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

from redis.exceptions import RedisError

from bot.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    window: float  # seconds


class FloodLimiter(Protocol):
    async def hit(self, kind: str, user_id: int) -> int:
        """Count one `kind` action of `user_id`; 0 if allowed, else seconds until it will be
        (and the refused try is not counted)."""
        ...


class MemoryFloodLimiter:
    def __init__(self, clock: Clock, limits: dict[str, Limit]) -> None:
        self.clock = clock
        self.limits = limits
        self._hits: dict[tuple[str, int], deque[float]] = {}

    async def hit(self, kind: str, user_id: int) -> int:
        limit = self.limits.get(kind)
        if limit is None or limit.count <= 0:
            return 0
        now = self.clock.now().timestamp()
        hits = self._hits.setdefault((kind, user_id), deque())
        while hits and hits[0] <= now - limit.window:
            hits.popleft()
        if len(hits) >= limit.count:
            return max(1, math.ceil(hits[0] + limit.window - now))
        hits.append(now)
        if len(self._hits) > 50_000:  # members who stopped writing: forget their windows
            self._prune(now)
        return 0

    def _prune(self, now: float) -> None:
        longest = max(limit.window for limit in self.limits.values())
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - longest]:
            del self._hits[key]


# Atomic check-and-add on a sorted set of the member's recent tries (scores: their times).
_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(oldest[2])
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
return false
"""


class RedisFloodLimiter:
    def __init__(
        self, redis: Any, clock: Clock, limits: dict[str, Limit], prefix: str = "peerbot:flood"
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.clock = clock
        self.limits = limits
        self._script = redis.register_script(_SCRIPT)

    async def hit(self, kind: str, user_id: int) -> int:
        limit = self.limits.get(kind)
        if limit is None or limit.count <= 0:
            return 0
        now = self.clock.now().timestamp()
        try:
            oldest = await self._script(
                keys=[f"{self.prefix}:{kind}:{user_id}"],
                args=[now, limit.window, limit.count, f"{now}:{uuid.uuid4().hex[:8]}"],
            )
        except (RedisError, OSError) as error:  # no limit rather than no questions
            log.warning("flood limit unavailable (%s): %s of %s let through", error, kind, user_id)
            return 0
        if oldest is None:
            return 0
        return max(1, math.ceil(float(oldest) + limit.window - now))


def create_flood_limiter(
    clock: Clock, limits: dict[str, Limit], redis: Any | None = None, *, prefix: str = "peerbot"
) -> FloodLimiter:
    if redis is not None:
        return RedisFloodLimiter(redis, clock, limits, prefix)
    return MemoryFloodLimiter(clock, limits)
