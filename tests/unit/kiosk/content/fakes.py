"""Playlist items and playlists for content tests."""

from __future__ import annotations

from typing import Any

from kiosk.content.model import Playlist


def text(item_id: str, **fields: Any) -> dict[str, Any]:
    """A text item as TOML would give it."""
    return {
        "id": item_id,
        "kind": "text",
        "title": {"zh_CN": f"标题 {item_id}", "en": f"Title {item_id}"},
        **fields,
    }


def image(item_id: str, hash_hex: str, path: str, **fields: Any) -> dict[str, Any]:
    """An image item as TOML would give it."""
    return {
        "id": item_id,
        "kind": "image",
        "image": {"hash": f"sha256:{hash_hex}", "path": path},
        **fields,
    }


def playlist(*items: dict[str, Any]) -> Playlist:
    """A playlist with the standard fallback."""
    return Playlist.model_validate(
        {"fallback": text("fallback", duration_s=10), "items": list(items)}
    )
