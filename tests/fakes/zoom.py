"""A local stand-in for Zoom's OAuth token endpoint and meetings API, for tests."""

import base64
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeZoom:
    account_id: str = "acct-1"
    client_id: str = "client-1"
    client_secret: str = "s3cret-value"
    failing: int = 0  # the next this many meeting requests answer 500
    revoke_next: bool = False  # the next meeting request answers 401 (token revoked)
    tokens_issued: int = 0
    meetings: list[dict[str, Any]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(81000000001))
    _valid: set[str] = field(default_factory=set)
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/oauth/token", self._token)
        app.router.add_post("/v2/users/me/meetings", self._meeting)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/v2"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _token(self, request: web.Request) -> web.Response:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return web.json_response({"reason": "Invalid client_id or client_secret"}, status=400)
        query = request.query
        if query.get("grant_type") != "account_credentials":
            return web.json_response({"reason": "unsupported grant type"}, status=400)
        if query.get("account_id") != self.account_id:
            return web.json_response({"reason": "Invalid account_id"}, status=400)
        self.tokens_issued += 1
        token = f"token-{self.tokens_issued}"
        self._valid.add(token)
        return web.json_response({"access_token": token, "expires_in": 3600})

    async def _meeting(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.revoke_next:
            self.revoke_next = False
            self._valid.discard(token)
        if token not in self._valid:
            return web.json_response({"code": 124, "message": "Invalid access token."}, status=401)
        if self.failing:
            self.failing -= 1
            return web.json_response({"message": "Internal error"}, status=500)
        body = await request.json()
        meeting_id = next(self._ids)
        self.meetings.append(body)
        return web.json_response(
            {"id": meeting_id, "join_url": f"https://us05web.zoom.us/j/{meeting_id}", **body},
            status=201,
        )
