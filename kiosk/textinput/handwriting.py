"""Handwritten Chinese characters from a finger on the touchscreen: Zinnia, then a re-ranking.

Zinnia (Debian's ``libzinnia0`` with the Tegaki Simplified Chinese model, 6,763 characters:
GB 2312) is the engine. On its own it misses many characters a finger writes: it reads the
strokes in a box of the pad's size, so a small character in a corner looks like nothing it
knows, and it ranks rare characters as readily as common ones. :class:`HandwritingRecogniser`
therefore:

1. **normalises** the ink: the strokes' bounding box is scaled, aspect kept, into a square
   with a 20% margin (as the model's training characters were written), and each point is
   averaged with its neighbours to take out the finger's jitter;
2. asks Zinnia for its **100 best** characters;
3. compares the ink's **shape** with each character's glyph, whatever the stroke order: the
   strokes are drawn into a 64x64 image and described by the direction of their edges on an
   8x8 grid (eight directions, 512 numbers); the same description of every character is
   made once from a Song and a Kai font and kept in the cache directory, and a character
   scores its better match. The 30 characters whose glyphs are most like the ink join the
   candidates even when Zinnia did not name them (a stroke written out of order throws
   Zinnia, not the shape); so do, in a province or surname field, the 34 abbreviations or
   the 200 commonest surnames;
4. adds a **prior** for the field: how common the character is in Chinese text, or how often
   it starts a person's name (surname), appears in given names, in place names (address),
   or is one of the 34 province abbreviations (see :mod:`kiosk.textinput.priors`);
5. **checks the stroke count**: a character with clearly fewer strokes than were written
   (more than two fewer) loses a little (fingers join strokes, they rarely split them).

The score is ``zinnia + 24 * shape + 0.15 * log prior - 0.1 * excess strokes``; the weights
were chosen on a development set of generated strokes and checked on a held-out one
(``bench/handwriting.py``). :class:`RawZinnia` is the engine alone, for comparison.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from kiosk.platform.atomic_file import write_atomic
from kiosk.platform.project import cache_dir as default_cache_dir
from kiosk.textinput import CONTEXTS
from kiosk.textinput.priors import PROVINCES, CharPriors, load_priors
from kiosk.textinput.zinnia import DEFAULT_MODEL, ZinniaError, ZinniaRecognizer, load_library

log = logging.getLogger(__name__)

Stroke = list[tuple[float, float]]

# Glyphs the ink's shape is compared with: a Song and a Kai design for simplified Chinese
# (Debian's fonts-arphic-gbsn00lp and fonts-arphic-gkai00mp); each character scores its
# better match. Without them, the first of the fallbacks found is used alone.
TEMPLATE_FONTS: Final = (
    Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"),
    Path("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf"),
)
FALLBACK_FONTS: Final = (
    Path("/usr/share/fonts/truetype/arphic/ukai.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)

# Normalisation and scoring (see the module docstring and bench/handwriting.py).
NORMAL_SIZE = 300
NORMAL_MARGIN = 0.2
ZINNIA_NBEST = 100
SHAPE_NBEST = 30
CONTEXT_SURNAMES = 200  # the commonest surnames, always candidates in a surname field
SHAPE_WEIGHT = 24.0
PRIOR_WEIGHT = 0.15
STROKE_WEIGHT = 0.1
STROKE_TOLERANCE = 2
MISSING_ZINNIA = 0.3  # below Zinnia's worst listed score, for a candidate it did not list

GRID = 64  # image side for the shape description
CELLS = 8  # its grid
DIRECTIONS = 8
_FEATURE_VERSION = 1


def available(model_path: Path | None = None) -> bool:
    """Whether handwriting can work here: the Zinnia library loads and the model exists."""
    try:
        load_library()
    except ZinniaError:
        return False
    return (model_path or DEFAULT_MODEL).is_file()


def _check_input(
    strokes: Sequence[Sequence[tuple[float, float]]], width: float, height: float
) -> list[npt.NDArray[np.float64]]:
    if not (math.isfinite(width) and math.isfinite(height)) or width <= 0 or height <= 0:
        raise ValueError(f"the pad's size must be positive, not {width} x {height}")
    arrays = []
    for stroke in strokes:
        if len(stroke) == 0:
            continue
        a = np.asarray(stroke, dtype=np.float64)
        if a.ndim != 2 or a.shape[1] != 2:
            raise ValueError("a stroke must be a list of (x, y) points")
        if not np.isfinite(a).all():
            raise ValueError("a stroke has a point that is not a number")
        arrays.append(a)
    return arrays


class RawZinnia:
    """Zinnia alone, on the points as given in the pad's box: the baseline for the bench."""

    def __init__(self, model_path: Path | None = None) -> None:
        self._engine = ZinniaRecognizer(model_path or DEFAULT_MODEL)

    def candidates(
        self,
        strokes: list[Stroke],
        width: float,
        height: float,
        *,
        context: str = "any",
        n: int = 10,
    ) -> list[str]:
        """Zinnia's ``n`` best characters (``context`` is accepted and ignored)."""
        _check_context(context)
        arrays = _check_input(strokes, width, height)
        if not arrays or n <= 0:
            return []
        result = self._engine.classify(arrays, int(width), int(height), n)
        return [c for c, _ in result][:n]

    def close(self) -> None:
        """Frees the engine."""
        self._engine.close()


