"""The center's staff: console accounts with roles, sign-in with lockout, server-side
sessions, and the audit log of what every account did.

- :mod:`center.staff.database`: the one connection factory both stores use;
- :mod:`center.staff.store`: accounts (argon2 hashes), lockout, sessions (``staff.sqlite3``);
- :mod:`center.staff.audit`: the audit log (``audit.sqlite3``);
- :mod:`center.staff.cli`: ``center staff add | disable | enable | password | list``.
"""

from center.staff.model import Account, Role

__all__ = ["Account", "Role"]
