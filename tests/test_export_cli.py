"""`peerbot export --community CHAT_ID --out FILE` as the README shows it: the group's zip of
CSV files, a clear line and exit code 2 for a group we don't know (and no file), the Telegram
library never loaded."""

import csv
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from tests.test_faq_cli import GROUP, _database


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    _database(tmp_path, monkeypatch, "peerbot.db")  # Ana has written in the group
    return tmp_path


def test_export_writes_the_groups_zip(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--community", str(GROUP.chat_id), "--out", "mel.zip"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("wrote mel.zip: members.csv 1, questions.csv 0")
    with zipfile.ZipFile(workdir / "mel.zip") as archive:
        members = list(csv.DictReader(io.TextIOWrapper(archive.open("members.csv"), "utf-8")))
        assert "rsvps.csv" in archive.namelist()
    assert [m["first_name"] for m in members] == ["Ana"]


def test_an_unknown_group_is_one_line_and_no_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--community", "-7", "--out", "mel.zip"]) == 2
    assert "no group with chat id -7" in capsys.readouterr().err
    assert not (workdir / "mel.zip").exists()
    with pytest.raises(SystemExit):
        main(["export", "--out", "mel.zip"])  # --community is required
    assert "--community" in capsys.readouterr().err


def test_export_never_loads_the_telegram_library(workdir: Path) -> None:
    script = (
        "import sys; from bot.cli import main; "
        f"code = main(['export', '--community', '{GROUP.chat_id}', '--out', 'x.zip']); "
        "sys.exit(3 if any(m.startswith('aiogram') for m in sys.modules) else code)"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'peerbot.db'}",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=workdir, env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert zipfile.ZipFile(workdir / "x.zip").testzip() is None
