"""Every message the engine can send exists in both catalogs, with the same placeholders.

The stories render every reply through both catalogs (see conftest.Cadre), which checks the
parameters of every message actually sent; this checks the catalogs against the code as a whole.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.dialogs.conftest import LOCALES_DIR, catalog, placeholders

DIALOGS = Path(__file__).resolve().parents[2] / "dialogs"
TYPED = ".typed"  # a variant for channels without buttons, picked by bot.render


def ids_in_code() -> set[str]:
    """Message ids written in the engine's modules (the flow, messages, question handlers…)."""
    found: set[str] = set()
    for path in DIALOGS.rglob("*.py"):
        found |= set(re.findall(r"""["'](engine\.[a-z_]+(?:\.[a-z_]+)*)["']""", path.read_text("utf-8")))
    return found


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_id_in_the_engine_is_in_the_catalog(locale: str) -> None:
    used, known = ids_in_code(), set(catalog(locale))
    assert len(used) > 100
    assert not used - known, f"missing in {locale}/engine.po: {sorted(used - known)}"
    # A typed variant is used wherever its message is.
    # (The roll-up's own ids, in rollup.po, are checked by tests/dialogs/test_rollup.py.)
    engine = {i for i in known if i.startswith("engine.")}
    unused = {i for i in engine - used if not (i.endswith(TYPED) and i.removesuffix(TYPED) in used)}
    assert not unused, f"unused in {locale}/engine.po: {sorted(unused)}"


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_a_typed_variant_has_the_placeholders_of_its_message(locale: str) -> None:
    texts = catalog(locale)
    variants = [i for i in texts if i.endswith(TYPED)]
    assert variants
    for variant in variants:
        assert placeholders(texts[variant]) == placeholders(texts[variant.removesuffix(TYPED)]), variant


def test_both_languages_have_the_same_placeholders() -> None:
    vietnamese, english = catalog("vi"), catalog("en")
    different = {
        message_id: (sorted(placeholders(text)), sorted(placeholders(english[message_id])))
        for message_id, text in vietnamese.items()
        if placeholders(text) != placeholders(english.get(message_id, ""))
    }
    assert not different


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_catalog_header_declares_language_and_utf8(locale: str) -> None:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "engine.po").open("rb") as handle:
        po = read_po(handle)
    assert str(po.locale) == locale
    assert po.charset.lower() == "utf-8"
    assert all(message.string for message in po if message.id), "no empty translation"


def test_vietnamese_texts_carry_diacritics() -> None:
    """A catalog typed without diacritics would read as careless to an official."""
    texts = " ".join(catalog("vi").values())
    for word in ("câu", "trả lời", "lưu", "nộp", "báo cáo"):
        assert word in texts
