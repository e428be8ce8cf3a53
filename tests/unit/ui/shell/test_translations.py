"""Every string a resident sees goes through the catalogue, in both languages."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel
from pytestqt.qtbot import QtBot

from kiosk.content.model import LocalText
from kiosk.framework.i18n import LANGUAGES, load_catalogue
from tests.unit.ui.helpers import find, touch, visible_texts
from ui.shell.window import Shell

CLOCK = re.compile(r"^\d{4}-\d{2}-\d{2}  \d{2}:\d{2}$")


def test_catalogue_has_every_language_for_every_key() -> None:
    missing = [
        f"{key}: {lang}"
        for key, entry in load_catalogue().items()
        for lang in LANGUAGES
        if not entry.get(lang, "").strip()
    ]
    assert not missing


def allowed_patterns(shell: Shell, language: str) -> list[re.Pattern[str]]:
    patterns = []
    for entry in load_catalogue().values():
        text = entry[language]
        parts = re.split(r"\{[a-z_]+\}", text)
        patterns.append(re.compile("^" + ".+".join(re.escape(p) for p in parts) + "$", re.S))
    content = [
        shell.ctx.config.ui.staff_hint[language],
        *content_texts(shell.ctx.content, language),
    ]
    patterns += [re.compile("^" + re.escape(c) + "$") for c in content]
    # content cards are composed of content texts (title, how it starts, warning signs)
    pieces = set(content)
    patterns.append(
        re.compile(
            "^(?:"
            + "|".join(re.escape(p) for p in sorted(pieces, key=len, reverse=True))
            + r"|[·\s])+$"
        )
    )
    patterns.append(CLOCK)
    return patterns


def content_texts(node: object, language: str) -> list[str]:
    """Every text of the content library in ``language`` (content carries both)."""
    if isinstance(node, LocalText):
        return [node.get(language)]
    if isinstance(node, BaseModel):
        return [
            t
            for name in type(node).model_fields
            for t in content_texts(getattr(node, name), language)
        ]
    if isinstance(node, dict):
        return [t for v in node.values() for t in content_texts(v, language)]
    if isinstance(node, list | tuple):
        return [t for v in node for t in content_texts(v, language)]
    if hasattr(node, "__dataclass_fields__"):
        return [
            t
            for name in node.__dataclass_fields__
            for t in content_texts(getattr(node, name), language)
        ]
    return []


def untranslated(shell: Shell, language: str) -> list[str]:
    patterns = allowed_patterns(shell, language)
    return [text for _w, text in visible_texts(shell) if not any(p.match(text) for p in patterns)]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_no_visible_string_escapes_translation(qtbot: QtBot, shell: Shell, language: str) -> None:
    shell.set_language(language)
    seen: dict[str, list[str]] = {"attract": untranslated(shell, language)}
    touch(qtbot, shell.attract)
    seen["home"] = untranslated(shell, language)
    touch(qtbot, find(shell, "help"))
    seen["help"] = untranslated(shell, language)
    touch(qtbot, find(shell, "help_close"))
    shell._on_warn(shell.ctx.sessions.session)  # type: ignore[arg-type]
    seen["idle"] = untranslated(shell, language)
    shell.show_failsafe()
    seen["failsafe"] = untranslated(shell, language)
    assert not {k: v for k, v in seen.items() if v}


def test_the_check_catches_a_hard_coded_string(qtbot: QtBot, shell: Shell) -> None:
    touch(qtbot, shell.attract)
    shell.home.title.setText("Hard-coded text")
    assert untranslated(shell, "zh_CN") == ["Hard-coded text"]
