"""Shared fixtures: the demo warehouse, built once per test session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from warehouse import demo, store


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory):
    """A demo warehouse file built with the default seed and scale.

    LCC_TEST_DEMO_PATH may name an already built demo warehouse, to save the build while
    developing; CI always builds afresh."""
    prebuilt = os.environ.get("LCC_TEST_DEMO_PATH")
    if prebuilt and Path(prebuilt).exists():
        return Path(prebuilt)
    path = tmp_path_factory.mktemp("demo") / "warehouse.duckdb"
    demo.build(path)
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
