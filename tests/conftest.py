"""Shared fixtures: the demo warehouse, built once per test session."""
from __future__ import annotations

import pytest

from warehouse import demo, store


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory):
    """A demo warehouse file built with the default seed and scale."""
    path = tmp_path_factory.mktemp("demo") / "warehouse.duckdb"
    demo.build(path)
    return path


@pytest.fixture(scope="session")
def demo_con(demo_path):
    con = store.open_readonly(demo_path)
    yield con
    con.close()
