"""The access file: location, layout, and a clear refusal naming the file and entry for every mistake."""
import os
import stat
import tomllib

import pytest

from auth import config
from auth.config import AccessConfig, ConfigError, Settings, User

HASH = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


def write(tmp_path, text: str):
    path = tmp_path / "access.toml"
    path.write_text(text)
    return path


def test_path_is_the_env_var_else_config_access_toml(monkeypatch, tmp_path):
    monkeypatch.setenv("LCC_ACCESS_FILE", str(tmp_path / "a.toml"))
    assert config.access_path() == tmp_path / "a.toml"
    monkeypatch.delenv("LCC_ACCESS_FILE")
    assert config.access_path() == config.ROOT / "config" / "access.toml"


def test_no_file_means_none(tmp_path):
    assert config.load(tmp_path / "missing.toml") is None


def test_a_full_file_is_read(tmp_path):
    path = write(tmp_path, f'''
[settings]
session_minutes = 60
mode = "password"

[users.ops]
role = "program"
password_hash = "{HASH}"

[users.jdoe]
role = "community"
community = "charlotte-mecklenburg"
display_name = "Jane Doe"
password_hash = "{HASH}"
''')
    c = config.load(path)
    assert c.settings == Settings(60, "password", None)
    assert c.users["jdoe"] == User("jdoe", "community", "charlotte-mecklenburg", "Jane Doe", HASH)
    assert c.users["ops"].viewer().sees_everything
    assert c.find(" JDoe ").name == "jdoe" and c.find("nobody") is None
    assert c.users["ops"].label == "ops" and c.users["jdoe"].label == "Jane Doe"


def test_defaults_and_an_empty_file(tmp_path):
    c = config.load(write(tmp_path, ""))
    assert c.settings == Settings(480, "password", None) and c.users == {}


def test_oidc_users_are_e_mail_addresses_without_hashes(tmp_path):
    c = config.load(write(tmp_path, '''
[settings]
mode = "oidc"
oidc_provider = "microsoft"

[users."Jane.Doe@city.gov"]
role = "community"
community = "denver"
'''))
    assert c.settings.oidc_provider == "microsoft"
    assert c.find("jane.doe@CITY.gov").community == "denver"


@pytest.mark.parametrize("text, message", [
    ('[settings]\nsession_minutes = 0', "[settings] session_minutes must be a whole number of minutes from 1 to 43200 (30 days), not 0"),
    ('[settings]\nsession_minutes = 99999999999', "session_minutes must be a whole number of minutes from 1 to 43200 (30 days), not 99999999999"),
    ('[settings]\nsession_minutes = 43201', "not 43201"),
    ('[settings]\nsession_minutes = "480"', "not '480'"),
    ('[settings]\nsession_minutes = -5', "not -5"),
    ('[settings]\nsession_minutes = 1.5', "not 1.5"),
    ('[settings]\nsession_minutes = true', "not True"),
    ('[settings]\nmode = "ldap"', "[settings] mode must be one of 'password', 'oidc', not 'ldap'"),
    ('[settings]\nsesion_minutes = 60', "[settings]: unknown key 'sesion_minutes'; expected session_minutes, mode, oidc_provider"),
    ('[settings]\noidc_provider = "a b"', "oidc_provider must be the name of an [auth.<name>] block"),
    ('[setings]\nmode = "password"', "unknown key or section 'setings' at the top level"),
    ('users = 3', "'users' must be a set of [users.<name>] blocks"),
    ('[users.ops]\nrole = "admin"\npassword_hash = "H"', "user 'ops': role 'admin' is not one of program, community"),
    ('[users.ops]\npassword_hash = "H"', "user 'ops': has no role"),
    ('[users.jdoe]\nrole = "community"\npassword_hash = "H"', "user 'jdoe': role 'community' needs community = \"<slug>\""),
    ('[users.ops]\nrole = "program"\ncommunity = "denver"\npassword_hash = "H"',
     "user 'ops': role 'program' sees every community and takes no community (found 'denver')"),
    ('[users.jdoe]\nrole = "community"\ncommunity = "Denver CO"\npassword_hash = "H"', "user 'jdoe': community 'Denver CO' is not a slug"),
    ('[users.ops]\nrole = "program"', "user 'ops': has no password_hash: set one with `python -m auth set-password ops`"),
    ('[users.ops]\nrole = "program"\npassword_hash = "$2b$12$abc"', "user 'ops': password_hash must be an argon2 hash starting with '$argon2id$'"),
    ('[users.ops]\nrole = "program"\npassword_hash = "H"\npassword = "x"', "user 'ops': unknown key 'password'; expected role, community, display_name, password_hash"),
    ('[users.ops]\nrole = "program"\npassword_hash = "H"\ndisplay_name = 3', "user 'ops': display_name must be a string, not 3"),
    ('[users."has space"]\nrole = "program"\npassword_hash = "H"', "user 'has space': a user name is 1 to 100 letters"),
    ('[users.ops]\nrole = "program"\npassword_hash = "H"\n[users.OPS]\nrole = "program"\npassword_hash = "H"',
     "users 'ops' and 'OPS' differ only in case"),
    ('[settings]\nmode = "oidc"\n[users.ops]\nrole = "program"', "user 'ops': in oidc mode users are their e-mail addresses"),
    ('[settings]\nmode = "oidc"\n[users."a@b.org"]\nrole = "program"\npassword_hash = "H"',
     "user 'a@b.org': carries a password_hash, but mode is 'oidc'"),
    ('[users.ops\nrole = "program"', "not valid TOML"),
])
def test_every_mistake_is_refused_naming_the_file_and_the_entry(tmp_path, text, message):
    path = write(tmp_path, text.replace('"H"', f'"{HASH}"'))
    with pytest.raises(ConfigError) as e:
        config.load(path)
    assert str(e.value).startswith(f"{path}: ")
    assert message in str(e.value)


