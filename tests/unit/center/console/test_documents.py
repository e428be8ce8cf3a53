"""Document text in, keys out: parsing, lines of keys, the diff against what is live."""

from __future__ import annotations

import json

import pytest

from center.console.documents import (
    DocumentSyntaxError,
    as_toml,
    diff,
    key_lines,
    line_of,
    parse_text,
)

TOML = """# lobby
[ui]
volume = 60
idle_timeout_s = { default = 90.0, home = 60.0 }

[devices.printer]
paper_width_mm = 80
"""


def test_toml_and_json_parse_to_the_same_table() -> None:
    table = parse_text(TOML)
    assert parse_text(json.dumps(table, indent=2)) == table
    assert parse_text(as_toml(table)) == table


@pytest.mark.parametrize(
    ("text", "line"),
    [("[ui\nvolume = 1\n", 1), ("[ui]\nvolume = = 1\n", 2), ('{\n "ui": {\n  "volume": }\n}', 3)],
)
def test_a_syntax_error_says_where(text: str, line: int) -> None:
    with pytest.raises(DocumentSyntaxError) as caught:
        parse_text(text)
    assert caught.value.line == line


def test_a_top_level_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(DocumentSyntaxError, match="table"):
        parse_text("[1, 2]")


def test_keys_are_found_on_their_lines_in_toml_and_json() -> None:
    lines = key_lines(TOML)
    assert lines["ui.volume"] == 3 and lines["devices.printer.paper_width_mm"] == 7
    assert line_of(lines, "ui.idle_timeout_s.home") == 4  # inside an inline table
    assert line_of(lines, "services.enabled") == 0
    as_json = json.dumps(parse_text(TOML), indent=2)
    json_lines = key_lines(as_json)
    assert (
        as_json.splitlines()[json_lines["ui.idle_timeout_s.home"] - 1].strip().startswith('"home"')
    )
    assert (
        as_json.splitlines()[line_of(json_lines, "devices.printer.paper_width_mm") - 1]
        .strip()
        .startswith('"paper_width_mm"')
    )


def test_the_diff_lists_added_removed_and_changed_keys() -> None:
    live = {"ui": {"volume": 60, "elder_scale": 1.5}, "services": {"enabled": ["points"]}}
    new = {"ui": {"volume": 40}, "services": {"enabled": ["points", "antifraud"]}}
    changes = {(c.key, c.kind, c.old, c.new) for c in diff(live, new)}
    assert changes == {
        ("ui.volume", "changed", "60", "40"),
        ("ui.elder_scale", "removed", "1.5", ""),
        ("services.enabled", "changed", '["points"]', '["points", "antifraud"]'),
    }
    assert [c.kind for c in diff(None, {"ui": {"volume": 1}})] == ["added"]
    assert diff(live, live) == []
