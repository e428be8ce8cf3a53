"""Fleet documents: who a configuration is for, how it is wrapped, and how it is checked.

Shared by the center (which checks before it signs) and the kiosk (which checks again after
TUF verified the bytes, before anything is applied), so both judge a document the same way.

A published target is a JSON envelope::

    {"kind": "kiosk-fleet-config", "format": 1, "audience": "group:lobby", "version": 3,
     "published_at": "2026-11-23T09:30:00Z", "note": "...",
     "config": {...a partial KioskConfig layer...},
     "media": ["media/sha256-<hex>.png"]}

at a path that encodes its audience: ``config/all.json``, ``config/group/<name>.json`` or
``config/kiosk/<id>.json``. ``version`` counts up per audience.

A kiosk takes the documents for all, for its group and for itself and **merges** them, most
specific last (kiosk over group over all: tables merge key by key, any other value is
replaced), into its one fleet layer. A fleet document may not set ``terminal.id``,
``terminal.group`` (identity belongs to the site file), ``config_version`` (the fleet sets it to
the versions applied, e.g. ``all@3+group:lobby@2``) or ``fleet`` (a document must not be able
to cut a kiosk off from its fleet).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kiosk.platform.config_loader import DEFAULTS_FILE, ConfigProblem, deep_merge, read_layer_file
from kiosk.platform.config_schema import KioskConfig

DOCUMENT_KIND: Final = "kiosk-fleet-config"
DOCUMENT_FORMAT: Final = 1
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MEDIA_PATH = re.compile(r"^media/sha256-[0-9a-f]{64}(\.[A-Za-z0-9]{1,8})?$")
FORBIDDEN_KEYS = ("terminal.id", "terminal.group", "config_version", "fleet")


@dataclass(frozen=True, order=True)
class Audience:
    """Who a document is for: ``all``, ``group:<name>`` or ``kiosk:<id>``."""

    kind: Literal["all", "group", "kiosk"]
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> Audience:
        """Parses ``all``, ``group:NAME`` or ``kiosk:ID``; raises ValueError."""
        if text == "all":
            return cls("all")
        kind, sep, name = text.partition(":")
        if not sep or kind not in ("group", "kiosk") or not NAME.match(name):
            raise ValueError(f"audience must be all, group:NAME or kiosk:ID, not {text!r}")
        return cls("group" if kind == "group" else "kiosk", name)

    def __str__(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}:{self.name}"

    @property
    def target_path(self) -> str:
        """The target path of this audience's document."""
        if self.kind == "all":
            return "config/all.json"
        return f"config/{self.kind}/{self.name}.json"

    @property
    def rank(self) -> int:
        """Merge order: all (0), then group (1), then kiosk (2)."""
        return {"all": 0, "group": 1, "kiosk": 2}[self.kind]


def audiences_for(terminal_id: str, group: str) -> list[Audience]:
    """The audiences a terminal listens to, least specific first."""
    return [Audience("all"), Audience("group", group), Audience("kiosk", terminal_id)]


def version_label(versions: Mapping[str, int]) -> str:
    """``all@3+group:lobby@2`` (audiences in merge order); ``none`` when empty."""
    if not versions:
        return "none"
    ordered = sorted(versions.items(), key=lambda kv: (Audience.parse(kv[0]).rank, kv[0]))
    return "+".join(f"{aud}@{v}" for aud, v in ordered)


class FleetDocument(BaseModel):
    """The signed envelope of one audience's configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["kiosk-fleet-config"] = DOCUMENT_KIND
    format: Literal[1] = DOCUMENT_FORMAT
    audience: str
    version: int = Field(ge=1)
    published_at: datetime
    note: str = Field("", max_length=500)
    config: dict[str, Any]
    media: list[str] = []

    @field_validator("audience")
    @classmethod
    def _audience(cls, v: str) -> str:
        Audience.parse(v)
        return v

    @field_validator("media")
    @classmethod
    def _media(cls, v: list[str]) -> list[str]:
        for path in v:
            if not MEDIA_PATH.match(path):
                raise ValueError(f"{path!r} is not media/sha256-<hex>[.ext]")
        return v

    @property
    def parsed_audience(self) -> Audience:
        """The audience as an :class:`Audience`."""
        return Audience.parse(self.audience)


class DocumentRejected(Exception):
    """A document that must not be applied, with the problems that say why."""

    def __init__(self, reason: str, problems: Sequence[ConfigProblem] = ()) -> None:
        detail = "; ".join(str(p) for p in problems[:5])
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.problems = tuple(problems)


def _has_key(data: Mapping[str, Any], dotted: str) -> bool:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def forbidden_keys(config: Mapping[str, Any]) -> list[str]:
    """The keys of ``config`` a fleet document may not set."""
    return [k for k in FORBIDDEN_KEYS if _has_key(config, k)]


def packaged_defaults() -> dict[str, Any]:
    """The packaged defaults layer, as the kiosk reads it."""
    return read_layer_file(DEFAULTS_FILE)


def _problems(source: str, error: ValidationError) -> list[ConfigProblem]:
    return [
        ConfigProblem(source, ".".join(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()
    ]


def check_layer(
    config: Mapping[str, Any],
    *,
    below: Sequence[Mapping[str, Any]] = (),
    above: Sequence[Mapping[str, Any]] = (),
    source: str = "fleet document",
) -> KioskConfig:
    """Validates a fleet layer exactly as the loader would; raises :class:`DocumentRejected`.

    ``below`` are the layers under the fleet layer, lowest first (packaged defaults, then
    the site file); ``above`` the layers over it (technician overrides). The merge is validated
    as a whole with the fleet layer, then again with each layer above, as the loader does.
    """
    bad = forbidden_keys(config)
    if bad:
        raise DocumentRejected(
            "sets keys a fleet document may not set",
            [ConfigProblem(source, k, "not allowed in a fleet document") for k in bad],
        )
    merged: dict[str, Any] = {}
    for layer in below:
        merged = deep_merge(merged, dict(layer))
    merged = deep_merge(merged, dict(config))
    try:
        result = KioskConfig.model_validate(merged)
    except ValidationError as e:
        raise DocumentRejected("does not fit the configuration schema", _problems(source, e)) from e
    for layer in above:
        merged = deep_merge(merged, dict(layer))
        try:
            result = KioskConfig.model_validate(merged)
        except ValidationError as e:
            raise DocumentRejected(
                "conflicts with this terminal's technician overrides", _problems(source, e)
            ) from e
    return result


def merge_documents(documents: Sequence[FleetDocument]) -> dict[str, Any]:
    """The fleet layer of ``documents``: merged least specific first (kiosk wins)."""
    merged: dict[str, Any] = {}
    for doc in sorted(documents, key=lambda d: d.parsed_audience.rank):
        merged = deep_merge(merged, doc.config)
    return merged


def parse_document(data: bytes, expected: Audience) -> FleetDocument:
    """Parses a verified target's bytes and checks it is for ``expected``.

    Raises :class:`DocumentRejected` (malformed, or for another audience).
    """
    try:
        doc = FleetDocument.model_validate_json(data)
    except ValidationError as e:
        raise DocumentRejected("is not a fleet document", _problems(expected.target_path, e)) from e
    if doc.parsed_audience != expected:
        raise DocumentRejected(
            f"is for {doc.audience}, not {expected} (served at {expected.target_path})"
        )
    return doc
