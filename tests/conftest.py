"""Shared fixtures: the demo warehouse, built once per test session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import test_rollup_equality
from tests.rollup_support import Pair
from warehouse import demo, store


@pytest.fixture(scope="session", autouse=True)
def auth_files(tmp_path_factory):
    """No test reads the developer's config/access.toml or writes data/audit.log: the access
    file points at a file that does not exist (the demo mode) and the audit log into a temporary
    folder. A test that needs an access file sets LCC_ACCESS_FILE itself (tests/dashboard_support.py
    has helpers). Session-wide, so that module fixtures starting a server see it too."""
    folder = tmp_path_factory.mktemp("auth")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LCC_ACCESS_FILE", str(folder / "no-access-file.toml"))
        mp.setenv("LCC_AUDIT_LOG", str(folder / "audit.log"))
        yield folder


@pytest.fixture(autouse=True)
def auth_store(tmp_path, monkeypatch):
    """A fresh sign-in store (failed attempts, sessions) per test: it is a file now, shared by
    every process that uses it, so one test's failures must not throttle the next."""
    path = tmp_path / "signin.sqlite3"
    monkeypatch.setenv("LCC_AUTH_STORE", str(path))
    return path


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory):
    """A demo warehouse file built with the default seed and scale.

    LCC_TEST_DEMO_PATH may name an already built demo warehouse, to save the build while
    developing; CI always builds afresh."""
    prebuilt = os.environ.get("LCC_TEST_DEMO_PATH")
    if prebuilt and Path(prebuilt).exists():
        return Path(prebuilt)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.mktemp("demo") / "warehouse.duckdb"
        demo.build(path)
        return path
    # pytest -n: the workers share one build, made by whichever asks first
    import fcntl

    folder = tmp_path_factory.getbasetemp().parent / "demo"
    folder.mkdir(exist_ok=True)
    path = folder / "warehouse.duckdb"
    with open(folder / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "built").exists():
            demo.build(path)
            (folder / "built").touch()
    return path


@pytest.fixture(scope="session")
def demo_con(demo_path):
    con = store.open_readonly(demo_path)
    yield con
    con.close()


@pytest.fixture(scope="session")
def small_con(tmp_path_factory):
    """The hand-built warehouse of tests/small_warehouse.py."""
    from tests import small_warehouse

    path = small_warehouse.build(tmp_path_factory.mktemp("small") / "small.duckdb")
    con = store.open_readonly(path)
    yield con
    con.close()


# The rollup tests' two copies of one randomized warehouse (tests/rollup_support.py).
@pytest.fixture(scope="module")
def random_warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("random") / "warehouse.duckdb"
    test_rollup_equality.build(path, 3)
    return path


@pytest.fixture
def pair(random_warehouse, tmp_path):
    p = Pair(random_warehouse, tmp_path)
    yield p
    p.close()


@pytest.fixture
def wh(base, tmp_path, monkeypatch):
    """A private copy of the module's `base` warehouse (a (path, key) pair), with its key."""
    source, key = base
    monkeypatch.setenv("LCC_SECRET_FILE", str(key))
    return store.copy_published(source, tmp_path / "wh.duckdb")
