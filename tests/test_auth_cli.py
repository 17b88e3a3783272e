"""python -m auth: add, change and remove users, list them without hashes, init; clear refusals."""
import io
import sys

import pytest

from auth import config, passwords
from auth.__main__ import main
from tests import small_warehouse

PASSWORD = "correct horse battery"


@pytest.fixture
def access(tmp_path, monkeypatch):
    """The access file's path (not created), and no warehouse to check slugs against."""
    path = tmp_path / "config" / "access.toml"
    monkeypatch.setenv("LCC_ACCESS_FILE", str(path))
    monkeypatch.setenv("LCC_WAREHOUSE", str(tmp_path / "no-warehouse.duckdb"))
    return path


def run(monkeypatch, capsys, *argv, stdin: str = ""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_user_creates_the_file_with_a_hash(access, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "add-user", "jdoe", "--role", "community", "--community",
                         "charlotte-mecklenburg", "--display-name", "Jane Doe", "--password-stdin",
                         stdin=PASSWORD + "\n")
    assert (code, err) == (0, "")
    assert out == f"Added jdoe (community · charlotte-mecklenburg) to {access} (created).\n"
    user = config.load(access).users["jdoe"]
    assert (user.role, user.community, user.display_name) == ("community", "charlotte-mecklenburg", "Jane Doe")
    assert passwords.verify(user.password_hash, PASSWORD)
    assert PASSWORD not in access.read_text()


def test_add_user_refuses_short_passwords_and_existing_users(access, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "add-user", "ops", "--role", "program", "--password-stdin", stdin="short\n")
    assert code == 1 and err == "error: the password is 5 characters long: use at least 10: nothing was changed\n"
    assert not access.exists()
    assert run(monkeypatch, capsys, "add-user", "ops", "--role", "program", "--password-stdin", stdin=PASSWORD)[0] == 0
    code, _, err = run(monkeypatch, capsys, "add-user", "OPS", "--role", "program", "--password-stdin", stdin=PASSWORD)
    assert code == 1 and "user 'ops' already exists" in err


@pytest.mark.parametrize("args, message", [
    (["--role", "community"], "user 'x': role 'community' needs community"),
    (["--role", "program", "--community", "denver"], "user 'x': role 'program' sees every community and takes no community"),
    (["--role", "community", "--community", "Not A Slug"], "community 'Not A Slug' is not a slug"),
])
def test_add_user_checks_the_entry_before_asking_for_a_password(access, monkeypatch, capsys, args, message):
    code, _, err = run(monkeypatch, capsys, "add-user", "x", *args, "--password-stdin", stdin=PASSWORD)
    assert code == 1 and message in err and err.startswith(f"error: {access}: ")
    assert not access.exists()


def test_a_community_must_be_in_the_warehouse_when_there_is_one(access, monkeypatch, capsys, tmp_path):
    wh = small_warehouse.build(tmp_path / "small.duckdb")
    monkeypatch.setenv("LCC_WAREHOUSE", str(wh))
    code, _, err = run(monkeypatch, capsys, "add-user", "x", "--role", "community", "--community", "alpha",
                       "--password-stdin", stdin=PASSWORD)
    assert code == 1
    assert f"community 'alpha' is not in the warehouse at {wh} (did you mean 'alpha-city'?); " \
           "known communities: alpha-city, beta-county" in err
    code, _, _ = run(monkeypatch, capsys, "add-user", "x", "--role", "community", "--community", "alpha-city",
                     "--password-stdin", stdin=PASSWORD)
    assert code == 0


def test_set_password_replaces_the_hash(access, monkeypatch, capsys):
    run(monkeypatch, capsys, "add-user", "ops", "--role", "program", "--password-stdin", stdin=PASSWORD)
    code, out, _ = run(monkeypatch, capsys, "set-password", "OPS", "--password-stdin", stdin="another long one\r\n")
    assert code == 0 and out == f"Set the password of ops in {access}.\n"
    h = config.load(access).users["ops"].password_hash
    assert passwords.verify(h, "another long one") and not passwords.verify(h, PASSWORD)


def test_remove_user_and_unknown_users(access, monkeypatch, capsys):
    run(monkeypatch, capsys, "add-user", "ops", "--role", "program", "--password-stdin", stdin=PASSWORD)
    run(monkeypatch, capsys, "add-user", "amy", "--role", "program", "--password-stdin", stdin=PASSWORD)
    assert run(monkeypatch, capsys, "remove-user", "ops")[0] == 0
    assert list(config.load(access).users) == ["amy"]
    code, _, err = run(monkeypatch, capsys, "remove-user", "ops")
    assert code == 1 and err == f"error: {access}: no user 'ops'; users: amy\n"
    code, _, err = run(monkeypatch, capsys, "set-password", "bob", "--password-stdin", stdin=PASSWORD)
    assert code == 1 and "no user 'bob'" in err


def test_list_shows_users_but_never_hashes(access, monkeypatch, capsys):
    run(monkeypatch, capsys, "add-user", "ops", "--role", "program", "--password-stdin", stdin=PASSWORD)
    run(monkeypatch, capsys, "add-user", "jdoe", "--role", "community", "--community", "denver",
        "--display-name", "Jane Doe", "--password-stdin", stdin=PASSWORD)
    code, out, _ = run(monkeypatch, capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{access}: mode password, sessions of 480 minutes"
    assert lines[2].split() == ["jdoe", "community", "denver", "Jane", "Doe"]
    assert lines[3].split() == ["ops", "program", "-", "-"]
    assert "argon2" not in out


def test_commands_on_a_missing_file_say_how_to_create_it(access, monkeypatch, capsys):
    for argv in (["list"], ["remove-user", "x"], ["set-password", "x", "--password-stdin"]):
        code, _, err = run(monkeypatch, capsys, *argv, stdin=PASSWORD)
        assert code == 1 and err == (f"error: no access file at {access}: create it with `python -m auth init` "
                                     "or `python -m auth add-user`\n")


def test_init_writes_settings_and_refuses_to_overwrite(access, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "init", "--mode", "oidc", "--session-minutes", "60",
                       "--oidc-provider", "microsoft")
    assert code == 0 and "mode oidc, sessions of 60 minutes" in out
    c = config.load(access)
    assert (c.settings.mode, c.settings.session_minutes, c.settings.oidc_provider, c.users) == ("oidc", 60, "microsoft", {})
    code, _, err = run(monkeypatch, capsys, "init")
    assert code == 1 and "already exists" in err
    assert run(monkeypatch, capsys, "init", "--force")[0] == 0
    assert config.load(access).settings.mode == "password"
    code, _, err = run(monkeypatch, capsys, "init", "--force", "--session-minutes", "0")
    assert code == 1 and "session_minutes must be a whole number of minutes from 1 to 43200" in err
    code, _, err = run(monkeypatch, capsys, "init", "--force", "--session-minutes", "99999999999")
    assert code == 1 and "session_minutes must be a whole number of minutes from 1 to 43200 (30 days), not 99999999999" in err


def test_oidc_users_are_added_by_e_mail_without_a_password(access, monkeypatch, capsys):
    run(monkeypatch, capsys, "init", "--mode", "oidc")
    code, _, _ = run(monkeypatch, capsys, "add-user", "jane@city.gov", "--role", "program")
    assert code == 0 and config.load(access).users["jane@city.gov"].password_hash is None
    code, _, err = run(monkeypatch, capsys, "add-user", "bob", "--role", "program")
    assert code == 1 and "in oidc mode users are their e-mail addresses" in err
    code, _, err = run(monkeypatch, capsys, "set-password", "jane@city.gov", "--password-stdin", stdin=PASSWORD)
    assert code == 1 and "passwords are set at the identity provider" in err


def test_a_broken_file_is_reported_not_overwritten(access, monkeypatch, capsys):
    access.parent.mkdir(parents=True)
    access.write_text('[users.ops]\nrole = "boss"\n')
    code, _, err = run(monkeypatch, capsys, "add-user", "amy", "--role", "program", "--password-stdin", stdin=PASSWORD)
    assert code == 1 and "user 'ops': role 'boss' is not one of program, community" in err
    assert access.read_text() == '[users.ops]\nrole = "boss"\n'


def test_typing_the_password_needs_a_terminal(access, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "add-user", "ops", "--role", "program")
    assert code == 1 and "pass --password-stdin" in err


def test_typed_passwords_must_match(access, monkeypatch, capsys):
    import getpass
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys, "stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    assert main(["add-user", "ops", "--role", "program"]) == 1
    assert "the two passwords differ" in capsys.readouterr().err
    answers = iter([PASSWORD, PASSWORD])
    assert main(["add-user", "ops", "--role", "program"]) == 0


def test_a_bad_command_line_exits_2(access, monkeypatch, capsys):
    with pytest.raises(SystemExit) as e:
        main(["add-user", "x", "--role", "admin"])
    assert e.value.code == 2
