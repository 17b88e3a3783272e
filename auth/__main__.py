"""Manage the access file from the command line.

    python -m auth init [--mode password|oidc] [--session-minutes N] [--oidc-provider NAME]
    python -m auth add-user jdoe --role community --community charlotte-mecklenburg --display-name "Jane Doe"
    python -m auth add-user ops --role program            # asks for the password twice
    echo "$PASSWORD" | python -m auth add-user ops --role program --password-stdin
    python -m auth set-password jdoe
    python -m auth remove-user jdoe
    python -m auth list

The file is $LCC_ACCESS_FILE or config/access.toml (--file overrides); add-user creates it when
missing. When a warehouse exists, --community must be one of its community slugs. Exit codes:
0 done, 1 refused (the message says why), 2 bad command line.
"""
from __future__ import annotations

import argparse
import difflib
import getpass
import sys
from pathlib import Path

from auth import config as cfg
from auth import passwords
from auth.config import AccessConfig, ConfigError, Settings, User


class CommandError(Exception):
    """Refused: the message is printed and the exit code is 1."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auth", description="Manage who may sign in to the dashboard.")
    parser.add_argument("--file", type=Path, help="the access file (default $LCC_ACCESS_FILE or config/access.toml)")
    sub = parser.add_subparsers(dest="command", required=True)
    i = sub.add_parser("init", help="write a fresh access file with the [settings] block and no users")
    i.add_argument("--mode", choices=cfg.MODES, default="password")
    i.add_argument("--session-minutes", type=int, default=cfg.DEFAULT_SESSION_MINUTES)
    i.add_argument("--oidc-provider", help="the [auth.<name>] block of .streamlit/secrets.toml (oidc mode)")
    i.add_argument("--force", action="store_true", help="replace an existing file (its users are lost)")
    a = sub.add_parser("add-user", help="add a user (in oidc mode: their e-mail address)")
    a.add_argument("user")
    a.add_argument("--role", required=True, choices=("program", "community"))
    a.add_argument("--community", help="the community's slug (role community only)")
    a.add_argument("--display-name")
    a.add_argument("--password-stdin", action="store_true", help="read the password as one line from stdin")
    s = sub.add_parser("set-password", help="set a user's password")
    s.add_argument("user")
    s.add_argument("--password-stdin", action="store_true", help="read the password as one line from stdin")
    r = sub.add_parser("remove-user", help="remove a user")
    r.add_argument("user")
    sub.add_parser("list", help="list the users (never their hashes)")
    args = parser.parse_args(argv)
    path = Path(args.file or cfg.access_path())
    try:
        return COMMANDS[args.command](args, path)
    except (CommandError, ConfigError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ncancelled: nothing was changed", file=sys.stderr)
        return 130


def _init(args, path: Path) -> int:
    if path.exists() and not args.force:
        raise CommandError(f"{path} already exists: add users with `python -m auth add-user`, "
                           "or pass --force to replace it and its users")
    settings = cfg.parse_settings({"session_minutes": args.session_minutes, "mode": args.mode,
                              **({"oidc_provider": args.oidc_provider} if args.oidc_provider else {})}, path)
    cfg.save(AccessConfig(path, settings), path)
    print(f"Wrote {path} (mode {settings.mode}, sessions of {settings.session_minutes} minutes, no users yet).")
    return 0


def _add_user(args, path: Path) -> int:
    config = cfg.load(path) or AccessConfig(path, Settings())
    name = args.user.strip()
    if config.find(name):
        raise CommandError(f"{path}: user {config.find(name).name!r} already exists: use set-password "
                           "to change the password, or remove-user first")
    oidc = config.settings.mode == "oidc"
    entry = {"role": args.role, "community": args.community, "display_name": args.display_name,
             "password_hash": None if oidc else "$argon2id$placeholder"}
    # Check the entry before asking for a password, with the same rules as the file.
    cfg.validate({"settings": {"mode": config.settings.mode},
                  "users": {name: {k: v for k, v in entry.items() if v is not None}}}, path)
    if args.community:
        _check_community(args.community)
    if oidc and args.password_stdin:
        raise CommandError(f"{path} is in oidc mode: the identity provider checks passwords, so none is set here")
    password_hash = None if oidc else passwords.hash_password(_read_password(args.password_stdin, name))
    user = User(name, args.role, args.community, args.display_name or None, password_hash)
    created = not path.exists()
    cfg.save(config.with_user(user), path)
    where = f" · {args.community}" if args.community else ""
    print(f"Added {name} ({args.role}{where}) to {path}{' (created)' if created else ''}.")
    return 0


def _set_password(args, path: Path) -> int:
    config = _existing(path)
    if config.settings.mode == "oidc":
        raise CommandError(f"{path} is in oidc mode: passwords are set at the identity provider")
    user = _user(config, args.user)
    password_hash = passwords.hash_password(_read_password(args.password_stdin, user.name))
    cfg.save(config.with_user(User(user.name, user.role, user.community, user.display_name, password_hash)), path)
    print(f"Set the password of {user.name} in {path}.")
    return 0


def _remove_user(args, path: Path) -> int:
    config = _existing(path)
    user = _user(config, args.user)
    cfg.save(config.without_user(user.name), path)
    print(f"Removed {user.name} from {path}: their open sessions end at their next click.")
    return 0


def _list(args, path: Path) -> int:
    config = _existing(path)
    s = config.settings
    print(f"{path}: mode {s.mode}, sessions of {s.session_minutes} minutes"
          + (f", provider {s.oidc_provider}" if s.oidc_provider else ""))
    if not config.users:
        print("No users yet: add one with `python -m auth add-user NAME --role program`.")
        return 0
    known = _warehouse_slugs()
    rows = [("USER", "ROLE", "COMMUNITY", "DISPLAY NAME", "NOTE")]
    for name in sorted(config.users, key=str.casefold):
        u = config.users[name]
        notes = []
        if u.community and known is not None and u.community not in known:
            notes.append("community not in the warehouse")
        if u.password_hash and passwords.needs_rehash(u.password_hash):
            notes.append("old hash: run set-password")
        rows.append((name, u.role, u.community or "-", u.display_name or "-", "; ".join(notes)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + ("  " + r[4] if r[4] else ""))
    return 0


COMMANDS = {"init": _init, "add-user": _add_user, "set-password": _set_password,
            "remove-user": _remove_user, "list": _list}


def _existing(path: Path) -> AccessConfig:
    config = cfg.load(path)
    if config is None:
        raise CommandError(f"no access file at {path}: create it with `python -m auth init` "
                           "or `python -m auth add-user`")
    return config


def _user(config: AccessConfig, name: str) -> User:
    user = config.find(name)
    if user is None:
        names = ", ".join(sorted(config.users, key=str.casefold)) or "none yet"
        raise CommandError(f"{config.path}: no user {name!r}; users: {names}")
    return user


def _read_password(from_stdin: bool, name: str) -> str:
    """One line from stdin, or typed twice without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
    else:
        if not sys.stdin.isatty():
            raise CommandError("no terminal to type the password in: pass --password-stdin and pipe it")
        password = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("Same password again: ") != password:
            raise CommandError("the two passwords differ: nothing was changed")
    try:
        passwords.check_strength(password)
    except ValueError as e:
        raise CommandError(f"{e}: nothing was changed") from None
    return password


def _warehouse_slugs() -> set[str] | None:
    """The warehouse's community slugs, or None when there is no warehouse to ask."""
    import duckdb

    from metrics import catalog
    from warehouse import store

    path = store.warehouse_path()
    if not path.exists():
        return None
    try:
        con = store.open_readonly(path)
    except duckdb.Error as e:
        print(f"warning: could not open the warehouse at {path} to check community slugs: {e}", file=sys.stderr)
        return None
    try:
        return set(catalog.communities(con)["slug"])
    finally:
        con.close()


def _check_community(slug: str) -> None:
    from warehouse import store

    known = _warehouse_slugs()
    if known is not None and slug not in known:
        close = difflib.get_close_matches(slug, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise CommandError(f"community {slug!r} is not in the warehouse at {store.warehouse_path()}{hint}; "
                           f"known communities: {', '.join(sorted(known))}")


if __name__ == "__main__":
    sys.exit(main())
