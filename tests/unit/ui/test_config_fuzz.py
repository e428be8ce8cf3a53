"""Configuration that can be loaded can be run: hypothesis draws configurations from the
kiosk's own schema (``KioskConfig``'s JSON Schema: types, bounds, lengths, patterns, enums)
and the shell starts with each, offscreen; none may crash or warn.

Device back ends are kept simulated (real devices have their own tests; a drawn serial port or
network printer would only be offline). Every other setting is drawn: idle timeouts per
screen, services, languages, elder scale, limits, URLs, PINs. Each example starts the shell,
wakes it to the home screen, enters maintenance and shows every maintenance page.
Derandomised: the same examples on every run.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from PySide6.QtCore import QPoint
from pytestqt.qtbot import QtBot

from kiosk.app import build_context
from kiosk.framework.clock import FakeClock
from kiosk.platform.config_loader import DEFAULTS_FILE, deep_merge, read_layer_file
from kiosk.platform.config_schema import KioskConfig
from kiosk.platform.voice import RecordingVoice
from tests.unit.ui.helpers import find, touch, touch_at
from tests.unit.ui.maintenance.test_screen import type_pin
from ui.shell.window import Shell

SCHEMA = KioskConfig.model_json_schema()
PIN = "246810"
_UNBOUNDED_INT = 2**31


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    name = ref.rsplit("/", 1)[-1]
    return dict(SCHEMA["$defs"][name])


#: URLs are checked by validators the JSON Schema does not show: draw plausible ones too.
URLS = st.one_of(
    st.just(""),
    st.from_regex(
        r"https?://[a-z]{1,12}\.example\.cn(:[1-9][0-9]{0,3})?(/[a-z0-9{}]{0,12})?", fullmatch=True
    ),
    st.text(max_size=40),
)


def from_schema(node: dict[str, Any], name: str = "") -> st.SearchStrategy[Any]:
    """A strategy for values valid against one JSON Schema node (the subset pydantic emits)."""
    node = _resolve(node)
    if name.endswith("url") and node.get("type") == "string":
        return URLS
    if "anyOf" in node:
        return st.one_of([from_schema(n) for n in node["anyOf"]])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "const" in node:
        return st.just(node["const"])
    kind = node.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low = node.get("minimum", node.get("exclusiveMinimum", -_UNBOUNDED_INT - 1) + 1)
        high = node.get("maximum", node.get("exclusiveMaximum", _UNBOUNDED_INT + 1) - 1)
        return st.integers(min_value=low, max_value=high)
    if kind == "number":
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node.get("maximum", node.get("exclusiveMaximum"))
        return st.floats(
            min_value=low,
            max_value=high,
            exclude_min="exclusiveMinimum" in node,
            exclude_max="exclusiveMaximum" in node,
            allow_nan=False,
            allow_infinity=False,
        )
    if kind == "string":
        if "pattern" in node:
            longest = node.get("maxLength", 200)
            return st.from_regex(node["pattern"], fullmatch=True).filter(
                lambda s: len(s) <= longest
            )
        return st.text(min_size=node.get("minLength", 0), max_size=node.get("maxLength", 80))
    if kind == "array":
        items = from_schema(node.get("items", {}))
        return st.lists(
            items,
            min_size=node.get("minItems", 0),
            max_size=min(node.get("maxItems", 4), 4),
            unique_by=(lambda v: repr(v)) if node.get("uniqueItems") else None,
        )
    if kind == "object" or "properties" in node:
        properties = node.get("properties")
        if properties:
            return st.fixed_dictionaries(
                {k: from_schema(properties[k], k) for k in node.get("required", [])},
                optional={
                    k: from_schema(v, k)
                    for k, v in properties.items()
                    if k not in node.get("required", [])
                },
            )
        values = node.get("additionalProperties")
        if isinstance(values, dict):
            names = node.get("propertyNames", {})
            keys: st.SearchStrategy[str]
            if "enum" in names:
                keys = st.sampled_from(names["enum"])
            elif "pattern" in names:
                keys = st.from_regex(names["pattern"], fullmatch=True)
            else:
                keys = st.text(min_size=1, max_size=12)
            return st.dictionaries(keys, from_schema(values), max_size=3)
        return st.just({})
    return st.just(None)  # a node this generator does not know: leave the value out


SIMULATED = {
    "camera": {"backend": "simulated", "simulated_source": ""},
    "scanner": {"sources": ["simulated"]},
    "printer": {"backend": "simulated"},
    "idcard": {"backend": "simulated"},
}


def site_layer(drawn: dict[str, Any]) -> dict[str, Any]:
    """A drawn configuration as a site layer: its own schema version, simulated devices,
    a PIN the test knows."""
    drawn.pop("schema_version", None)
    drawn["devices"] = deep_merge(drawn.get("devices") or {}, SIMULATED)
    drawn["maintenance"] = {**(drawn.get("maintenance") or {}), "initial_pin": PIN}
    drawn["maintenance"].pop("badge_public_key", None)
    return drawn


def valid(layer: dict[str, Any]) -> bool:
    try:
        KioskConfig.model_validate(deep_merge(read_layer_file(DEFAULTS_FILE), layer))
    except ValidationError:
        return False
    return True


configurations = from_schema(SCHEMA).map(site_layer)


def corner_taps(qtbot: QtBot, shell: Shell) -> None:
    """The configured gesture: ``taps`` taps in the configured corner, within the window."""
    m = shell.ctx.config.maintenance
    inset = 10
    x = inset if m.corner.endswith("left") else shell.width() - inset
    y = inset if m.corner.startswith("top") else shell.height() - inset
    clock = shell.ctx.clock
    assert isinstance(clock, FakeClock)
    for _ in range(m.taps):
        touch_at(qtbot, shell, QPoint(x, y))
        clock.advance(m.taps_window_s / (m.taps + 2))


def test_the_generator_draws_from_the_schema() -> None:
    """The strategy knows every node the schema uses (nothing left out silently)."""
    unknown: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            n = _resolve(node)
            kinds = {"null", "boolean", "integer", "number", "string", "array", "object"}
            if not ({"anyOf", "enum", "const", "properties"} & n.keys()) and (
                n.get("type") not in kinds
            ):
                unknown.append(where)
            for key in ("properties",):
                for name, child in n.get(key, {}).items():
                    walk(child, f"{where}.{name}")
            for child in n.get("anyOf", []):
                walk(child, where)

    walk(SCHEMA, "config")
    assert unknown == [], unknown
    assert re.fullmatch(SCHEMA["$defs"]["TerminalConfig"]["properties"]["id"]["pattern"], "k-1")


@settings(
    derandomize=True,
    max_examples=30,
    deadline=None,
    # qtbot is only the event driver here: each example makes and closes its own shell
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(layer=configurations)
def test_the_shell_starts_with_any_configuration_the_schema_allows(
    qtbot: QtBot, layer: dict[str, Any]
) -> None:
    assume(valid(layer))
    with tempfile.TemporaryDirectory() as folder:
        ctx = build_context(Path(folder), settings=layer, clock=FakeClock(), voice=RecordingVoice())
        assert ctx.config_store.current.problems == ()
        ctx.devices.start()
        shell = Shell(ctx, tick_ms=0)
        qtbot.addWidget(shell)
        shell.resize(1080, 1920)
        shell.show()
        qtbot.waitExposed(shell)
        try:
            shell.tick()
            touch(qtbot, shell.attract)  # wakes it: home
            assert shell.current.name == "home"
            shell.tick()
            corner_taps(qtbot, shell)
            assert shell.current.name == "pin_pad"
            type_pin(qtbot, shell, PIN)
            assert shell.current.name == "maintenance"
            for key in list(shell.maintenance.tab_buttons):
                touch(qtbot, find(shell, f"maint_tab_{key}"))
                shell.tick()
            touch(qtbot, find(shell, "maint_exit"))
            assert shell.current.name in ("attract", "safe_mode")
        finally:
            shell.shutdown()
            shell.close()
            ctx.close()
