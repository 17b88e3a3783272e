"""Signing in: checking a password, slowing down guessing, and sessions that expire.

Refusals say what to do without helping an attacker: an unknown user and a wrong password get
the same message and take the same time (a dummy hash is verified for unknown names). After
FREE_FAILURES consecutive failures for one user name, further attempts are refused without
even checking the password for 2**(failures - FREE_FAILURES) seconds, capped at MAX_DELAY,
so guessing slows to a crawl while the real user waits at most a few minutes. The clock is
passed in (`now`), so tests need no sleeping.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping
import dataclasses
from dataclasses import dataclass

from auth import passwords, store
from auth.config import AccessConfig, User
from metrics.access import Viewer

WRONG = "Wrong user name or password."
FREE_FAILURES = store.FREE_FAILURES
MAX_DELAY = store.MAX_DELAY


class SignInError(Exception):
    """A refused sign-in; the message is meant for the person signing in."""


class Throttled(SignInError):
    """Too many recent failures for this user name: the password was not checked."""


class SessionExpired(SignInError):
    """The session is older than the access file's session_minutes."""


# The failures live in SQLite, not in the process (auth/store.py): no client message resets them,
# and the check and the count are one transaction.
Throttle = store.Attempts


def fingerprint(user: User | None) -> str | None:
    """A hash of the user's password hash: a session signed in with another password (the
    password was changed since) no longer matches. None for users without a hash (oidc)."""
    if user is None or not user.password_hash:
        return None
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:32]


def authenticate(config: AccessConfig, username: str, password: str, *, now: dt.datetime,
                 throttle: Throttle) -> Viewer:
    """The viewer for a correct user name and password; SignInError otherwise."""
    if config.settings.mode != "password":
        raise SignInError("This dashboard signs in through your organisation's account, not a password.")
    name = username.strip()
    if not name or not password:
        raise SignInError("Enter a user name and a password.")
    wait = throttle.reserve(name, now)   # counted as a failure until it succeeds
    if wait > 0:
        raise Throttled(f"Too many failed sign-ins for this user name: try again in {math.ceil(wait)} s.")
    user = config.find(name)
    matches = passwords.verify(user.password_hash if user else passwords.dummy_hash(), password)
    if user is None or not matches:
        raise SignInError(WRONG)
    throttle.succeeded(name)
    return user.viewer()


# ------------------------------------------------------------------------------- sessions

@dataclass(frozen=True)
class Session:
    viewer: Viewer
    display_name: str
    signed_in_at: dt.datetime
    expires_at: dt.datetime
    fingerprint: str | None = None   # of the password hash signed in with (fingerprint())
    token: str | None = None         # the session's row in auth/store.py, once registered


def start_session(config: AccessConfig, viewer: Viewer, *, now: dt.datetime,
                  signed_in_at: dt.datetime | None = None) -> Session:
    """A session of the access file's length, from now (or from when the provider signed the
    user in, in oidc mode). Not registered yet: register() does that, after the audit entry."""
    user = config.find(viewer.user)
    start = signed_in_at or now
    return Session(viewer, user.label if user else viewer.user, start,
                   start + dt.timedelta(minutes=config.settings.session_minutes), fingerprint(user))


def register(session: Session) -> Session:
    """The session with its token in the sign-in store, where downloads check it and sign-out
    ends it."""
    token = store.new_session(session.viewer.user, session.fingerprint, session.signed_in_at,
                              session.expires_at)
    return dataclasses.replace(session, token=token)


def check_session(session: Session, now: dt.datetime) -> Viewer:
    """The session's viewer while it lasts; SessionExpired after."""
    if now >= session.expires_at:
        raise SessionExpired(f"Your session expired after {duration(session.expires_at - session.signed_in_at)}: "
                             "please sign in again.")
    return session.viewer


def duration(span: dt.timedelta) -> str:
    """'8 hours', '1 hour', '90 minutes'."""
    minutes = round(span.total_seconds() / 60)
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def still_valid(config: AccessConfig, session: Session, now: dt.datetime | None = None) -> bool:
    """False when the access file no longer grants this session's user the same access (the
    user was removed, given another role or community, or another password), or the session
    was ended in the store (signed out): the change takes effect at once."""
    user: User | None = config.find(session.viewer.user)
    if user is None or user.viewer() != session.viewer or fingerprint(user) != session.fingerprint:
        return False
    return store.session_live(session.token, now or dt.datetime.now(dt.UTC))   # no token: never valid


# ------------------------------------------------------------------------------- OpenID Connect

def oidc_session(config: AccessConfig, claims: Mapping, *, now: dt.datetime) -> Session:
    """Map the identity Streamlit's st.login established (st.user's claims) to a session.

    The e-mail address must be one of the access file's users; an address the provider says is
    unverified is refused. The session starts when the provider issued the token ('iat'), so a
    30-day Streamlit login cookie does not outlast session_minutes."""
    email = str(claims.get("email") or "").strip()
    if not email:
        raise SignInError("Your sign-in did not tell this dashboard your e-mail address: ask your "
                          "administrator to include the 'email' scope.")
    if claims.get("email_verified") is False:
        raise SignInError(f"The identity provider has not verified the address {email}.")
    user = config.find(email)
    if user is None:
        raise SignInError(f"{email} is not on this dashboard's access list: ask the program staff "
                          "to add it.")
    issued = claims.get("iat")
    start = None
    if isinstance(issued, (int, float)) and not isinstance(issued, bool):
        start = min(dt.datetime.fromtimestamp(issued, dt.UTC), now)
    return start_session(config, user.viewer(), now=now, signed_in_at=start)
