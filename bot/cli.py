"""`peerbot` command line. `--help` and `migrate` never import aiogram (it costs ~2 s)."""

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings

EXIT_CONFIG = 2


class _Redact(logging.Filter):
    """Secrets never reach the logs, whatever library formats the message."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "<redacted>")
            record.msg, record.args = message, None
        return True


def _secrets(settings: Settings) -> list[str]:
    values = [settings.bot_token, settings.webhook_secret, settings.zoom_client_secret]
    return [v.get_secret_value() for v in values if v is not None]


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_Redact(_secrets(settings)))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, logging.root.level))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _fail(message: str, settings: Settings | None = None) -> int:
    for secret in _secrets(settings) if settings else []:
        message = message.replace(secret, "<redacted>")
    print(f"peerbot: {message}", file=sys.stderr)
    return EXIT_CONFIG


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return "<unparseable>"


def cmd_migrate(settings: Settings) -> int:
    from bot.migrate import upgrade

    try:
        upgrade(settings.database_url)
    except Exception as error:  # noqa: BLE001 - any failure here is a bad DATABASE_URL to the user
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return _fail(
            f"cannot use DATABASE_URL {_safe_url(settings.database_url)}: {reason}", settings
        )
    return 0


async def _check_bot_api(settings: Settings) -> str | None:
    """None when the Bot API answers getMe with our token, else the reason in one line."""
    from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError

    from bot.app import create_bot

    bot = create_bot(settings, retry=False)  # a start-up check: fail fast, in one line
    where = settings.telegram_api_url or "https://api.telegram.org"
    try:
        await bot.get_me(request_timeout=15)
    except TelegramUnauthorizedError:
        return "the Bot API rejected BOT_TOKEN (401 Unauthorized): check it with @BotFather"
    except (TelegramAPIError, OSError, TimeoutError) as error:
        return f"cannot reach the Bot API at {where}: {error}"
    finally:
        await bot.session.close()
    return None


def cmd_run(settings: Settings) -> int:
    try:
        settings.require_token()
    except ConfigError as error:
        return _fail(str(error))
    setup_logging(settings)
    code = cmd_migrate(settings)
    if code:
        return code
    problem = asyncio.run(_check_bot_api(settings))
    if problem:
        return _fail(problem, settings)
    from bot.app import run_polling

    asyncio.run(run_polling(settings))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peerbot",
        description="Telegram bot for peer-learning communities. Configured by environment "
        "variables (see README): BOT_TOKEN, DATABASE_URL, TELEGRAM_API_URL, ...",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="apply migrations, then run the bot (long polling)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_CONFIG
    try:
        settings = load_settings()
    except ConfigError as error:
        return _fail(str(error))
    if args.command == "migrate":
        return cmd_migrate(settings)
    try:
        return cmd_run(settings)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
