"""Every user-facing string is in the English catalog; translations keep placeholders and tags."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, create_i18n

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "__": None, "N_": None}
PLACEHOLDER = re.compile(r"\{(\w*)\}")
TAG = re.compile(r"</?([a-z-]+)")


def _source_messages() -> set[str]:
    found = set()
    for package in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(ROOT / package, keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(locale: str):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=locale)


def test_english_catalog_is_complete() -> None:
    catalog = _catalog("en")
    translated = {m.id for m in catalog if m.id and m.string}
    missing = _source_messages() - translated
    assert not missing, f"run `make i18n`; missing from the English catalog: {sorted(missing)}"


@pytest.mark.parametrize("locale", ["es", "ru", "id"])
def test_translations_keep_placeholders_and_markup(locale: str) -> None:
    for message in _catalog(locale):
        if not message.id or not message.string:
            continue
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
            PLACEHOLDER.findall(message.id)
        ), f"{locale}: placeholders differ in {message.id!r}"
        assert sorted(TAG.findall(message.string)) == sorted(TAG.findall(message.id)), (
            f"{locale}: HTML tags differ in {message.id!r}"
        )


def test_every_supported_language_loads() -> None:
    i18n = create_i18n("en")
    assert set(i18n.available_locales) == {"en", "es", "ru", "id"}
