"""Zinnia, the handwriting engine, through ctypes (Debian's ``libzinnia0``).

Only the C API's plain functions are used: a recogniser opened on a model file, a character
built point by point (stroke index, x, y in integer pixels of a width x height box) and
classified into an n-best list of (character, score). Scores are SVM margins: higher is
better, and they are comparable between the candidates of one call only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

LIBRARY_NAMES = ("libzinnia.so.0", "libzinnia.so")
DEFAULT_MODEL = Path("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model")

Point = tuple[float, float]


class ZinniaError(RuntimeError):
    """The library or the model could not be loaded, or a call failed."""


_lib: ctypes.CDLL | None = None
_lib_lock = threading.Lock()


def load_library() -> ctypes.CDLL:
    """The shared library with its functions' signatures declared (loaded once)."""
    global _lib
    with _lib_lock:
        if _lib is not None:
            return _lib
        names = list(LIBRARY_NAMES)
        found = ctypes.util.find_library("zinnia")
        if found:
            names.append(found)
        errors = []
        for name in names:
            try:
                lib = ctypes.CDLL(name)
                break
            except OSError as e:
                errors.append(str(e))
        else:
            raise ZinniaError("libzinnia not found: " + "; ".join(errors))
        vp, sz, i, f = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_float
        signatures: dict[str, tuple[list[type], type | None]] = {
            "zinnia_recognizer_new": ([], vp),
            "zinnia_recognizer_destroy": ([vp], None),
            "zinnia_recognizer_open": ([vp, ctypes.c_char_p], i),
            "zinnia_recognizer_close": ([vp], i),
            "zinnia_recognizer_size": ([vp], sz),
            "zinnia_recognizer_value": ([vp, sz], ctypes.c_char_p),
            "zinnia_recognizer_strerror": ([vp], ctypes.c_char_p),
            "zinnia_recognizer_classify": ([vp, vp, sz], vp),
            "zinnia_character_new": ([], vp),
            "zinnia_character_destroy": ([vp], None),
            "zinnia_character_set_width": ([vp, sz], None),
            "zinnia_character_set_height": ([vp, sz], None),
            "zinnia_character_clear": ([vp], None),
            "zinnia_character_add": ([vp, sz, i, i], i),
            "zinnia_result_value": ([vp, sz], ctypes.c_char_p),
            "zinnia_result_score": ([vp, sz], f),
            "zinnia_result_size": ([vp], sz),
            "zinnia_result_destroy": ([vp], None),
        }
        for fname, (args, res) in signatures.items():
            func = getattr(lib, fname)
            func.argtypes = args
            func.restype = res
        _lib = lib
        return lib


class ZinniaRecognizer:
    """One opened Zinnia model. ``classify`` may be called from any thread (serialised)."""

    def __init__(self, model_path: Path = DEFAULT_MODEL) -> None:
        self._lib = load_library()
        if not Path(model_path).is_file():
            raise ZinniaError(f"Zinnia model not found: {model_path}")
        self._lock = threading.Lock()
        self._recognizer: int | None = self._lib.zinnia_recognizer_new()
        self._character: int | None = self._lib.zinnia_character_new()
        if not self._lib.zinnia_recognizer_open(self._recognizer, str(model_path).encode()):
            message = self._lib.zinnia_recognizer_strerror(self._recognizer) or b""
            self.close()
            raise ZinniaError(f"cannot open {model_path}: {message.decode(errors='replace')}")

    def labels(self) -> list[str]:
        """Every character the model knows."""
        with self._lock:
            r = self._require()
            size = self._lib.zinnia_recognizer_size(r)
            return [self._lib.zinnia_recognizer_value(r, k).decode() for k in range(size)]

    def classify(
        self, strokes: Sequence[Any], width: int, height: int, nbest: int
    ) -> list[tuple[str, float]]:
        """The n best characters for ``strokes`` (each a sequence of (x, y), or an (n, 2)
        array, in pixels of a width x height box; coordinates are rounded to integers)."""
        with self._lock:
            r = self._require()
            c = self._character
            lib = self._lib
            lib.zinnia_character_clear(c)
            lib.zinnia_character_set_width(c, max(int(width), 1))
            lib.zinnia_character_set_height(c, max(int(height), 1))
            index = 0
            for stroke in strokes:
                if len(stroke) == 0:
                    continue
                for x, y in stroke:
                    lib.zinnia_character_add(c, index, round(float(x)), round(float(y)))
                index += 1
            if index == 0:
                return []
            result = lib.zinnia_recognizer_classify(r, c, max(int(nbest), 1))
            if not result:
                return []
            try:
                return [
                    (
                        lib.zinnia_result_value(result, k).decode(),
                        float(lib.zinnia_result_score(result, k)),
                    )
                    for k in range(lib.zinnia_result_size(result))
                ]
            finally:
                lib.zinnia_result_destroy(result)
                lib.zinnia_character_clear(c)  # keep no ink between calls

    def forget(self) -> None:
        """Drops the last character's strokes from the engine's memory."""
        with self._lock:
            if self._character is not None:
                self._lib.zinnia_character_clear(self._character)

    def close(self) -> None:
        """Frees the model (idempotent)."""
        with self._lock:
            if self._character is not None:
                self._lib.zinnia_character_destroy(self._character)
                self._character = None
            if self._recognizer is not None:
                self._lib.zinnia_recognizer_close(self._recognizer)
                self._lib.zinnia_recognizer_destroy(self._recognizer)
                self._recognizer = None

    def _require(self) -> int:
        if self._recognizer is None or self._character is None:
            raise ZinniaError("the recogniser is closed")
        return self._recognizer
