"""Signing in: wrong password, unknown user and expired session refused with clear messages;
repeated failures slow further attempts down without checking the password; OIDC mapping."""
import datetime as dt
import threading

import pytest
from argon2 import PasswordHasher

from auth import passwords, signin, store
from auth.config import AccessConfig, Settings, User
from auth.signin import Session, SessionExpired, SignInError, Throttle, Throttled
from metrics.access import Viewer

PASSWORD = "correct horse battery"
HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def config(tmp_path):
    return AccessConfig(tmp_path / "access.toml", Settings(session_minutes=480), {
        "ops": User("ops", "program", None, "Program Staff", HASH),
        "jdoe": User("jdoe", "community", "charlotte-mecklenburg", "Jane Doe", HASH),
    })


@pytest.fixture
def verified(monkeypatch):
    """The passwords actually checked (hash, password), in order."""
    calls = []
    real = passwords.verify

    def spy(h, p):
        calls.append((h, p))
        return real(h, p)
    monkeypatch.setattr(passwords, "verify", spy)
    return calls


def test_the_right_password_gives_the_users_viewer(config):
    assert signin.authenticate(config, "jdoe", PASSWORD, now=T0, throttle=Throttle()) == \
        Viewer("jdoe", "community", "charlotte-mecklenburg")
    assert signin.authenticate(config, " OPS ", PASSWORD, now=T0, throttle=Throttle()) == Viewer("ops", "program")


def test_a_wrong_password_is_refused(config):
    with pytest.raises(SignInError) as e:
        signin.authenticate(config, "jdoe", PASSWORD + "!", now=T0, throttle=Throttle())
    assert str(e.value) == "Wrong user name or password."


def test_an_unknown_user_gets_the_same_message_after_the_same_work(config, verified):
    with pytest.raises(SignInError) as e:
        signin.authenticate(config, "mallory", PASSWORD, now=T0, throttle=Throttle())
    assert str(e.value) == "Wrong user name or password."
    assert verified == [(passwords.dummy_hash(), PASSWORD)]   # a hash was verified all the same


def test_empty_fields_ask_for_both(config):
    with pytest.raises(SignInError, match="Enter a user name and a password."):
        signin.authenticate(config, "  ", PASSWORD, now=T0, throttle=Throttle())
    with pytest.raises(SignInError, match="Enter a user name and a password."):
        signin.authenticate(config, "ops", "", now=T0, throttle=Throttle())


def test_a_password_sign_in_is_refused_in_oidc_mode(tmp_path):
    c = AccessConfig(tmp_path / "a.toml", Settings(mode="oidc"), {"a@b.org": User("a@b.org", "program")})
    with pytest.raises(SignInError, match="not a password"):
        signin.authenticate(c, "a@b.org", PASSWORD, now=T0, throttle=Throttle())


def fail(config, throttle, when, name="jdoe"):
    with pytest.raises(SignInError) as e:
        signin.authenticate(config, name, "wrong password!", now=when, throttle=throttle)
    return e.value


def test_three_failures_then_refused_without_checking_even_the_right_password(config, verified):
    throttle = Throttle()
    for i in range(3):
        assert not isinstance(fail(config, throttle, at(i * 0.1)), Throttled)
    assert len(verified) == 3
    with pytest.raises(Throttled) as e:
        signin.authenticate(config, "jdoe", PASSWORD, now=at(0.5), throttle=throttle)
    assert str(e.value) == "Too many failed sign-ins for this user name: try again in 1 s."
    assert len(verified) == 3   # the password was not even looked at
    # Once the delay (1 s after the third failure) has passed, the right password works.
    assert signin.authenticate(config, "jdoe", PASSWORD, now=at(1.2), throttle=throttle).user == "jdoe"


def test_the_delay_doubles_with_each_further_failure_and_success_resets(config):
    throttle = Throttle()
    for i in range(3):
        fail(config, throttle, at(0))
    t = 0.0
    for failures, delay in [(3, 1), (4, 2), (5, 4), (6, 8), (7, 16)]:
        assert throttle.wait("jdoe", at(t)) == delay
        with pytest.raises(Throttled, match=f"try again in {delay} s."):
            signin.authenticate(config, "jdoe", PASSWORD, now=at(t), throttle=throttle)
        with pytest.raises(Throttled, match=f"try again in {delay // 2 or 1} s."):
            signin.authenticate(config, "jdoe", PASSWORD, now=at(t + delay / 2), throttle=throttle)
        t += delay
        fail(config, throttle, at(t))   # allowed again: checked, wrong, one more failure
    assert throttle.wait("jdoe", at(t)) == 32
    signin.authenticate(config, "jdoe", PASSWORD, now=at(t + 32), throttle=throttle)
    assert throttle.wait("jdoe", at(t + 32)) == 0
    fail(config, throttle, at(t + 33))   # counting starts again from one
    assert throttle.wait("jdoe", at(t + 33)) == 0


def test_the_delay_is_capped_at_five_minutes():
    assert [Throttle.delay(n) for n in (0, 2, 3, 4, 10, 11, 12, 50)] == [0, 0, 1, 2, 128, 256, 300, 300]


