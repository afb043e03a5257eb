"""`peerbot run` started exactly as the README says (environment variables only), against the
fake Bot API: a whole onboarding story over real long polling, then a clean SIGTERM stop."""

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from tests.fakes.telegram_api import Call, Chat, FakeTelegramAPI, User

ALICE = User(101, "Alice", username="alice", language_code="en")
ADMIN = User(103, "María", language_code="es")
GROUP = Chat(-1001000000001, "supergroup", title="Municipal Planners")
PEERBOT = Path(sys.executable).with_name("peerbot")


def _env(**extra: str) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR"}
    return {**{k: v for k, v in os.environ.items() if k in keep}, **extra}


async def _reply_to(fake: FakeTelegramAPI, chat_id: int, timeout: float = 30) -> dict[str, Any]:  # noqa: ASYNC109
    call: Call = await fake.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == chat_id, timeout=timeout
    )
    return call.result


async def _press(fake: FakeTelegramAPI, message: dict[str, Any], button: str) -> None:
    fake.enqueue(fake.press(ALICE, fake.message(ALICE.id, message["message_id"]), button))


async def test_peerbot_run_onboarding_and_sigterm(tmp_path: Path) -> None:
    async with FakeTelegramAPI() as fake:
        proc = await asyncio.create_subprocess_exec(
            str(PEERBOT),
            "run",
            cwd=tmp_path,
            env=_env(BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.url, LOG_LEVEL="INFO"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            fake.enqueue(fake.my_chat_member(GROUP, ADMIN, "left", "member"))
            welcome = await _reply_to(fake, GROUP.id, timeout=60)
            assert "start=profile_1" in str(welcome["reply_markup"])

            fake.enqueue(fake.text_update(ALICE, "hello", GROUP))
            fake.enqueue(fake.text_update(ALICE, "/start profile_1"))
            tags = await _reply_to(fake, ALICE.id)  # greeting and the topics step, one message
            assert tags["text"].startswith("Hi Alice!")
            fake.enqueue(fake.text_update(ALICE, "GIS, Presupuesto"))
            tags = await _reply_to(fake, ALICE.id)
            await _press(fake, tags, "Done ✔")
            languages = await _reply_to(fake, ALICE.id)
            await _press(fake, languages, "Done ✔")
            await _reply_to(fake, ALICE.id)  # bio prompt
            fake.enqueue(fake.text_update(ALICE, "Planner in Arequipa"))
            card = await _reply_to(fake, ALICE.id)
            assert "GIS, Presupuesto" in card["text"] and "Planner in Arequipa" in card["text"]
            await fake.drained(timeout=10)
            assert (tmp_path / "data" / "peerbot.db").exists()  # README's embedded default
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            output = (await asyncio.wait_for(proc.communicate(), timeout=30))[0].decode()
        assert proc.returncode == 0, output
        assert "Traceback" not in output and fake.token not in output


async def _run_expecting_failure(tmp_path: Path, **env: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        str(PEERBOT),
        "run",
        cwd=tmp_path,
        env=_env(**env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 2, (out, err)
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err.decode(), err.decode()
    return lines[0]


async def test_startup_problems_are_one_line_and_exit_2(tmp_path: Path) -> None:
    async with FakeTelegramAPI() as fake:
        good = {"BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.url}
        assert "BOT_TOKEN is not set" in await _run_expecting_failure(tmp_path)
        assert "malformed" in await _run_expecting_failure(tmp_path, BOT_TOKEN="nonsense")
        wrong = (
            "7000001:" + "x" * 35 if not fake.token.endswith("x" * 35) else "7000001:" + "y" * 35
        )
        line = await _run_expecting_failure(tmp_path, **{**good, "BOT_TOKEN": "1" + wrong})
        assert "rejected BOT_TOKEN" in line and wrong not in line
        assert "cannot use DATABASE_URL" in await _run_expecting_failure(
            tmp_path, **good, DATABASE_URL="nosuchdb://x"
        )
    assert "cannot reach the Bot API" in await _run_expecting_failure(
        tmp_path, BOT_TOKEN=good["BOT_TOKEN"], TELEGRAM_API_URL="http://127.0.0.1:9"
    )
