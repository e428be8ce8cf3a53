"""After a session that entered a plate and an ID number and took a photo, nothing of them
is left on disk under the data directory or in any widget.

The entry screen here is a stand-in for the violation and ID-photo screens (which arrive with
their issues): the wipe is the shell's and the session's, whichever screen held the data.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtWidgets import QLineEdit, QVBoxLayout
from pytestqt.qtbot import QtBot

from kiosk.framework.masking import mask_plate
from kiosk.platform.log_setup import setup_logging
from tests.unit.ui.helpers import all_texts, touch
from ui.framework.screen import Screen
from ui.shell.window import Shell

PLATE = "苏D43210"
ID_NUMBER = "110101199003071234"


class EntryScreen(Screen):
    name = "entry"

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.plate = QLineEdit()
        self.id_number = QLineEdit()
        layout.addWidget(self.plate)
        layout.addWidget(self.id_number)


def every_file(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_nothing_personal_survives_the_session(qtbot: QtBot, shell: Shell, tmp_path: Path) -> None:
    data_dir = shell.ctx.data_dir
    setup_logging(data_dir / "logs")
    try:
        entry = EntryScreen()
        shell.add_screen(entry)
        touch(qtbot, shell.attract)
        shell.show_screen("entry")
        entry.plate.insert(PLATE)  # QTest cannot synthesise CJK keys; the plate keyboard inserts
        qtbot.keyClicks(entry.id_number, ID_NUMBER)
        session = shell.ctx.sessions.session
        assert session is not None
        session.personal["query"] = {"plate": PLATE, "id": ID_NUMBER}
        frame = np.full((441, 358, 3), 200, np.uint8)
        photo = session.scratch("photo.jpg")
        cv2.imwrite(str(photo), frame)
        photo_bytes = photo.read_bytes()
        logging.getLogger("kiosk.test").info("lookup %s for %s", PLATE, ID_NUMBER)
        from devices.receipt.document import Receipt, Text

        job = shell.ctx.devices.printer.submit(
            Receipt("违章查询").add(Text(f"车牌 {mask_plate(PLATE)}"))
        )
        shell.ctx.devices.printer.wait(job, 60)
        assert entry.plate.text() == PLATE  # it really was on screen

        clock = shell.ctx.clock
        clock.advance(shell.ctx.config.ui.idle_timeout_s["default"] + 1)  # type: ignore[attr-defined]
        shell.tick()
        clock.advance(shell.ctx.config.ui.idle_warning_s + 1)  # type: ignore[attr-defined]
        shell.tick()
        assert not shell.ctx.sessions.active
    finally:
        setup_logging(None)

    needles = [s.encode(enc) for s in (PLATE, ID_NUMBER) for enc in ("utf-8", "gb18030")]
    needles += [ID_NUMBER[:14].encode()]  # the birth-date part alone is personal too
    files = every_file(data_dir)
    assert any(p.name == "kiosk.log" for p in files)  # the log exists and was searched
    for path in files:
        content = path.read_bytes()
        assert content != photo_bytes, f"photo left at {path}"
        for needle in needles:
            assert needle not in content, f"{needle!r} left in {path}"
    assert session.personal == {}
    for text in all_texts(shell):
        assert PLATE not in text and ID_NUMBER not in text
    # the masked form did reach the log: it was written and searched, not skipped
    assert mask_plate(PLATE).encode() in (data_dir / "logs" / "kiosk.log").read_bytes()
