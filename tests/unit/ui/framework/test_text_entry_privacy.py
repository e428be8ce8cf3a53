"""The pinyin engine learns nothing from a resident: after a session that typed and picked
phrases, and after the process has exited (when the engine writes its user dictionary), no
trace of them is on disk.

Each run is a child process with its own configuration folder (the engine is a process-wide
singleton that writes only when it closes). A control run without the privacy hint shows
that the same typing does teach the engine, so the check can fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT
from ui.framework.text_entry.input_method import dictionary_is_empty, user_dictionary_path

# (what is spelt, the candidates picked in turn): a phrase built from single picks (秀, then
# 英) is what the engine learns; a whole phrase from its own dictionary (北京) it does not
PHRASES = [("beijing", ["北京"]), ("xiuying", ["秀", "英"]), ("lixiuying", ["李", "秀", "英"])]
WORDS = ["北京", "秀英", "李秀英"]

SCRIPT = r"""
import json, sys, time
from ui.framework.text_entry.input_method import prepare_input_method
prepare_input_method()
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget
app = QApplication(["privacy"])
from ui.framework.text_entry import entry as entry_module
entry_module.default_recogniser = lambda: None
from ui.framework.text_entry.entry import FieldKind, TextEntry

phrases = json.loads(sys.argv[1])
learning = sys.argv[2] == "learning"
host = QWidget()
entry = TextEntry(FieldKind.ADDRESS)
QVBoxLayout(host).addWidget(entry)
host.resize(1000, 1600)
host.show()
host.activateWindow()
entry.open()
if learning:  # the control: the hint the component always sets, taken away
    entry.field.setInputMethodHints(Qt.InputMethodHint.ImhNone)

def settle():
    for _ in range(3):
        app.processEvents()

def wait(condition):
    end = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < end, "timed out"
        QTest.qWait(5)

def tap(widget, at):
    handle = host.windowHandle()
    QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     widget.mapTo(host, at))
    settle()

settle()
keyboard = entry.keyboard
for letters, picks in phrases:
    for letter in letters:
        tap(keyboard, keyboard.key_position(letter))
    for pick in picks:
        wait(lambda: pick in entry.candidates.items)
        index = entry.candidates.items.index(pick)
        while index >= 10:
            tap(entry.candidates.next, entry.candidates.next.rect().center())
            index -= 10
        button = entry.candidates.buttons[index]
        tap(button, button.rect().center())
typed = entry.field.text()
entry.wipe()  # the session ends
print(json.dumps({"typed": typed, "after_wipe": entry.field.text(),
                  "preedit": keyboard.preedit()}))
host.close()
"""


def run(tmp: Path, mode: str) -> tuple[dict[str, str], Path]:
    config = tmp / mode / "config"
    home = tmp / mode / "home"
    home.mkdir(parents=True)
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(config),
        "HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("QT_IM_MODULE", None)  # prepare_input_method sets it, as the kiosk does
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(PHRASES), mode],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result, user_dictionary_path({"XDG_CONFIG_HOME": str(config)})


def traces(root: Path, words: list[str]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for word in words:
                for encoding in ("utf-16-le", "utf-8", "gb18030"):
                    if word.encode(encoding) in data:
                        found.append(f"{path.name}: {word} ({encoding})")
    return found


def test_nothing_a_resident_typed_is_learnt_or_left_on_disk(tmp_path: Path) -> None:
    result, dictionary = run(tmp_path, "kiosk")
    assert result["typed"] == "".join(WORDS)  # it really was typed and picked
    assert result["after_wipe"] == "" and result["preedit"] == ""
    assert dictionary.exists()  # the engine did open its dictionary...
    assert dictionary_is_empty(dictionary)  # ...and learnt nothing
    assert traces(tmp_path / "kiosk", WORDS) == []


def test_the_control_without_the_hint_does_learn(tmp_path: Path) -> None:
    result, dictionary = run(tmp_path, "learning")
    assert result["typed"] == "".join(WORDS)
    assert not dictionary_is_empty(dictionary)  # so the check above can fail
    assert traces(tmp_path / "learning", ["秀英"]) != []  # and what it learnt is readable


def test_a_dictionary_left_with_entries_is_deleted_at_start(tmp_path: Path) -> None:
    from ui.framework.text_entry.input_method import prepare_input_method

    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    path = user_dictionary_path(env)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xf0\xde\xbc\x0a" + bytes(36))
    prepare_input_method(env)
    assert path.exists()  # an empty one stays
    path.write_bytes(b"\xf0\xde\xbc\x0a" + "上海".encode("utf-16-le") + bytes(40))
    prepare_input_method(env)
    assert not path.exists()
    assert env["QT_IM_MODULE"] == "qtvirtualkeyboard"
    assert env["QT_VIRTUALKEYBOARD_DESKTOP_DISABLE"] == "1"
