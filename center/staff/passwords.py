"""Password hashes: argon2id (argon2-cffi's RFC 9106 low-memory profile by default)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    """Hashes and checks passwords.

    Args:
        hasher: argon2-cffi's hasher; its defaults are the RFC 9106 low-memory profile
            (argon2id, t=3, m=64 MiB, p=4). Tests may pass cheaper parameters.
    """

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        # Checked when the account is unknown, so a wrong name costs as long as a wrong
        # password and the answer time does not tell which names exist.
        self._decoy = self.hasher.hash("not a password of anyone")

    def hash(self, password: str) -> str:
        """A new hash (salted) of ``password``."""
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored`` (None: no account; always False)."""
        try:
            return self.hasher.verify(stored or self._decoy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """Whether ``stored`` was made with weaker parameters than the current ones."""
        return self.hasher.check_needs_rehash(stored)
