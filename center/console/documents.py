"""Fleet documents as the configuration page edits them: text in (TOML or JSON), keys out.

- :func:`parse_text`: the operator's text as a table, or :class:`DocumentSyntaxError` with its
  line and column;
- :func:`as_toml`: a published document's configuration as TOML to edit;
- :func:`flatten`, :func:`diff`: dotted keys, and what changes against the live document;
- :func:`key_lines`: the line of the text where each key is written, to show each schema
  error at its key;
- :func:`published_versions`: every version of an audience's document the repository still
  holds (consistent snapshots keep them all), for rolling back.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from center.fleet.repository import FleetRepository
from kiosk.fleet.document import Audience, FleetDocument

MAX_TEXT = 200_000
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_TOML_KEY = re.compile(r'^\s*("?[A-Za-z0-9_.\- "]+"?)\s*=')


class DocumentSyntaxError(ValueError):
    """The text is not TOML or JSON (or not a table): why, and where."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def parse_text(text: str) -> dict[str, Any]:
    """The document's table: JSON when the text starts with ``{``, else TOML."""
    if len(text) > MAX_TEXT:
        raise DocumentSyntaxError(f"longer than {MAX_TEXT} characters")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise DocumentSyntaxError(e.msg, e.lineno, e.colno) from e
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            m = _TOML_POSITION.search(str(e))
            line, col = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
            raise DocumentSyntaxError(_TOML_POSITION.sub("", str(e)).strip(), line, col) from e
    if not isinstance(data, dict):
        raise DocumentSyntaxError("the top level must be a table (an object)")
    return data


def as_toml(config: dict[str, Any]) -> str:
    """``config`` as TOML text (JSON if TOML cannot hold it, e.g. a null)."""
    try:
        return tomli_w.dumps(config)
    except (TypeError, ValueError):
        return json.dumps(config, ensure_ascii=False, indent=2)


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"ui": {"volume": 60}}`` -> ``{"ui.volume": 60}``; lists are values."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


@dataclass(frozen=True)
class KeyChange:
    """One key's change against the live document: ``added``, ``removed`` or ``changed``."""

    key: str
    kind: str
    old: str
    new: str


def show(value: Any) -> str:
    """A value as the page shows it (JSON, so strings are quoted and lists bracketed)."""
    if value is _MISSING:
        return ""
    return json.dumps(value, ensure_ascii=False)


_MISSING = object()


def diff(live: dict[str, Any] | None, new: dict[str, Any]) -> list[KeyChange]:
    """Every key that differs between the live document and ``new``, by key."""
    old_keys, new_keys = flatten(live or {}), flatten(new)
    changes = []
    for key in sorted(set(old_keys) | set(new_keys)):
        before, after = old_keys.get(key, _MISSING), new_keys.get(key, _MISSING)
        if before == after:
            continue
        kind = "added" if before is _MISSING else "removed" if after is _MISSING else "changed"
        changes.append(KeyChange(key, kind, show(before), show(after)))
    return changes


def key_lines(text: str) -> dict[str, int]:
    """Where each dotted key of a TOML or JSON text is written (1-based lines).

    A key written inside an inline table or an array maps to the line of its nearest written
    ancestor; :func:`line_of` looks keys up that way.
    """
    if text.lstrip().startswith("{"):
        return _json_key_lines(text)
    found: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), 1):
        m = _TABLE.match(line)
        if m:
            table = _dotted(m.group(1))
            found.setdefault(table, number)
            continue
        k = _TOML_KEY.match(line)
        if k:
            key = _dotted(k.group(1))
            found.setdefault(f"{table}.{key}" if table else key, number)
    return found


def _dotted(raw: str) -> str:
    return ".".join(part.strip().strip('"').strip("'") for part in raw.split("."))


def _json_key_lines(text: str) -> dict[str, int]:
    found: dict[str, int] = {}
    path: list[str] = []
    depth_keys: list[str | None] = []
    pending: str | None = None
    key_re = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')
    for number, line in enumerate(text.splitlines(), 1):
        pos = 0
        while pos < len(line):
            m = key_re.match(line, pos)
            if m:
                pending = m.group(1)
                found.setdefault(".".join([*path, pending]), number)
                pos = m.end()
                continue
            ch = line[pos]
            if ch == "{":
                depth_keys.append(pending)
                if pending is not None:
                    path.append(pending)
                pending = None
            elif ch == "}":
                if depth_keys and depth_keys.pop() is not None and path:
                    path.pop()
            elif ch == '"':  # a string value: skip it
                end = pos + 1
                while end < len(line) and line[end] != '"':
                    end += 2 if line[end] == "\\" else 1
                pos = end
            pos += 1
    return found


def line_of(lines: dict[str, int], key: str) -> int:
    """The line of ``key`` or of its nearest written ancestor; 0 when none is written."""
    parts = key.split(".")
    while parts:
        line = lines.get(".".join(parts))
        if line:
            return line
        parts.pop()
    return 0


def published_versions(repo: FleetRepository, audience: Audience) -> list[FleetDocument]:
    """Every version of ``audience``'s document still in the repository, newest first."""
    folder, _, name = audience.target_path.rpartition("/")
    directory: Path = repo.targets_dir / folder
    if not directory.is_dir():
        return []
    by_version: dict[int, FleetDocument] = {}
    for path in directory.glob(f"*.{name}"):
        digest = path.name.split(".", 1)[0]
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            continue
        try:
            doc = FleetDocument.model_validate_json(path.read_bytes())
        except ValueError:
            continue  # a file forced in by a test, or damaged: not a version to offer
        if doc.parsed_audience == audience:
            by_version.setdefault(doc.version, doc)
    return [by_version[v] for v in sorted(by_version, reverse=True)]
