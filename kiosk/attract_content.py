"""Slides for the attract loop, read from content data with their own translations."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.project import PROJECT_ROOT


@dataclass(frozen=True)
class Slide:
    """One attract slide: a text card or an image with a caption, shown ``seconds``."""

    kind: str
    seconds: float
    title: dict[str, str] = field(default_factory=dict)
    body: dict[str, str] = field(default_factory=dict)
    caption: dict[str, str] = field(default_factory=dict)
    image: Path | None = None


def load_slides(relative: str) -> list[Slide]:
    """Loads ``config/<relative>``; image paths resolve next to the file. Missing images are
    dropped (a missing file must never show as a blank slide)."""
    path = PROJECT_ROOT / "config" / relative
    with path.open("rb") as f:
        data = tomllib.load(f)
    slides: list[Slide] = []
    for raw in data.get("slide", []):
        image = (path.parent / raw["image"]) if raw.get("image") else None
        if image is not None and not image.exists():
            continue
        slides.append(
            Slide(
                kind=raw["kind"],
                seconds=float(raw.get("seconds", 8)),
                title=dict(raw.get("title", {})),
                body=dict(raw.get("body", {})),
                caption=dict(raw.get("caption", {})),
                image=image,
            )
        )
    return slides
