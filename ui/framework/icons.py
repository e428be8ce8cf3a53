"""Icons from a maintained library: qtawesome's Material Design Icons 6 (``mdi6``).

Why qtawesome over pytablericons: qtawesome hands Qt a ``QIcon`` drawn from an icon font, so
an icon is sharp at every size (a 44 px button icon and a 200 px status icon alike) and takes
its colour per state from our tokens, with no image conversion; the fonts ship inside the
wheel, so nothing is fetched at run time. pytablericons renders Pillow images that we would
have to convert and re-render for each size and colour. qtawesome is maintained by the Spyder
project, and MDI has every symbol a kiosk needs (ID card, camera, QR scan, printer...).

Screen code names icons by what they mean (``"home"``, ``"refusal"``), never by font glyph,
so the library could be swapped here alone. qtawesome is imported on first use: the first
attract frame does not wait for its fonts.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QAbstractButton

from ui.framework import theme

#: meaning -> MDI glyph
GLYPHS: dict[str, str] = {
    # common actions
    "back": "mdi6.arrow-left",
    "home": "mdi6.home",
    "help": "mdi6.help-circle-outline",
    "repeat": "mdi6.volume-high",
    "print": "mdi6.printer",
    "camera": "mdi6.camera",
    "retry": "mdi6.refresh",
    "scan": "mdi6.qrcode-scan",
    "language": "mdi6.translate",
    "elder": "mdi6.format-size",
    "cart": "mdi6.cart",
    "done": "mdi6.check",
    "touch": "mdi6.gesture-tap",
    "timer": "mdi6.timer-outline",
    # status screens
    "success": "mdi6.check-circle",
    "warning": "mdi6.alert",
    "refusal": "mdi6.close-octagon",
    "waiting": "mdi6.timer-sand",
    "info": "mdi6.information",
    # services (home tiles), by service id
    "application": "mdi6.card-account-details",
    "id_photo": "mdi6.account-box",
    "violations": "mdi6.car",
    "antifraud": "mdi6.shield-alert",
    "points": "mdi6.gift",
    "requests": "mdi6.message-alert",
}


def _qta():  # type: ignore[no-untyped-def]
    os.environ.setdefault("QT_API", "pyside6")  # qtawesome speaks Qt through QtPy
    import qtawesome

    return qtawesome


def icon(name: str, color: str = theme.PRIMARY, disabled: str = theme.DISABLED_TEXT) -> QIcon:
    """The icon for ``name`` (a meaning in ``GLYPHS``, or an ``mdi6.`` glyph) in ``color``."""
    glyph = GLYPHS.get(name, name)
    result: QIcon = _qta().icon(glyph, color=color, color_disabled=disabled)
    return result


def pixmap(name: str, size: int, color: str = theme.PRIMARY) -> QPixmap:
    """The icon as a ``size`` px square pixmap (for labels)."""
    return icon(name, color).pixmap(QSize(size, size))


def set_icon(button: QAbstractButton, name: str, size: int, color: str = theme.PRIMARY) -> None:
    """Puts the icon for ``name`` on ``button`` at ``size`` px."""
    button.setIcon(icon(name, color))
    button.setIconSize(QSize(size, size))