def test_the_throttle_is_per_user_name_ignoring_case_and_counts_unknown_names(config):
    throttle = Throttle()
    for _ in range(3):
        fail(config, throttle, at(0), name="JDoe")
        fail(config, throttle, at(0), name="mallory")
    with pytest.raises(Throttled):
        signin.authenticate(config, "jdoe", PASSWORD, now=at(0.5), throttle=throttle)
    assert isinstance(fail(config, throttle, at(0.5), name="MALLORY"), Throttled)
    assert signin.authenticate(config, "ops", PASSWORD, now=at(0.5), throttle=throttle).user == "ops"


def test_the_throttle_counts_every_failure_from_many_threads():
    throttle = Throttle()

    def hammer():
        for _ in range(25):
            throttle.failed("ops", T0)
    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert throttle.failed("ops", T0) == 101


def test_a_session_lasts_session_minutes_then_is_refused(config):
    session = signin.start_session(config, Viewer("jdoe", "community", "charlotte-mecklenburg"), now=T0)
    assert session.display_name == "Jane Doe"
    assert session.expires_at == T0 + dt.timedelta(hours=8)
    assert signin.check_session(session, at(8 * 3600 - 1)).user == "jdoe"
    with pytest.raises(SessionExpired) as e:
        signin.check_session(session, at(8 * 3600))
    assert str(e.value) == "Your session expired after 8 hours: please sign in again."


@pytest.mark.parametrize("minutes, said", [(60, "1 hour"), (90, "90 minutes"), (1, "1 minute"), (1440, "24 hours")])
def test_the_expiry_message_says_how_long_sessions_last(minutes, said):
    session = Session(Viewer("ops", "program"), "ops", T0, T0 + dt.timedelta(minutes=minutes))
    with pytest.raises(SessionExpired, match=f"^Your session expired after {said}: please sign in again.$"):
        signin.check_session(session, at(minutes * 60 + 5))


def test_a_session_is_no_longer_valid_once_the_user_is_removed_or_changed(config):
    session = signin.register(signin.start_session(config, Viewer("jdoe", "community", "charlotte-mecklenburg"), now=T0))
    assert signin.still_valid(config, session, at(1))
    assert not signin.still_valid(config.without_user("jdoe"), session, at(1))
    moved = config.with_user(User("jdoe", "community", "denver", None, HASH))
    assert not signin.still_valid(moved, session, at(1))


def test_a_password_change_ends_the_sessions_signed_in_with_the_old_one(config):
    session = signin.register(signin.start_session(config, Viewer("jdoe", "community", "charlotte-mecklenburg"), now=T0))
    new_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("another long password")
    changed = config.with_user(User("jdoe", "community", "charlotte-mecklenburg", "Jane Doe", new_hash))
    assert signin.still_valid(config, session, at(1))
    assert not signin.still_valid(changed, session, at(1))
    assert session.fingerprint and new_hash not in session.fingerprint and HASH not in session.fingerprint


def test_a_session_never_registered_or_ended_in_the_store_is_not_valid(config):
    fresh = signin.start_session(config, Viewer("ops", "program"), now=T0)
    assert not signin.still_valid(config, fresh, at(1))   # secure by default: no token, no access
    session = signin.register(fresh)
    assert signin.still_valid(config, session, at(1))
    store.end_session(session.token, at(2))   # signed out, e.g. in another tab of the same session
    assert not signin.still_valid(config, session, at(3))


# ------------------------------------------------------------------------------- OIDC

@pytest.fixture
def oidc(tmp_path):
    return AccessConfig(tmp_path / "a.toml", Settings(session_minutes=60, mode="oidc"), {
        "Jane.Doe@city.gov": User("Jane.Doe@city.gov", "community", "denver", "Jane Doe"),
    })


def test_oidc_maps_the_e_mail_address_to_the_user(oidc):
    claims = {"is_logged_in": True, "email": "jane.doe@CITY.gov", "email_verified": True,
              "iat": (T0 - dt.timedelta(minutes=10)).timestamp()}
    s = signin.oidc_session(oidc, claims, now=T0)
    assert s.viewer == Viewer("Jane.Doe@city.gov", "community", "denver")
    assert s.display_name == "Jane Doe"
    assert s.signed_in_at == T0 - dt.timedelta(minutes=10)   # from the token, not from this visit
    assert s.expires_at == T0 + dt.timedelta(minutes=50)


def test_oidc_without_iat_starts_the_session_now(oidc):
    s = signin.oidc_session(oidc, {"email": "jane.doe@city.gov"}, now=T0)
    assert s.signed_in_at == T0


def test_an_old_oidc_login_is_an_expired_session(oidc):
    s = signin.oidc_session(oidc, {"email": "jane.doe@city.gov", "iat": (T0 - dt.timedelta(days=3)).timestamp()}, now=T0)
    with pytest.raises(SessionExpired, match="expired after 1 hour"):
        signin.check_session(s, T0)


@pytest.mark.parametrize("claims, message", [
    ({"email": "mallory@evil.org"}, "mallory@evil.org is not on this dashboard's access list: ask the program staff to add it."),
    ({"email": "jane.doe@city.gov", "email_verified": False}, "has not verified the address jane.doe@city.gov"),
    ({"name": "Jane"}, "did not tell this dashboard your e-mail address"),
])
def test_oidc_refusals(oidc, claims, message):
    with pytest.raises(SignInError) as e:
        signin.oidc_session(oidc, claims, now=T0)
    assert message in str(e.value)
