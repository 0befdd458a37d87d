"""Every message id exists in every catalog, with the same placeholders."""

from __future__ import annotations

import pytest

from bot.i18n import LOCALES, catalog, placeholders


def test_catalogs_are_not_empty() -> None:
    for locale in LOCALES:
        assert len(catalog(locale)) > 20, f"catalog {locale} is nearly empty"


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "vi"])
def test_every_id_is_in_every_catalog_with_the_same_placeholders(locale: str) -> None:
    vietnamese, other = catalog("vi"), catalog(locale)
    missing = sorted(set(vietnamese) - set(other))
    extra = sorted(set(other) - set(vietnamese))
    assert not missing, f"missing in {locale}: {missing}"
    assert not extra, f"only in {locale}, not in vi: {extra}"
    different = {
        message_id: (sorted(placeholders(vietnamese[message_id])), sorted(placeholders(other[message_id])))
        for message_id in vietnamese
        if placeholders(vietnamese[message_id]) != placeholders(other[message_id])
    }
    assert not different, f"placeholders differ: {different}"


def test_every_text_formats_without_error() -> None:
    for locale in LOCALES:
        for message_id, text in catalog(locale).items():
            params = {name: "x" for name in placeholders(text)}
            try:
                text.format(**params)
            except (ValueError, IndexError, KeyError) as error:  # pragma: no cover - the assertion
                pytest.fail(f"{locale} {message_id}: {error}")


def test_message_ids_used_in_code_exist() -> None:
    """Ids written literally in the bot code (Msg("..."), t("..."), _say("...")) are in the catalog."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pattern = re.compile(r"""(?:Msg|\bt|_say|fail)\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")
    known = set(catalog("vi"))
    unknown = []
    for folder in ("bot", "dialogs", "storage"):
        for path in (root / folder).rglob("*.py"):
            for found in pattern.findall(path.read_text(encoding="utf-8")):
                if found not in known:
                    unknown.append(f"{path.relative_to(root)}: {found}")
    assert not unknown, unknown
