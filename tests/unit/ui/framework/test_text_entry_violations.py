"""The owner's name through the text-entry component, in the real shell: a 浙 plate (the demo
region whose lookup secret is the owner's name, config/demo/README.md) looked up end to end,
with the name typed in pinyin and written on the pad; and nothing of it left after the session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from kiosk.framework.i18n import tr
from kiosk.framework.session import EndReason
from tests.unit.ui.framework.test_text_entry import CROSS, FakeRecogniser, write
from tests.unit.ui.helpers import all_texts, find, settle, touch
from ui.framework.text_entry import entry as entry_module
from ui.framework.text_entry.entry import Method, TextEntry
from ui.shell.window import Shell

PLATE, OWNER = "浙A8K23挂", "李秀英"


@pytest.fixture
def recogniser(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRecogniser]:
    fake = FakeRecogniser(answer="秀季李委禾香乔务岙番")
    monkeypatch.setattr(entry_module, "default_recogniser", lambda: fake)
    yield fake


def state(shell: Shell) -> str:
    flow = shell.features["violations"].flow
    return "" if flow is None else str(flow.state)


def name_entry(shell: Shell) -> TextEntry:
    entry = find(shell, "viol_owner_name")
    assert isinstance(entry, TextEntry) and entry.isVisible()
    return entry


def to_the_name(qtbot: QtBot, shell: Shell, *, elder: bool = False) -> TextEntry:
    touch(qtbot, shell.attract)
    if elder:
        touch(qtbot, find(shell, "elder"))
    touch(qtbot, shell.home.tiles["violations"])
    touch(qtbot, find(shell, "viol_mode_vehicle"))
    touch(qtbot, find(shell, "viol_type_15"))  # 挂车
    for key in PLATE:
        touch(qtbot, find(shell, f"key_{key}"))
    touch(qtbot, find(shell, "viol_plate_entry_next"))
    assert state(shell) == "secret"
    return name_entry(shell)


def pinyin(qtbot: QtBot, entry: TextEntry, letters: str, pick: str) -> None:
    keyboard = entry.keyboard
    assert keyboard is not None and entry.method is Method.PINYIN
    for letter in letters:
        at = keyboard.key_position(letter)
        assert at is not None
        touch(qtbot, keyboard, at)
    qtbot.waitUntil(lambda: pick in entry.candidates.visible_candidates())
    button = next(b for b in entry.candidates.buttons if b.text() == pick)
    touch(qtbot, button)


def test_the_owner_name_lookup_end_to_end(
    qtbot: QtBot, shell: Shell, recogniser: FakeRecogniser
) -> None:
    entry = to_the_name(qtbot, shell)
    assert entry.method is Method.PINYIN
    page_title = find(shell, "viol_secret_field").parentWidget()
    assert page_title is not None
    assert tr("violations.secret.owner_name") in all_texts(shell)
    pinyin(qtbot, entry, "li", "李")
    touch(qtbot, entry.switch)  # to the pad for the next character
    assert entry.method is Method.HANDWRITING
    write(entry, CROSS)
    assert entry.pad.fire_pause()
    assert recogniser.calls[-1][3] == "name"  # a given name's character, after the surname
    touch(qtbot, next(b for b in entry.candidates.buttons if b.text() == "秀"))
    touch(qtbot, entry.switch)  # and back to pinyin
    pinyin(qtbot, entry, "ying", "英")
    assert entry.field.text() == OWNER
    touch(qtbot, entry.ok)
    qtbot.waitUntil(lambda: state(shell) == "results", timeout=60_000)
    flow = shell.features["violations"].flow
    assert len(flow.data.views) == 1  # 浙A8K23挂 has one unhandled record
    assert entry.field.text() == ""  # past entry, the name is only in the flow
    assert OWNER not in " ".join(all_texts(shell))

    touch(qtbot, find(shell, "viol_results_done"))
    assert shell.current is shell.home
    shell.end_session(EndReason.COMPLETED)
    settle()
    assert OWNER not in " ".join(all_texts(shell)) and "李" not in entry.field.text()
    assert entry.keyboard is not None and entry.keyboard.preedit() == ""
    assert entry.candidates.items == [] and entry.pad.strokes == []


def test_typed_text_is_gone_when_the_session_ends_mid_entry(
    qtbot: QtBot, shell: Shell, recogniser: FakeRecogniser
) -> None:
    entry = to_the_name(qtbot, shell)
    pinyin(qtbot, entry, "li", "李")
    for letter in "xiu":  # spelt, not chosen: held by the pinyin engine
        at = entry.keyboard.key_position(letter)  # type: ignore[union-attr]
        assert at is not None
        touch(qtbot, entry.keyboard, at)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: bool(entry.candidates.visible_candidates()))
    assert entry.field.text() == "李" and entry.keyboard.preedit() == "xiu"  # type: ignore[union-attr]

    clock = shell.ctx.clock
    clock.advance(shell.ctx.config.ui.idle_timeout_s["default"] + 1)  # type: ignore[attr-defined]
    shell.tick()
    clock.advance(shell.ctx.config.ui.idle_warning_s + 1)  # type: ignore[attr-defined]
    shell.tick()
    settle()
    assert not shell.ctx.sessions.active
    assert entry.field.text() == ""
    assert entry.keyboard is not None and entry.keyboard.preedit() == ""
    assert entry.keyboard.candidates == [] and entry.candidates.visible_candidates() == []
    assert "李" not in " ".join(all_texts(shell))


def test_a_wrong_name_comes_back_to_be_corrected(
    qtbot: QtBot, shell: Shell, recogniser: FakeRecogniser
) -> None:
    entry = to_the_name(qtbot, shell)
    pinyin(qtbot, entry, "wang", "王")
    touch(qtbot, entry.ok)
    qtbot.waitUntil(lambda: state(shell) == "error", timeout=60_000)
    touch(qtbot, find(shell, "viol_error_back"))
    assert state(shell) == "secret"
    assert name_entry(shell).field.text() == "王"  # kept for the resident to correct


def test_a_name_the_rules_refuse_is_not_looked_up(
    qtbot: QtBot, shell: Shell, recogniser: FakeRecogniser
) -> None:
    entry = to_the_name(qtbot, shell)
    touch(qtbot, entry.ok)  # nothing typed
    assert state(shell) == "secret"
    assert entry.message.isVisible() and entry.message.text()
    flow = shell.features["violations"].flow
    assert flow is not None and flow.data.outcome is None


def test_elder_mode_writes_the_name_and_speaks_how(
    qtbot: QtBot, shell: Shell, recogniser: FakeRecogniser
) -> None:
    entry = to_the_name(qtbot, shell, elder=True)
    assert entry.method is Method.HANDWRITING
    spoken = [text for text, _language in shell.ctx.voice.spoken]  # type: ignore[attr-defined]
    expected = f"{tr('violations.secret.owner_name')} {tr('text_entry.how.handwriting')}"
    assert spoken[-1] == expected
    write(entry, CROSS)
    entry.pad.fire_pause()
    assert recogniser.calls[-1][3] == "surname"
    assert min(b.height() for b in entry.candidates.buttons) >= 140
    touch(qtbot, entry.switch)
    assert spoken != [t for t, _ in shell.ctx.voice.spoken]  # type: ignore[attr-defined]
    assert shell.ctx.voice.spoken[-1][0] == tr("text_entry.how.pinyin")  # type: ignore[attr-defined]
