"""Apply Alembic migrations programmatically (no alembic.ini needed in an installed package)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

import migrations


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    cfg.attributes["url"] = url
    return cfg


def ensure_sqlite_dir(url: str) -> None:
    """SQLite creates the file but not its folder (data/ on a fresh clone)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def upgrade(url: str, revision: str = "head") -> None:
    """Synchronous entry point for the CLI (runs its own event loop)."""
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def run_on_connection(connection: AsyncConnection, action: str, revision: str) -> object:
    """For async callers: `await conn.run_sync(...)` with an open connection."""

    def _run(sync_conn: object) -> None:
        cfg = alembic_config(connection.engine.url.render_as_string(hide_password=False))
        cfg.attributes["connection"] = sync_conn
        getattr(command, action)(cfg, revision)

    return connection.run_sync(_run)
