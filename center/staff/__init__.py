"""The center's staff: console accounts with roles, sign-in with lockout, server-side
sessions, and the audit log of what every account did.

- :mod:`center.staff.database`: where both stores keep their tables (the center's database:
  SQLite files or PostgreSQL) and how they write times;
- :mod:`center.staff.store`: accounts (argon2 hashes), lockout, sessions (``staff``);
- :mod:`center.staff.audit`: the audit log (``audit_log``);
- :mod:`center.staff.cli`: ``center staff add | disable | enable | password | list``.
"""

from center.staff.model import Account, Role

__all__ = ["Account", "Role"]
