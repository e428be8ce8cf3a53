"""The process-wide set-up of Qt Virtual Keyboard, and its pinyin user dictionary.

``QT_IM_MODULE=qtvirtualkeyboard`` must be in the environment before the ``QApplication`` is
made (Qt picks its input context then). ``QT_VIRTUALKEYBOARD_DESKTOP_DISABLE=1`` keeps the
plugin from opening a keyboard window of its own whenever a line edit outside a text-entry
component takes focus (measured: without it, a focused ``QLineEdit`` makes the plugin create a
hidden 800x800 window and load the whole keyboard).

The pinyin engine keeps a user dictionary at ``<QStandardPaths.ConfigLocation>/qtvirtualkeyboard/
pinyin/usr_dict.dat`` (``~/.config/...``: measured with Qt 6.12, which ignores
``VirtualKeyboardSettings.userDataPath`` for it). It learns the phrases a person picks and
writes them there when the engine closes, so the next resident's candidates would reveal what
the last one typed. The engine turns the dictionary off for a field whose input-method hints
carry ``Qt.ImhSensitiveData``: every text-entry field carries it (measured: a 40-byte empty
dictionary before and after a session that picked phrases; 74 bytes without the hint). As a
second line, :func:`prepare_input_method` deletes a dictionary that holds anything before the
engine first opens it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path

log = logging.getLogger(__name__)

IM_MODULE = "qtvirtualkeyboard"
# Version word, then the dictionary's bookkeeping (counts and sizes): all zero when empty.
_EMPTY_HEADER_BYTES = 40


def prepare_input_method(environ: MutableMapping[str, str] | None = None) -> None:
    """Selects the virtual keyboard's input context; call before the QApplication exists.

    Also forgets any pinyin user dictionary a previous run left with something in it."""
    env = os.environ if environ is None else environ
    env.setdefault("QT_IM_MODULE", IM_MODULE)
    env.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "1")
    path = user_dictionary_path(env)
    if not dictionary_is_empty(path):
        log.warning("a pinyin user dictionary with entries was found: deleting it")
        path.unlink(missing_ok=True)


def config_location(environ: Mapping[str, str] | None = None) -> Path:
    """Where Qt's ``QStandardPaths.ConfigLocation`` points on Linux (without needing Qt)."""
    env = os.environ if environ is None else environ
    xdg = env.get("XDG_CONFIG_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg)
    return Path(env.get("HOME") or Path.home()) / ".config"


def user_dictionary_path(environ: Mapping[str, str] | None = None) -> Path:
    """The pinyin engine's user dictionary file."""
    return config_location(environ) / "qtvirtualkeyboard" / "pinyin" / "usr_dict.dat"


def dictionary_is_empty(path: Path) -> bool:
    """True when ``path`` is absent or holds no learnt entry (only a zeroed header)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return True
    return len(data) <= _EMPTY_HEADER_BYTES and not any(data[4:])
