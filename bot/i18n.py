"""Gettext catalogs: the .po files are the source, compiled in memory at start (no build step)."""

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"


class PoI18n(I18n):
    """aiogram's I18n, reading Babel .po catalogs directly instead of compiled .mo files."""

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's `gettext` looks up I18n's own context variable; a subclass gets a separate
        # one (ContextInstanceMixin), so set the base class's explicitly.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for po_path in sorted(self.path.glob(f"*/LC_MESSAGES/{self.domain}.po")):
            locale = po_path.parent.parent.name
            with po_path.open("rb") as fp:
                catalog = read_po(fp, locale=locale)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            translations[locale] = gettext.GNUTranslations(buffer)
        return translations


def create_i18n(default_locale: str) -> PoI18n:
    return PoI18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


def fill_english_catalog() -> int:
    """English is the source language: its catalog translates every message to itself, so it
    is complete by construction after `make i18n`. Returns how many entries were filled."""
    from babel.messages.pofile import write_po

    path = LOCALES_DIR / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fp:
        catalog = read_po(fp, locale="en")
    filled = 0
    for message in catalog:
        if message.id and not message.string:
            message.string = message.id
            filled += 1
    with path.open("wb") as fp:
        write_po(fp, catalog, no_location=True, sort_output=True, width=100)
    return filled


if __name__ == "__main__":
    print(f"filled {fill_english_catalog()} English entries")
