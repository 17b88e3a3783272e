"""The access file: who may sign in, with which role, and how sessions behave.

It lives at $LCC_ACCESS_FILE, else config/access.toml (git-ignored; config/access.example.toml
documents it). Without it the dashboard runs as the demo only, so the file is also the switch
that makes real data reachable at all. Every mistake in it is refused with the file and the
user or key at fault, because a silently ignored typo in an access list is a security bug.

    [settings]
    session_minutes = 480        # sign in again after this long
    mode = "password"            # or "oidc": Streamlit's st.login with a provider in secrets.toml
    # oidc_provider = "microsoft"  # the [auth.microsoft] block of .streamlit/secrets.toml

    [users.jdoe]                 # in oidc mode: [users."jane.doe@city.gov"], and no hash
    role = "community"           # or "program"
    community = "charlotte-mecklenburg"
    display_name = "Jane Doe"
    password_hash = "$argon2id$v=19$..."
"""
from __future__ import annotations

import dataclasses
import os
import re
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from metrics.access import ROLES, Viewer

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "config" / "access.toml"
MODES = ("password", "oidc")
DEFAULT_SESSION_MINUTES = 480
MAX_SESSION_MINUTES = 43_200   # 30 days: longer is no session at all (and overflowed the clock)

SETTINGS_KEYS = ("session_minutes", "mode", "oidc_provider")
USER_KEYS = ("role", "community", "display_name", "password_hash")
HASH_PREFIX = re.compile(r"^\$argon2(id|i|d)\$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
EMAIL = re.compile(r"^[^@\s\"\\]+@[^@\s\"\\]+\.[^@\s\"\\]+$")
PROVIDER = re.compile(r"^[A-Za-z0-9_-]+$")

HEADER = """\
# Who may sign in to the Library Card Challenge dashboard: see docs/access.md.
# Managed with `python -m auth` (add-user, set-password, remove-user, list). Hand edits are
# fine, but the command rewrites the file and does not keep comments.
"""


class ConfigError(ValueError):
    """The access file is unreadable or breaks a rule; the message names the file and the entry."""


@dataclass(frozen=True)
class User:
    name: str                          # the user name, or the e-mail address in oidc mode
    role: str                          # 'program' or 'community'
    community: str | None = None       # community slug, for role 'community'
    display_name: str | None = None
    password_hash: str | None = None   # password mode only

    def viewer(self) -> Viewer:
        return Viewer(self.name, self.role, self.community)

    @property
    def label(self) -> str:
        return self.display_name or self.name


@dataclass(frozen=True)
class Settings:
    session_minutes: int = DEFAULT_SESSION_MINUTES
    mode: str = "password"
    oidc_provider: str | None = None


@dataclass(frozen=True)
class AccessConfig:
    path: Path
    settings: Settings = Settings()
    users: dict[str, User] = field(default_factory=dict)

    def find(self, name: str) -> User | None:
        """The user of this name, ignoring case (people do not remember how they typed it)."""
        wanted = name.strip().casefold()
        return next((u for key, u in self.users.items() if key.casefold() == wanted), None)

    def with_user(self, user: User) -> AccessConfig:
        users = {k: u for k, u in self.users.items() if k.casefold() != user.name.casefold()}
        return dataclasses.replace(self, users={**users, user.name: user})

    def without_user(self, name: str) -> AccessConfig:
        return dataclasses.replace(self, users={k: u for k, u in self.users.items()
                                                if k.casefold() != name.strip().casefold()})


def access_path() -> Path:
    """$LCC_ACCESS_FILE, else config/access.toml in the repository."""
    return Path(os.environ.get("LCC_ACCESS_FILE") or DEFAULT_PATH)


def load(path: Path | None = None, *, communities: Iterable[str] | None = None) -> AccessConfig | None:
    """The validated access file, or None when there is none (the demo mode).

    With `communities` (the warehouse's slugs), a community user's slug must be one of them."""
    path = Path(path or access_path())
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the access file: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text (byte {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    return validate(data, path, communities=communities)


def validate(data: dict, path: Path, *, communities: Iterable[str] | None = None) -> AccessConfig:
    """Check parsed TOML against the rules in this module's docstring."""
    for key in data:
        if key not in ("settings", "users"):
            raise ConfigError(f"{path}: unknown key or section {key!r} at the top level: "
                              "expected [settings] and [users.<name>] blocks")
    settings = parse_settings(data.get("settings", {}), path)
    users_raw = data.get("users", {})
    if not isinstance(users_raw, dict):
        raise ConfigError(f"{path}: 'users' must be a set of [users.<name>] blocks")
    known = None if communities is None else sorted(set(communities))
    users: dict[str, User] = {}
    seen: dict[str, str] = {}
    for name, entry in users_raw.items():
        user = _user(name, entry, settings.mode, path, known)
        if name.casefold() in seen:
            raise ConfigError(f"{path}: users {seen[name.casefold()]!r} and {name!r} differ only in case: "
                              "user names are matched ignoring case, so keep one")
        seen[name.casefold()] = name
        users[name] = user
    return AccessConfig(path, settings, users)


def parse_settings(raw, path: Path) -> Settings:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: 'settings' must be a [settings] block")
    _no_unknown_keys(raw, SETTINGS_KEYS, f"{path}: [settings]")
    minutes = raw.get("session_minutes", DEFAULT_SESSION_MINUTES)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_SESSION_MINUTES:
        raise ConfigError(f"{path}: [settings] session_minutes must be a whole number of minutes from 1 "
                          f"to {MAX_SESSION_MINUTES} (30 days), not {minutes!r}")
    mode = raw.get("mode", "password")
    if mode not in MODES:
        raise ConfigError(f"{path}: [settings] mode must be one of {', '.join(map(repr, MODES))}, not {mode!r}")
    provider = raw.get("oidc_provider")
    if provider is not None and not (isinstance(provider, str) and PROVIDER.match(provider)):
        raise ConfigError(f"{path}: [settings] oidc_provider must be the name of an [auth.<name>] block "
                          f"in .streamlit/secrets.toml (letters, digits, - and _), not {provider!r}")
    return Settings(minutes, mode, provider)


def _user(name: str, raw, mode: str, path: Path, communities: list[str] | None) -> User:
    where = f"{path}: user {name!r}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a [users.{quote_key(name)}] block")
    if mode == "oidc" and not EMAIL.match(name):
        raise ConfigError(f"{where}: in oidc mode users are their e-mail addresses, "
                          f'as in [users."jane.doe@city.gov"]')
    if mode == "password" and not USER_NAME.match(name):
        raise ConfigError(f"{where}: a user name is 1 to 100 letters, digits and . _ @ + -, "
                          "starting with a letter or digit")
    _no_unknown_keys(raw, USER_KEYS, where)
    for key in USER_KEYS:
        if key in raw and not isinstance(raw[key], str):
            raise ConfigError(f"{where}: {key} must be a string, not {raw[key]!r}")
    role, community = raw.get("role"), raw.get("community")
    if role is None:
        raise ConfigError(f"{where}: has no role: set role = \"program\" or role = \"community\"")
    if role not in ROLES:
        raise ConfigError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
    if role == "community" and not community:
        raise ConfigError(f"{where}: role 'community' needs community = \"<slug>\" (the community it sees)")
    if role == "program" and community is not None:
        raise ConfigError(f"{where}: role 'program' sees every community and takes no community "
                          f"(found {community!r}): remove it, or make the role 'community'")
    if community is not None:
        if not SLUG.match(community):
            raise ConfigError(f"{where}: community {community!r} is not a slug like 'charlotte-mecklenburg'")
        if communities is not None and community not in communities:
            raise ConfigError(f"{where}: community {community!r} is not in the warehouse; "
                              f"known communities: {', '.join(communities)}")
    password_hash = raw.get("password_hash")
    if mode == "oidc" and password_hash is not None:
        raise ConfigError(f"{where}: carries a password_hash, but mode is 'oidc': "
                          "the identity provider checks passwords, so remove it")
    if mode == "password":
        if not password_hash:
            raise ConfigError(f"{where}: has no password_hash: set one with "
                              f"`python -m auth set-password {name}`")
        if not HASH_PREFIX.match(password_hash):
            raise ConfigError(f"{where}: password_hash must be an argon2 hash starting with "
                              f"'$argon2id$' (made by `python -m auth set-password {name}`), "
                              f"not one starting with {password_hash[:10]!r}")
    return User(name, role, community, raw.get("display_name") or None, password_hash)


def _no_unknown_keys(raw: dict, allowed: tuple[str, ...], where: str) -> None:
    for key in raw:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r}; expected {', '.join(allowed)}")


# ------------------------------------------------------------------------------- writing

def quote_key(key: str) -> str:
    """A TOML key: bare when it can be, else a quoted string (e-mail addresses)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def toml_string(value: str) -> str:
    """A TOML basic string, escaping what TOML requires escaped."""
    out = []
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def dump(config: AccessConfig) -> str:
    """The file's text in one stable layout: settings first, then users sorted by name."""
    s = config.settings
    lines = [HEADER, "[settings]", f"session_minutes = {s.session_minutes}", f"mode = {toml_string(s.mode)}"]
    if s.oidc_provider:
        lines.append(f"oidc_provider = {toml_string(s.oidc_provider)}")
    for name in sorted(config.users, key=str.casefold):
        u = config.users[name]
        lines += ["", f"[users.{quote_key(name)}]", f"role = {toml_string(u.role)}"]
        for key in ("community", "display_name", "password_hash"):
            value = getattr(u, key)
            if value is not None:
                lines.append(f"{key} = {toml_string(value)}")
    return "\n".join(lines) + "\n"


def save(config: AccessConfig, path: Path | None = None) -> Path:
    """Write the file atomically (temp file + rename) and readable by its owner only: a
    reader never sees half a file, and the hashes are nobody else's business."""
    path = Path(path or config.path)
    text = dump(config)
    validate(tomllib.loads(text), path)   # never write what load() would refuse
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
