"""Staff accounts and roles as the stores answer them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

ACCOUNT_NAME = re.compile(r"^\w[\w.@-]{0,63}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


class Role(StrEnum):
    """What an account may do in the console (one role per account).

    - ``operator``: fleet, configuration, content;
    - ``staff``: vouchers and points, applications;
    - ``auditor``: the audit log.
    """

    OPERATOR = "operator"
    STAFF = "staff"
    AUDITOR = "auditor"


@dataclass(frozen=True)
class Account:
    """A console account (no password: only its hash is stored, and never leaves the store).

    Attributes:
        name: the sign-in name.
        role: what the account may do.
        enabled: a disabled account cannot sign in and its sessions are ended.
        created_at: when it was added (UTC).
        last_signin_at: the last successful sign-in (UTC), if any.
        failed_signins: wrong passwords since the last success or lockout.
        locked_until: when a lockout ends (UTC), if one is running or ran.
    """

    name: str
    role: Role
    enabled: bool
    created_at: datetime
    last_signin_at: datetime | None = None
    failed_signins: int = 0
    locked_until: datetime | None = None

    def locked_at(self, now: datetime) -> bool:
        """Whether a lockout is running at ``now``."""
        return self.locked_until is not None and self.locked_until > now


@dataclass(frozen=True)
class Session:
    """A signed-in browser, as the server keeps it.

    Attributes:
        account: who (as stored now: a role change or a disable applies at once).
        csrf_token: the token every state-changing form of this session carries.
        created_at, last_seen: UTC; the session ends ``idle`` after ``last_seen``.
        client: the address it signed in from.
    """

    account: Account
    csrf_token: str
    created_at: datetime
    last_seen: datetime
    client: str


def check_account_name(name: str) -> str:
    """``name`` if it can name an account, else ValueError."""
    if not ACCOUNT_NAME.match(name):
        raise ValueError(
            f"an account name is 1-64 letters, digits, '_', '.', '@' or '-', not {name!r}"
        )
    return name


def check_password(password: str) -> str:
    """``password`` if it is long enough, else ValueError."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValueError(f"a password needs {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters")
    return password
