"""Zoom meetings through Zoom's Server-to-Server OAuth app: an account token (cached until
shortly before it expires), then POST /users/me/meetings. Every failure is a ZoomError that
says what went wrong without the credentials, so the caller can fall back to asking the
moderator for a link.

ZOOM_API_URL replaces the API's base URL (https://api.zoom.us/v2); the token then comes from
the same host's /oauth/token, so one setting points both at a local fake in tests."""

import asyncio
import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import aiohttp

from bot.clock import Clock

DEFAULT_API_URL = "https://api.zoom.us/v2"
DEFAULT_TOKEN_URL = "https://zoom.us/oauth/token"
EARLY = timedelta(minutes=5)  # a token is renewed this long before Zoom says it expires
TIMEOUT = aiohttp.ClientTimeout(total=15)


class ZoomError(Exception):
    """Zoom could not create the meeting; `reason` is safe to log (no credentials)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ZoomMeeting:
    id: int
    join_url: str


def token_url(api_url: str) -> str:
    if api_url.rstrip("/") == DEFAULT_API_URL:
        return DEFAULT_TOKEN_URL
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}/oauth/token"


class ZoomClient:
    def __init__(
        self,
        account_id: str,
        client_id: str,
        client_secret: str,
        clock: Clock,
        *,
        api_url: str = DEFAULT_API_URL,
    ) -> None:
        self._account_id, self._client_id, self._secret = account_id, client_id, client_secret
        self.clock = clock
        self.api_url = api_url.rstrip("/")
        self._token: tuple[str, datetime] | None = None
        self._lock = asyncio.Lock()

    async def create_meeting(
        self, topic: str, start: datetime, duration: timedelta, timezone: str, agenda: str = ""
    ) -> ZoomMeeting:
        """A scheduled meeting starting at `start` (aware), shown in `timezone`."""
        body = {
            "topic": topic[:200],
            "type": 2,  # scheduled
            "start_time": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": max(1, int(duration.total_seconds() // 60)),
            "timezone": timezone,
            "agenda": agenda[:2000],
            "settings": {"join_before_host": False, "waiting_room": True},
        }
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            for attempt in (1, 2):
                token = await self._access_token(http, renew=attempt == 2)
                headers = {"Authorization": f"Bearer {token}"}
                try:
                    async with http.post(
                        f"{self.api_url}/users/me/meetings", json=body, headers=headers
                    ) as response:
                        if response.status == 401 and attempt == 1:
                            continue  # revoked early: one new token, once
                        data = await self._json(response, "meeting")
                except (aiohttp.ClientError, TimeoutError) as error:
                    raise ZoomError(f"meeting: {type(error).__name__}") from None
                try:
                    return ZoomMeeting(int(data["id"]), str(data["join_url"]))
                except (KeyError, TypeError, ValueError):
                    raise ZoomError("meeting: no id or join_url in the answer") from None
        raise ZoomError("meeting: unauthorized")

    async def _access_token(self, http: aiohttp.ClientSession, *, renew: bool) -> str:
        async with self._lock:
            now = self.clock.now()
            if self._token is not None and not renew and self._token[1] > now:
                return self._token[0]
            basic = base64.b64encode(f"{self._client_id}:{self._secret}".encode()).decode()
            headers = {"Authorization": f"Basic {basic}"}
            params = {"grant_type": "account_credentials", "account_id": self._account_id}
            try:
                async with http.post(
                    token_url(self.api_url), params=params, headers=headers
                ) as response:
                    data = await self._json(response, "token")
            except (aiohttp.ClientError, TimeoutError) as error:
                raise ZoomError(f"token: {type(error).__name__}") from None
            try:
                token, lifetime = str(data["access_token"]), int(data.get("expires_in", 3600))
            except (KeyError, TypeError, ValueError):
                raise ZoomError("token: no access_token in the answer") from None
            self._token = (token, now + timedelta(seconds=lifetime) - EARLY)
            return token

    @staticmethod
    async def _json(response: aiohttp.ClientResponse, what: str) -> dict:
        if response.status >= 400:
            # Zoom's error body names the problem (e.g. "Invalid client_id or client_secret")
            # and never echoes the secret; the status alone is enough to log.
            raise ZoomError(f"{what}: HTTP {response.status}")
        try:
            data = await response.json(content_type=None)
        except (aiohttp.ContentTypeError, ValueError):
            raise ZoomError(f"{what}: not JSON") from None
        if not isinstance(data, dict):
            raise ZoomError(f"{what}: not an object")
        return data
