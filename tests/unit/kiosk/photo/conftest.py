"""Shared fixtures for the ID-photo tests: corpus access and one reusable photo maker.

The face corpus (``../shared/corpora/faces``) is read in place, never copied. Its frontal
portraits are from the Face Research Lab London Set, CC-BY 4.0: DeBruine, L. & Jones, B.
(2017) Face Research Lab London Set, doi:10.6084/m9.figshare.5047666.v5. The selfie
variations and negatives are CC0 / public domain (see ``faces/licenses``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from kiosk.photo.pipeline import IdPhotoMaker
from tests.conftest import CORPORA, corpus

Image = npt.NDArray[np.uint8]


def faces_dir(*parts: str) -> Path:
    """A folder of the face corpus, or a skip with the reason when the corpora are absent."""
    return corpus("faces", *parts)


def corpus_files(*parts: str, pattern: str = "*") -> list[str]:
    """File names for parametrisation (empty when the corpus is absent: tests then skip)."""
    folder = CORPORA.joinpath("faces", *parts)
    if not folder.exists():
        return ["corpus-absent"]
    return sorted(
        p.name for p in folder.glob(pattern) if p.suffix.lower() in {".jpg", ".jpeg", ".png"}
    )


def read_image(path: Path) -> Image:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"cannot read {path.name}"
    return image


def read_pupils(tem: Path) -> npt.NDArray[np.float64]:
    """Points 0 and 1 of a webmorph ``.tem`` file: the two pupil centres (x, y)."""
    lines = tem.read_text().splitlines()
    count = int(lines[0])
    points = [tuple(float(v) for v in line.split()) for line in lines[1 : 1 + count]]
    return np.array(points[:2], dtype=np.float64)


@pytest.fixture(scope="session")
def maker() -> Iterator[IdPhotoMaker]:
    """One maker for the whole session: the MediaPipe graphs are built once."""
    with IdPhotoMaker() as m:
        yield m
