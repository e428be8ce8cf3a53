"""The console's pages by role: the menu, and where each role starts."""

from __future__ import annotations

from dataclasses import dataclass

from center.staff.model import Role, Session

PREFIX = "/console"
"""Where the console is served."""


@dataclass(frozen=True)
class NavItem:
    """A menu entry: its page and the translation key of its name."""

    href: str
    key: str


MENU: dict[Role, tuple[NavItem, ...]] = {
    Role.OPERATOR: (
        NavItem(f"{PREFIX}/fleet", "console.nav.fleet"),
        NavItem(f"{PREFIX}/config", "console.nav.config"),
        NavItem(f"{PREFIX}/content", "console.nav.content"),
        NavItem(f"{PREFIX}/usage", "console.nav.usage"),
    ),
    Role.STAFF: (
        NavItem(f"{PREFIX}/vouchers", "console.nav.vouchers"),
        NavItem(f"{PREFIX}/members", "console.nav.members"),
        NavItem(f"{PREFIX}/points", "console.nav.points"),
        NavItem(f"{PREFIX}/applications", "console.nav.applications"),
        NavItem(f"{PREFIX}/requests", "console.nav.requests"),
        NavItem(f"{PREFIX}/usage", "console.nav.usage"),
    ),
    Role.AUDITOR: (NavItem(f"{PREFIX}/audit", "console.nav.audit"),),
}


def menu(session: Session | None) -> tuple[NavItem, ...]:
    """The menu of the signed-in account's role (none before sign-in)."""
    return MENU[session.account.role] if session is not None else ()


def home_of(role: Role) -> str:
    """Where an account of ``role`` lands after signing in."""
    return MENU[role][0].href
