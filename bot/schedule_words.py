"""The words a weekly schedule may be written in, per language: day names (Monday first) and the
daily / weekdays / weekends keywords. bot.schedules reads them case- and accent-insensitively,
in any language whatever the writer's locale, so no alias may mean a different day (or set of
days) in another language; tests/test_schedules.py checks that over this whole table."""

# Index is datetime.weekday(). The first spelling of each day is the one bot.schedule_texts
# shows (through the catalogs), so it must stay here.
DAYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (
        ("mon", "monday"),
        ("tue", "tuesday"),
        ("wed", "wednesday"),
        ("thu", "thursday"),
        ("fri", "friday"),
        ("sat", "saturday"),
        ("sun", "sunday"),
    ),
    "es": (
        ("lun", "lunes"),
        ("mar", "martes"),
        ("mié", "miércoles"),
        ("jue", "jueves"),
        ("vie", "viernes"),
        ("sáb", "sábado"),
        ("dom", "domingo"),
    ),
    "ru": (
        ("пн", "пон", "понедельник"),
        ("вт", "вторник"),
        ("ср", "среда"),
        ("чт", "четверг"),
        ("пт", "пятница"),
        ("сб", "суббота"),
        ("вс", "воскресенье"),
    ),
    "id": (
        ("sen", "senin"),
        ("sel", "selasa"),
        ("rab", "rabu"),
        ("kam", "kamis"),
        ("jum", "jumat", "jum'at"),
        ("sab", "sabtu"),
        ("min", "minggu", "ahad"),
    ),
}

WEEKDAYS = frozenset(range(5))
WEEKENDS = frozenset({5, 6})
EVERY_DAY = frozenset(range(7))

KEYWORDS: dict[str, tuple[tuple[frozenset[int], tuple[str, ...]], ...]] = {
    "en": (
        (EVERY_DAY, ("daily", "every day")),
        (WEEKDAYS, ("weekdays",)),
        (WEEKENDS, ("weekends",)),
    ),
    "es": (
        (EVERY_DAY, ("diario", "a diario", "todos los días", "cada día")),
        (WEEKDAYS, ("entre semana", "laborables", "días laborables")),
        (WEEKENDS, ("fines de semana", "fin de semana")),
    ),
    "ru": (
        (EVERY_DAY, ("ежедневно", "каждый день")),
        (WEEKDAYS, ("будни", "по будням")),
        (WEEKENDS, ("выходные", "по выходным")),
    ),
    "id": (
        (EVERY_DAY, ("setiap hari", "tiap hari")),
        (WEEKDAYS, ("hari kerja",)),
        (WEEKENDS, ("akhir pekan",)),
    ),
}
