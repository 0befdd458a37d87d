"""Message catalogs (locales/<lang>/LC_MESSAGES/*.po) and turning Msg values into text."""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from dialogs.events import Msg
from dialogs.outline import DEFAULT_LOCALE, Localized

LOCALES = ("vi", "en")
# Where times are shown when the caller names no zone: the product's home (Settings.timezone).
DISPLAY_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TYPED = ".typed"  # the variant of a message for a channel without buttons ("gõ" rather than "bấm")


@cache
def catalog(locale: str) -> Mapping[str, str]:
    """Every message id of one locale, merged from all .po files of that locale."""
    messages: dict[str, str] = {}
    folder = resources.files("locales") / locale / "LC_MESSAGES"
    if not folder.is_dir():
        return messages
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as handle:
            po = read_po(handle, locale=locale)
        for message in po:
            if message.id and isinstance(message.id, str) and message.string:
                messages[message.id] = str(message.string)
    return messages


def placeholders(template: str) -> frozenset[str]:
    """The named placeholders of a catalog text."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        # A missing parameter must not crash a reply; show the placeholder so a test catches it.
        return "{" + key + "}"


def format_value(value: object, locale: str, zone: ZoneInfo | None = None, variant: str = "") -> str:
    """One parameter as text in `locale`; a moment in `zone` (None: Asia/Ho_Chi_Minh)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return format_decimal(value, locale=locale)
    if isinstance(value, float):
        return format_decimal(value, format="#,##0.######", locale=locale)
    if isinstance(value, Localized):
        return value.get(locale)
    if isinstance(value, Msg):
        return translate(value, locale, zone=zone, variant=variant)
    if isinstance(value, tuple):
        return "\n".join(format_value(item, locale, zone, variant) for item in value)
    if isinstance(value, datetime):
        return format_time(value, zone)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def format_time(moment: datetime, zone: ZoneInfo | None = None) -> str:
    """A moment as officials read it, in `zone` (None: Asia/Ho_Chi_Minh): "09:05 20/06/2018"."""
    return moment.astimezone(zone or DISPLAY_TZ).strftime("%H:%M %d/%m/%Y")


def template(message_id: str, locale: str = DEFAULT_LOCALE, variant: str = "") -> str:
    """The catalog text of a message: its `variant` if the catalog has one, else the message itself,
    in `locale`, falling back to Vietnamese, then to the id."""
    if variant:
        found = catalog(locale).get(message_id + variant) or catalog(DEFAULT_LOCALE).get(message_id + variant)
        if found:
            return found
    return catalog(locale).get(message_id) or catalog(DEFAULT_LOCALE).get(message_id) or message_id


def translate(
    msg: Msg, locale: str = DEFAULT_LOCALE, *, zone: ZoneInfo | None = None, variant: str = ""
) -> str:
    """The text of a message in `locale` (its `variant` where the catalog has one, for it and the
    messages inside it); moments shown in `zone` (None: Asia/Ho_Chi_Minh)."""
    text = template(msg.id, locale, variant)
    if not msg.params:
        return text
    params = _Params({key: format_value(value, locale, zone, variant) for key, value in msg.params.items()})
    return text.format_map(params)


def t(message_id: str, locale: str = DEFAULT_LOCALE, /, **params: object) -> str:
    """Shorthand: translate a message id with parameters."""
    return translate(Msg(message_id, params), locale)  # type: ignore[arg-type]


# Channels as a member knows them (chat and the operator's tables name them so).
_CHANNEL_NAMES = {"telegram": "Telegram", "zalo_oa": "Zalo", "zalo_bot": "Zalo", "console": "terminal"}


def channel_name(channel: str) -> str:
    """ "Telegram", "Zalo", "terminal"; a channel not listed as it is named."""
    return _CHANNEL_NAMES.get(channel, channel)
