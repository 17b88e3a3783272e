"""Student identifiers become keyed hashes (HMAC-SHA256) before anything is written.

The key is per deployment and lives outside the warehouse: $LCC_SECRET_FILE, or
data/pseudonymization.key, created with random bytes on first use. Without the key a
pseudonym cannot be recomputed from a guessed student ID.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from warehouse.store import ROOT

DEFAULT_KEY_FILE = ROOT / "data" / "pseudonymization.key"

# The same HMAC in SQL, for pseudonymizing whole columns inside DuckDB: bind $ipad and $opad
# from hmac_pads(key); {raw} names the VARCHAR column holding the raw ID.
HMAC_SQL = "sha256($opad || unhex(sha256($ipad || CAST({raw} AS BLOB))))"


def key_path() -> Path:
    return Path(os.environ.get("LCC_SECRET_FILE", DEFAULT_KEY_FILE))


MIN_KEY_BYTES = 32


class KeyFileError(ValueError):
    """The key file is unusable (too short, not random, readable by others): nothing is loaded."""


def load_key(path: Path | None = None) -> bytes:
    """The deployment's key, created (0600, 32 random bytes as hex) on first use; a key file that
    is shorter, not random or readable by anyone but its owner is refused (KeyFileError)."""
    path = Path(path or key_path())
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(MIN_KEY_BYTES))
    return _checked(path)


def check_key(path: Path | None = None) -> None:
    """Raise KeyFileError unless the key is fit to use (creating it on first use)."""
    load_key(path)


def _checked(path: Path) -> bytes:
    fix = (f"Delete it to have a new key made on the next load (only if nothing was loaded with it yet: "
           f"pseudonyms change with the key), or write {MIN_KEY_BYTES} random bytes as hex into it with "
           f"`python -c \"import secrets; print(secrets.token_hex({MIN_KEY_BYTES}))\" > {path}; chmod 600 {path}`.")
    mode = os.stat(path).st_mode
    if mode & 0o077:
        raise KeyFileError(f"The pseudonymization key {path} can be read by other accounts (mode "
                        f"{mode & 0o777:o}); nothing is loaded. Make it owner-only: `chmod 600 {path}`.")
    text = path.read_text(errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise KeyFileError(f"The pseudonymization key {path} is not hex text; nothing is loaded. {fix}") from None
    # 32 random bytes have about 30 distinct values; a repeated pattern (all zeros, "abab...") is no key.
    if len(key) < MIN_KEY_BYTES or len(set(key)) < 16:
        raise KeyFileError(f"The pseudonymization key {path} holds {len(key)} bytes"
                        + ("" if len(key) < MIN_KEY_BYTES else " with too little variety to be random")
                        + f"; at least {MIN_KEY_BYTES} random bytes are needed, so nothing is loaded. {fix}")
    return key


def pseudonym(raw_id: str, key: bytes) -> str:
    return hmac.new(key, str(raw_id).strip().encode(), hashlib.sha256).hexdigest()


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of HMAC-SHA256 (RFC 2104), for HMAC_SQL."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)
