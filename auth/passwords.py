"""Password hashes: argon2id through argon2-cffi, with its recommended parameters.

The access file keeps only these salted hashes. Verifying is deliberately slow (tens of
milliseconds), which is what makes a stolen access file expensive to attack.
"""
from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
HASHER = PasswordHasher()   # argon2id, RFC 9106 low-memory profile


def check_strength(password: str) -> None:
    """Refuse passwords too short to resist guessing."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"the password is {len(password)} characters long: use at least {MIN_LENGTH}")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(password_hash: str, password: str) -> bool:
    """True when the password matches; False for a wrong password or an unreadable hash."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@functools.cache
def dummy_hash() -> str:
    """A hash of nothing anyone types, verified for unknown user names so that the time a
    refusal takes does not tell whether the user exists."""
    return HASHER.hash("\x00 no such user \x00")
