"""Password hashes: argon2id, salted, verified, and flagged when their parameters are old."""
from argon2 import PasswordHasher

from auth import passwords


def test_a_hash_is_salted_argon2id_and_verifies_only_its_password():
    h1, h2 = passwords.hash_password("correct horse battery"), passwords.hash_password("correct horse battery")
    assert h1.startswith("$argon2id$") and h1 != h2   # a fresh salt every time
    assert "correct horse battery" not in h1
    assert passwords.verify(h1, "correct horse battery")
    assert not passwords.verify(h1, "correct horse batterY")
    assert not passwords.verify(h1, "")


def test_an_unreadable_hash_never_verifies():
    assert not passwords.verify("$argon2id$garbage", "anything at all")
    assert not passwords.verify("not a hash", "anything at all")


def test_needs_rehash_flags_weaker_parameters():
    assert not passwords.needs_rehash(passwords.hash_password("correct horse battery"))
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("correct horse battery")
    assert passwords.needs_rehash(weak)
    assert passwords.verify(weak, "correct horse battery")   # still accepted meanwhile
    assert passwords.needs_rehash("not a hash")


def test_short_passwords_are_refused_with_the_rule():
    passwords.check_strength("a" * 10)
    try:
        passwords.check_strength("a" * 9)
    except ValueError as e:
        assert str(e) == "the password is 9 characters long: use at least 10"
    else:
        raise AssertionError("a 9-character password was accepted")


def test_the_dummy_hash_is_a_real_hash_of_the_same_kind():
    assert passwords.dummy_hash().startswith("$argon2id$")
    assert passwords.dummy_hash() is passwords.dummy_hash()
    assert not passwords.verify(passwords.dummy_hash(), "")
