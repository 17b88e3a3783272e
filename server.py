"""The dashboard's server: `streamlit run server.py` serves dashboard.py.

Before the server accepts its first connection it puts the guards in place, imports every
module the pages use (pandas, Plotly, DuckDB, SciPy, statsmodels, the metrics) and opens the
published warehouse (when there is one: the demo is built by `make demo`). Without this the
first visitor after a start waited on a blank page while their first script run did the imports:
4 s on a quiet machine, over 10 s on a loaded one, with nothing on screen to say so.
"""
from __future__ import annotations

import asyncio
import importlib
import time
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
# The packages behind every page; importing the pages' own modules pulls in the rest.
MODULES = ("pandas", "plotly.graph_objects", "duckdb", "scipy.optimize", "highspy", "statsmodels.api",
           "components", "components.guard", "charts", "metrics", "briefing.content", "ingest.load")


def warm() -> float:
    """Import what the first script run would import, guard the server and open the warehouse;
    seconds taken."""
    start = time.monotonic()
    for name in MODULES:
        importlib.import_module(name)
    from components import data, guard
    guard.install()
    data.preopen()
    return time.monotonic() - start


@asynccontextmanager
async def lifespan(_app):
    seconds = await asyncio.to_thread(warm)
    print(f"Dashboard modules imported in {seconds:.1f} s; accepting connections.", flush=True)
    yield


app = st.App(HERE / "dashboard.py", lifespan=lifespan)
