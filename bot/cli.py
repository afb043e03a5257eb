"""`peerbot` command line. `--help`, `migrate`, `faq` and `export` never import aiogram (it
costs ~2 s)."""

import argparse
import asyncio
import io
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.config import ConfigError, Settings, load_settings

EXIT_CONFIG = 2
EXIT_BAD_ROWS = 1


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


def _group(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a chat id: {value!r}") from None


async def _faq_import(settings: Settings, data: bytes, fmt: str, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.services.faq_io import BadRows, FaqFileError, FaqIOService
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            service = FaqIOService(session, SystemClock())
            result = await service.import_file(data, fmt, chat_id=args.community, name=args.file)
    except BadRows as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"peerbot: {args.file}: {error}", file=sys.stderr)
        return EXIT_BAD_ROWS
    except FaqFileError as error:
        return _fail(str(error))
    finally:
        await db.dispose()
    groups = len(result.groups)
    print(
        f"imported {result.count} entr{'y' if result.count == 1 else 'ies'} "
        f"({result.published} published) into {groups} "
        f"group{'s' if groups != 1 else ''}"
        + (f"; {result.skipped} rows of other groups left out" if result.skipped else "")
    )
    return 0


async def _faq_export(settings: Settings, out: TextIO, fmt: str, chat_id: int | None) -> int:
    from bot.clock import SystemClock
    from bot.services.faq_io import FaqFileError, FaqIOService
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            await FaqIOService(session, SystemClock()).export(out, fmt, chat_id=chat_id)
    except FaqFileError as error:
        return _fail(str(error))
    finally:
        await db.dispose()
    return 0


def cmd_faq(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.faq_io import UnknownFormat, format_of

    try:
        if args.faq_command == "import":
            fmt = format_of(args.file, args.format)
        else:
            fmt = args.format or (format_of(args.out) if args.out else "csv")
    except UnknownFormat as error:
        return _fail(str(error))
    if args.faq_command == "import":
        try:
            with open(args.file, "rb") as file:
                data = file.read()
        except OSError as error:
            return _fail(f"cannot read {args.file}: {error.strerror or error}")
    code = cmd_migrate(settings)
    if code:
        return code
    if args.faq_command == "import":
        return asyncio.run(_faq_import(settings, data, fmt, args))
    if args.out is None:
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            return asyncio.run(_faq_export(settings, out, fmt, args.community))
        finally:
            out.flush()
            out.detach()  # sys.stdout stays open
    try:
        with open(args.out, "w", encoding="utf-8", newline="") as file:
            return asyncio.run(_faq_export(settings, file, fmt, args.community))
    except OSError as error:
        return _fail(f"cannot write {args.out}: {error.strerror or error}")


async def _export(settings: Settings, chat_id: int, path: str) -> int:
    from bot.clock import SystemClock
    from bot.services.stats import StatsService, UnknownCommunity
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            service = StatsService(session, SystemClock())
            try:
                community_id = await service.community_of_chat(chat_id)
            except UnknownCommunity:
                return _fail(f"no group with chat id {chat_id}")
            # Opened once the group is known (no empty file); the loop has nothing else to do.
            with open(path, "wb") as out:  # noqa: ASYNC230
                written = await service.export(community_id, out)
    except OSError as error:
        return _fail(f"cannot write {path}: {error.strerror or error}")
    finally:
        await db.dispose()
    rows = ", ".join(f"{name} {count}" for name, count in written.items())
    print(f"wrote {path}: {rows}")
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    code = cmd_migrate(settings)
    if code:
        return code
    return asyncio.run(_export(settings, args.community, args.out))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peerbot",
        description="Telegram bot for peer-learning communities. Configured by environment "
        "variables (see README): BOT_TOKEN, DATABASE_URL, TELEGRAM_API_URL, ...",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="apply migrations, then run the bot (long polling)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    faq = sub.add_parser("faq", help="import or export FAQ entries (CSV or JSON Lines)")
    faq.set_defaults(faq_parser=faq)
    faq_sub = faq.add_subparsers(dest="faq_command", metavar="ACTION")
    formats = ("csv", "jsonl")
    imp = faq_sub.add_parser(
        "import",
        help="add the entries of a file; a file with a bad row imports nothing",
        description="Add the FAQ entries of a CSV or JSON Lines file (columns: see README). "
        "Every row is checked first: with any bad row, nothing is imported and each is "
        "reported as 'line N: reason' (exit code 1).",
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--format", choices=formats, help="default: from the file's extension")
    imp.add_argument("--community", type=_group, metavar="CHAT_ID", help="only this group's rows")
    exp = faq_sub.add_parser("export", help="write every entry, deleted ones too")
    exp.add_argument("--format", choices=formats, help="default: from --out's extension, or csv")
    exp.add_argument("--out", metavar="FILE", help="default: standard output")
    exp.add_argument(
        "--community", type=_group, metavar="CHAT_ID", help="only this group's entries"
    )
    export = sub.add_parser(
        "export",
        help="write a group's data (CSV files in a zip) for reporting",
        description="Write a zip of CSV files with the group's members, questions, answers, "
        "votes, routing requests, FAQ, meetups, RSVPs and prompt replies (columns: "
        "docs/export.md). It names members: keep it among those who need it.",
    )
    export.add_argument(
        "--community", type=_group, required=True, metavar="CHAT_ID", help="the group's chat id"
    )
    export.add_argument("--out", required=True, metavar="FILE", help="the zip file to write")
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
    if args.command == "faq":
        if args.faq_command is None:
            args.faq_parser.print_help()
            return EXIT_CONFIG
        return cmd_faq(settings, args)
    if args.command == "export":
        return cmd_export(settings, args)
    try:
        return cmd_run(settings)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
