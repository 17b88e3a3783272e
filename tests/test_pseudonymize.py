"""Keyed pseudonyms: the SQL HMAC equals Python's, and the key is created once, privately."""
import hashlib
import hmac
import stat

import duckdb

from warehouse import pseudonymize as ps


def test_sql_hmac_equals_python_hmac():
    key = b"k" * 40
    ipad, opad = ps.hmac_pads(key)
    got = duckdb.connect().execute(
        f"SELECT {ps.HMAC_SQL.format(raw='x')} FROM (SELECT 'S1234567' AS x)", {"ipad": ipad, "opad": opad}
    ).fetchone()[0]
    assert got == hmac.new(key, b"S1234567", hashlib.sha256).hexdigest() == ps.pseudonym("S1234567", key)


def test_key_is_created_once_and_private(tmp_path, monkeypatch):
    path = tmp_path / "secret.key"
    monkeypatch.setenv("LCC_SECRET_FILE", str(path))
    k1 = ps.load_key()
    assert ps.load_key() == k1 and len(k1) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ps.pseudonym("S1", k1) != ps.pseudonym("S1", b"another key")
