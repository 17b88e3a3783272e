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


def load_key(path: Path | None = None) -> bytes:
    """The deployment's key, created (0600) on first use."""
    path = Path(path or key_path())
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def pseudonym(raw_id: str, key: bytes) -> str:
    return hmac.new(key, str(raw_id).strip().encode(), hashlib.sha256).hexdigest()


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of HMAC-SHA256 (RFC 2104), for HMAC_SQL."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)