def _check_context(context: str) -> None:
    if context not in CONTEXTS:
        raise ValueError(f"unknown context {context!r}: one of {', '.join(CONTEXTS)}")


def normalise(
    arrays: list[npt.NDArray[np.float64]], size: int = NORMAL_SIZE, margin: float = NORMAL_MARGIN
) -> list[npt.NDArray[np.float64]]:
    """The strokes scaled (aspect kept) and centred in a ``size`` square with ``margin``,
    each point averaged with its two neighbours (ends kept)."""
    points = np.concatenate(arrays)
    lo, hi = points.min(axis=0), points.max(axis=0)
    w, h = hi - lo
    inner = size * (1 - 2 * margin)
    scale = inner / max(w, h, 1e-6)
    offset = (size - np.array([w, h]) * scale) / 2
    out = []
    for a in arrays:
        p = (a - lo) * scale + offset
        if len(p) >= 3:
            q = p.copy()
            q[1:-1] = (p[:-2] + p[1:-1] + p[2:]) / 3
            p = q
        out.append(p)
    return out


# --- the shape description -------------------------------------------------------------


def _pooling() -> npt.NDArray[np.float32]:
    centres = (np.arange(CELLS) + 0.5) * GRID / CELLS
    x = np.arange(GRID) + 0.5
    sigma = GRID / CELLS * 0.7
    p = np.exp(-0.5 * ((x[None, :] - centres[:, None]) / sigma) ** 2)
    pool: npt.NDArray[np.float32] = (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
    return pool


_POOL = _pooling()


def shape_feature(image: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Edge directions of a GRID x GRID ink image (ink 1.0), pooled on a CELLS grid,
    square-rooted and scaled to unit length."""
    import cv2

    img = cv2.GaussianBlur(image, (0, 0), 0.8)
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = np.hypot(gx, gy).ravel()
    turns = (np.arctan2(gy, gx).ravel() % (2 * np.pi)) / (2 * np.pi) * DIRECTIONS
    low = np.floor(turns).astype(np.intp) % DIRECTIONS
    weight = (turns - np.floor(turns)).astype(np.float32)
    planes = np.zeros((DIRECTIONS, GRID * GRID), np.float32)
    index = np.arange(GRID * GRID)
    planes[low, index] = magnitude * (1 - weight)
    planes[(low + 1) % DIRECTIONS, index] += magnitude * weight
    pooled = np.einsum(
        "ij,kjl,ml->kim", _POOL, planes.reshape(DIRECTIONS, GRID, GRID), _POOL, optimize=True
    )
    f: npt.NDArray[np.float32] = np.sqrt(np.maximum(pooled.ravel(), 0)).astype(np.float32)
    norm = float(np.linalg.norm(f))
    return f / np.float32(norm) if norm else f


def ink_image(
    arrays: list[npt.NDArray[np.float64]], margin: int = 4, thickness: int = 2
) -> npt.NDArray[np.float32]:
    """The strokes drawn into a GRID square, bounding box fitted, aspect kept."""
    import cv2

    points = np.concatenate(arrays)
    lo, hi = points.min(axis=0), points.max(axis=0)
    w, h = hi - lo
    scale = (GRID - 2 * margin) / max(w, h, 1e-6)
    offset = (GRID - np.array([w, h]) * scale) / 2
    image = np.zeros((GRID, GRID), np.uint8)
    for a in arrays:
        p = (a - lo) * scale + offset
        if len(p) == 1:
            p = np.vstack([p, p + 0.5])
        points = np.round(p * 4).astype(np.int32)
        cv2.polylines(image, [points], False, (255,), thickness, cv2.LINE_AA, shift=2)
    result: npt.NDArray[np.float32] = image.astype(np.float32) / 255
    return result


def glyph_image(char: str, font: object, margin: int = 4) -> npt.NDArray[np.float32]:
    """``char`` rendered with a PIL font, its ink's bounding box fitted like the strokes'."""
    import cv2
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (128, 128), 0)
    ImageDraw.Draw(canvas).text((16, 8), char, font=font, fill=255)  # type: ignore[arg-type]
    a = np.asarray(canvas)
    ys, xs = np.nonzero(a > 60)
    if len(ys) == 0:
        return np.zeros((GRID, GRID), np.float32)
    crop = a[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = crop.shape
    scale = (GRID - 2 * margin) / max(w, h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    resized = cv2.resize(crop, (nw, nh), interpolation=cv2.INTER_AREA)
    image = np.zeros((GRID, GRID), np.uint8)
    top, left = (GRID - nh) // 2, (GRID - nw) // 2
    image[top : top + nh, left : left + nw] = resized
    result: npt.NDArray[np.float32] = image.astype(np.float32) / 255
    return result


def build_templates(labels: str, font_path: Path) -> npt.NDArray[np.float32]:
    """The shape description of every label's glyph (a few seconds for 6,763)."""
    from PIL import ImageFont

    font = ImageFont.truetype(str(font_path), 96, index=0)
    table: npt.NDArray[np.float32] = np.stack([shape_feature(glyph_image(c, font)) for c in labels])
    return table


def template_fonts() -> list[Path]:
    """The template fonts installed here (see ``TEMPLATE_FONTS``)."""
    fonts = [f for f in TEMPLATE_FONTS if f.is_file()]
    if not fonts:
        fonts = [f for f in FALLBACK_FONTS if f.is_file()][:1]
    return fonts


def load_templates(labels: str, cache_dir: Path | None = None) -> npt.NDArray[np.float32] | None:
    """Templates as (fonts, labels, features), each font's from its cache file, else built
    and cached. None when no font is installed (the recogniser then skips the shape step)."""
    fonts = template_fonts()
    if not fonts:
        log.warning("no template font (%s): handwriting without the shape check", TEMPLATE_FONTS)
        return None
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    return np.stack([_font_templates(labels, font, folder) for font in fonts])


def _font_templates(labels: str, font: Path, folder: Path) -> npt.NDArray[np.float32]:
    stamp = hashlib.sha256(
        f"{_FEATURE_VERSION}|{font}|{font.stat().st_mtime_ns}|{labels}".encode()
    ).hexdigest()[:20]
    path = folder / f"handwriting-shapes-{stamp}.npy"
    try:
        cached = np.load(path, allow_pickle=False)
        if cached.shape == (len(labels), DIRECTIONS * CELLS * CELLS):
            result: npt.NDArray[np.float32] = cached.astype(np.float32)
            return result
    except (OSError, ValueError):
        pass
    table = build_templates(labels, font)
    try:
        buffer = io.BytesIO()
        np.save(buffer, table.astype(np.float16), allow_pickle=False)
        write_atomic(path, buffer.getvalue())
    except OSError as e:
        log.info("handwriting shapes not cached (%s): rebuilt at each start", e)
    return table


class HandwritingRecogniser:
    """The product's recogniser: Zinnia's n-best re-ranked by shape, field prior and strokes.

    Loading (model, priors, glyph shapes) happens on the first :meth:`candidates` call, or
    at once with :meth:`warm_up`; it takes a few seconds the first time on a machine and
    well under a second after (the tables are cached). Thread-safe.
    """

    def __init__(self, model_path: Path | None = None, cache_dir: Path | None = None) -> None:
        self._engine = ZinniaRecognizer(model_path or DEFAULT_MODEL)
        self._cache_dir = cache_dir
        self._lock = threading.Lock()
        self._loaded = False
        self._labels = ""
        self._index: dict[str, int] = {}
        self._templates: npt.NDArray[np.float32] | None = None
        self._priors: CharPriors | None = None
        self._log_prior: dict[str, npt.NDArray[np.float64]] = {}
        self._strokes: npt.NDArray[np.float64] = np.zeros(0)
        self._context_chars: dict[str, list[int]] = {}

    def warm_up(self) -> None:
        """Loads the tables now (otherwise the first recognition does)."""
        with self._lock:
            if self._loaded:
                return
            labels = "".join(self._engine.labels())
            self._labels = labels
            self._index = {c: i for i, c in enumerate(labels)}
            priors = load_priors(labels, self._cache_dir)
            self._priors = priors
            self._log_prior = {
                ctx: np.array([priors.log_prior(c, ctx) for c in labels]) for ctx in CONTEXTS
            }
            self._strokes = np.array([float(priors.strokes.get(c, 0)) for c in labels])
            self._templates = load_templates(labels, self._cache_dir)
            surnames = sorted(priors.surname, key=lambda c: -priors.surname[c])
            self._context_chars = {
                "province": [self._index[c] for c in PROVINCES if c in self._index],
                "surname": [self._index[c] for c in surnames[:CONTEXT_SURNAMES]],
            }
            self._loaded = True

    def candidates(
        self,
        strokes: list[Stroke],
        width: float,
        height: float,
        *,
        context: str = "any",
        n: int = 10,
    ) -> list[str]:
        """Up to ``n`` characters, best first, for the strokes of one character.

        ``strokes`` are in pixels of a ``width`` x ``height`` pad, y growing downward, in
        the order written; ``context`` is the field: "any", "surname", "name", "province"
        or "address".
        """
        _check_context(context)
        arrays = _check_input(strokes, width, height)
        if not arrays or n <= 0:
            return []
        self.warm_up()
        normal = normalise(arrays)
        listed = self._engine.classify(normal, NORMAL_SIZE, NORMAL_SIZE, ZINNIA_NBEST)
        index = self._index
        chosen: dict[int, float] = {index[c]: score for c, score in listed if c in index}
        if not chosen and self._templates is None:
            return []
        floor = (min(chosen.values()) if chosen else 0.0) - MISSING_ZINNIA
        shape: npt.NDArray[np.float32] | None = None
        if self._templates is not None:
            shape = (self._templates @ shape_feature(ink_image(arrays))).max(axis=0)
            nearest = np.argpartition(-shape, SHAPE_NBEST)[:SHAPE_NBEST]
            for i in nearest:
                chosen.setdefault(int(i), floor)
        for i in self._context_chars.get(context, []):
            chosen.setdefault(i, floor)
        ids = np.fromiter(chosen, dtype=np.intp, count=len(chosen))
        score = np.fromiter(chosen.values(), dtype=np.float64, count=len(chosen))
        if shape is not None:
            score += SHAPE_WEIGHT * shape[ids]
        score += PRIOR_WEIGHT * self._log_prior[context][ids]
        expected = self._strokes[ids]
        excess = np.where(expected > 0, len(arrays) - expected - STROKE_TOLERANCE, 0)
        score -= STROKE_WEIGHT * np.maximum(excess, 0)
        order = ids[np.argsort(-score, kind="stable")][:n]
        return [self._labels[i] for i in order]

    def close(self) -> None:
        """Frees the engine; the recogniser cannot be used after."""
        self._engine.close()

    def forget(self) -> None:
        """Nothing of past characters is kept (the engine's buffer is cleared after each
        call); this clears it again, for a session's wipe to say so explicitly."""
        self._engine.forget()
