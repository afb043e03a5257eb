"""`peerbot faq import FILE` and `peerbot faq export` as the README shows them: settings from
the environment, files in UTF-8, one line per bad row and a non-zero exit code, the Telegram
library never loaded."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.services.factory import build_services
from bot.services.members import GroupInfo
from storage.db import Database
from tests.databases import run_sync
from tests.fakes.clock import FakeClock
from tests.services.conftest import identity

GROUP = GroupInfo(chat_id=-1001000000001, title="Municipal Planners", is_forum=False)
ROWS = (
    "question,answer,tags,community\n"
    '"¿Qué es el catastro, y para qué?","Un registro.\nVer ""Ley 28294"".",catastro; gis,'
    f"{GROUP.chat_id}\n"
    f"Как планировать бюджет?,Начните с расходов 😀,,{GROUP.chat_id}\n"
)


async def _add_group(url: str) -> None:
    db = Database(url)
    try:
        async with db.session() as session:
            services = build_services(session, FakeClock(), Settings(_env_file=None))  # type: ignore[call-arg]
            await services.members.seen(identity(1, "Ana"), GROUP, private=False)
    finally:
        await db.dispose()


def _database(tmp: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp / name}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["migrate"]) == 0
    run_sync(_add_group(url))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    return tmp_path


def test_import_then_export_round_trip(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    _database(workdir, monkeypatch, "first.db")
    (workdir / "faq.csv").write_text(ROWS, encoding="utf-8")
    assert main(["faq", "import", "faq.csv"]) == 0
    said = capsysbinary.readouterr().out.decode()
    assert said == "imported 2 entries (2 published) into 1 group\n"

    assert main(["faq", "export"]) == 0
    exported = capsysbinary.readouterr().out
    assert exported.decode("utf-8").startswith("community,question,answer,tags,")
    assert "Начните с расходов 😀" in exported.decode("utf-8")
    assert main(["faq", "export", "--out", "all.jsonl", "--community", str(GROUP.chat_id)]) == 0
    assert (workdir / "all.jsonl").read_text(encoding="utf-8").count("\n") == 2

    _database(workdir, monkeypatch, "second.db")
    (workdir / "exported.csv").write_bytes(exported)
    assert main(["faq", "import", "exported.csv"]) == 0
    capsysbinary.readouterr()
    assert main(["faq", "export", "--format", "csv"]) == 0
    assert capsysbinary.readouterr().out == exported
    assert main(["faq", "import", "all.jsonl", "--community", str(GROUP.chat_id)]) == 0


def test_a_bad_file_imports_nothing_and_says_why(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _database(workdir, monkeypatch, "faq.db")
    bad = ROWS + f'"Multi\nline",,,{GROUP.chat_id}\nQ,A,,-42\n'
    (workdir / "bad.csv").write_text(bad, encoding="utf-8")
    assert main(["faq", "import", "bad.csv"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "line 5: the answer is empty",
        "line 7: no group with chat id -42 is known to the bot (add the bot to the group first)",
        "peerbot: bad.csv: 2 bad rows: nothing imported",
    ]
    assert main(["faq", "export", "--format", "jsonl"]) == 0
    assert capsys.readouterr().out == ""  # nothing was imported

    (workdir / "faq.xml").write_text("<faq/>", encoding="utf-8")
    assert main(["faq", "import", "faq.xml"]) == 2
    assert "cannot tell the format of 'faq.xml'" in capsys.readouterr().err
    assert main(["faq", "import", "missing.csv"]) == 2
    assert "cannot read missing.csv" in capsys.readouterr().err
    assert main(["faq", "export", "--community", "-7"]) == 2
    assert "no group with chat id -7" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["faq", "export", "--format", "xml"])
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_faq_commands_never_load_the_telegram_library(tmp_path: Path) -> None:
    script = (
        "import sys; from bot.cli import main; code = main(['faq', 'export']); "
        "sys.exit(3 if any(m.startswith('aiogram') for m in sys.modules) else code)"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith("community,question,answer")
