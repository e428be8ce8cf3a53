"""Publishing: check a configuration document, then sign it into the repository.

Nothing is signed before the document passed the same checks a kiosk makes (see
:mod:`kiosk.fleet.document`): the packaged defaults merged with the document must validate
as a whole, and so must the merge with the documents it will be layered with (a group
document over the current ``all`` document; ``all`` under every current group document; a
kiosk document over ``all`` and over its group's document when the terminal's group is
known from its heartbeats).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from center.fleet.repository import FleetRepository
from kiosk.fleet.document import (
    Audience,
    DocumentRejected,
    FleetDocument,
    check_layer,
    merge_documents,
    packaged_defaults,
)
from kiosk.platform.config_loader import read_layer_file


@dataclass(frozen=True)
class PublishResult:
    """What a publish signed."""

    audience: Audience
    path: str
    version: int
    sha256: str
    media: tuple[str, ...] = ()
    timestamp_version: int = 0
    checked_with: tuple[str, ...] = field(default=())


def media_target_path(data: bytes, suffix: str) -> str:
    """``media/sha256-<hex><suffix>``: media are addressed by content."""
    if suffix and (not suffix.startswith(".") or "/" in suffix or len(suffix) > 9):
        raise ValueError(f"bad media suffix {suffix!r}")
    return f"media/sha256-{hashlib.sha256(data).hexdigest()}{suffix.lower()}"


def current_document(repo: FleetRepository, audience: Audience) -> FleetDocument | None:
    """The published document of ``audience``, or None."""
    target = repo.target(audience.target_path)
    if target is None:
        return None
    return FleetDocument.model_validate_json(repo.target_file(target).read_bytes())


def current_documents(repo: FleetRepository) -> dict[Audience, FleetDocument]:
    """Every published configuration document, by audience."""
    out: dict[Audience, FleetDocument] = {}
    for path, target in repo.all_targets().items():
        if not path.startswith("config/"):
            continue
        doc = FleetDocument.model_validate_json(repo.target_file(target).read_bytes())
        out[doc.parsed_audience] = doc
    return out


def check_for_publish(
    repo: FleetRepository,
    audience: Audience,
    config: dict[str, Any],
    *,
    kiosk_group: str | None = None,
) -> list[str]:
    """Raises :class:`DocumentRejected` unless ``config`` is fit for ``audience``.

    Returns the combinations checked (for the operator's information).
    """
    defaults = packaged_defaults()
    check_layer(config, below=[defaults], source=f"{audience} document")
    checked = [f"defaults + {audience}"]
    docs = current_documents(repo) if repo.initialized else {}
    probe = FleetDocument(
        audience=str(audience), version=1, published_at="2000-01-01T00:00:00Z", config=config
    )
    combos: list[list[FleetDocument]] = []
    all_doc = docs.get(Audience("all"))
    if audience.kind == "all":
        groups = [d for a, d in docs.items() if a.kind == "group"]
        combos.extend([[probe, g] for g in groups] or [[probe]])
    elif audience.kind == "group":
        combos.append([d for d in (all_doc, probe) if d is not None])
    else:
        group_doc = docs.get(Audience("group", kiosk_group)) if kiosk_group else None
        combos.append([d for d in (all_doc, group_doc, probe) if d is not None])
    for combo in combos:
        if len(combo) < 2:
            continue
        names = " + ".join(d.audience for d in combo)
        check_layer(merge_documents(combo), below=[defaults], source=names)
        checked.append(f"defaults + {names}")
    return checked


def load_document_file(path: Path) -> dict[str, Any]:
    """Reads a document (TOML or JSON, the same shapes as a site file)."""
    return read_layer_file(path)


def publish(
    repo: FleetRepository,
    audience: Audience,
    config: dict[str, Any],
    *,
    note: str = "",
    media: Sequence[Path] = (),
    kiosk_group: str | None = None,
    check: bool = True,
) -> PublishResult:
    """Checks ``config`` for ``audience``, then signs it (and its media) into ``repo``.

    ``check=False`` skips the checks: only tests use it, to prove kiosks refuse what a
    compromised or buggy publisher might sign. Raises :class:`DocumentRejected`.
    """
    checked = check_for_publish(repo, audience, config, kiosk_group=kiosk_group) if check else []
    with repo.locked():
        repo.initialize()
        media_paths = []
        for file in media:
            data = file.read_bytes()
            path = media_target_path(data, file.suffix)
            if repo.target(path) is None:
                repo.put_target(path, data, {"kind": "media"})
            media_paths.append(path)
        previous = repo.target(audience.target_path)
        version = 1
        if previous is not None and isinstance(previous.custom, dict):
            version = int(previous.custom.get("version", 0)) + 1
        doc = FleetDocument(
            audience=str(audience),
            version=version,
            published_at=repo.now(),
            note=note,
            config=config,
            media=media_paths,
        )
        data = json.dumps(
            doc.model_dump(mode="json"), ensure_ascii=False, indent=2, sort_keys=True
        ).encode("utf-8")
        target = repo.put_target(
            audience.target_path, data, {"audience": str(audience), "version": version}
        )
        repo.commit()
        ts_version = repo.timestamp().version
    return PublishResult(
        audience,
        audience.target_path,
        version,
        target.hashes["sha256"],
        tuple(media_paths),
        ts_version,
        tuple(checked),
    )


def put_raw_document(repo: FleetRepository, audience: Audience, data: bytes) -> None:
    """Signs arbitrary bytes as ``audience``'s document (tests: what kiosks must refuse)."""
    with repo.locked():
        repo.initialize()
        previous = repo.target(audience.target_path)
        version = 1
        if previous is not None and isinstance(previous.custom, dict):
            version = int(previous.custom.get("version", 0)) + 1
        repo.put_target(audience.target_path, data, {"audience": str(audience), "version": version})
        repo.commit()


def retract(repo: FleetRepository, audience: Audience) -> bool:
    """Removes ``audience``'s document; kiosks drop that layer. Returns whether it existed."""
    with repo.locked():
        repo.initialize()
        removed = repo.remove_target(audience.target_path)
        if removed:
            repo.commit()
    return removed


__all__ = [
    "DocumentRejected",
    "PublishResult",
    "check_for_publish",
    "current_document",
    "current_documents",
    "load_document_file",
    "media_target_path",
    "publish",
    "put_raw_document",
    "retract",
]