def test_community_slugs_are_checked_against_a_list_when_given(tmp_path):
    path = write(tmp_path, f'[users.jdoe]\nrole = "community"\ncommunity = "atlantis"\npassword_hash = "{HASH}"')
    assert config.load(path).users["jdoe"].community == "atlantis"
    with pytest.raises(ConfigError, match=r"user 'jdoe': community 'atlantis' is not in the warehouse; "
                                          r"known communities: denver, toledo-lucas-county"):
        config.load(path, communities=["toledo-lucas-county", "denver"])


def test_not_utf8_is_refused(tmp_path):
    path = tmp_path / "access.toml"
    path.write_bytes(b"[settings]\n# caf\xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        config.load(path)


def test_save_writes_a_stable_private_file_that_loads_back(tmp_path):
    path = tmp_path / "sub" / "access.toml"
    c = AccessConfig(path, Settings(90, "password"), {
        "zed": User("zed", "program", None, None, HASH),
        "Amy": User("Amy", "community", "denver", 'Amy "the boss" O\'Neil\\\t', HASH),
    })
    config.save(c)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert text.index("[settings]") < text.index("[users.Amy]") < text.index("[users.zed]")
    assert config.load(path) == c
    config.save(config.load(path))
    assert path.read_text() == text   # stable: saving again changes nothing
    assert [p.name for p in path.parent.iterdir()] == ["access.toml"]   # no temp file left


def test_save_quotes_e_mail_keys(tmp_path):
    path = tmp_path / "access.toml"
    c = AccessConfig(path, Settings(mode="oidc", oidc_provider="google"),
                     {"jane@city.gov": User("jane@city.gov", "program")})
    config.save(c)
    assert '[users."jane@city.gov"]' in path.read_text()
    assert tomllib.loads(path.read_text())["settings"]["oidc_provider"] == "google"
    assert config.load(path) == c


def test_save_refuses_what_load_would_refuse(tmp_path):
    path = tmp_path / "access.toml"
    with pytest.raises(ConfigError, match="has no password_hash"):
        config.save(AccessConfig(path, Settings(), {"ops": User("ops", "program")}))
    assert not path.exists()


def test_with_and_without_user_ignore_case(tmp_path):
    c = AccessConfig(tmp_path / "a.toml", Settings(), {"Ops": User("Ops", "program", None, None, HASH)})
    assert list(c.with_user(User("ops", "program", None, "New", HASH)).users) == ["ops"]
    assert c.without_user("OPS").users == {}


def test_the_example_file_is_valid():
    c = config.load(config.ROOT / "config" / "access.example.toml")
    assert c.settings == Settings() and set(c.users) == {"ops", "jdoe"}
