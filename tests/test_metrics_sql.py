"""Metric queries bind every value: no query text is built from a value."""
import inspect
import re

import metrics
from metrics import activation, circulation, cohorts, eresources, needs_help, survey, targets, trends


def test_every_metric_has_a_definition():
    for name in metrics.__all__:
        fn = getattr(metrics, name)
        if inspect.isfunction(fn):
            assert fn.__doc__ and len(fn.__doc__.split()) >= 8, name


def test_queries_take_values_only_as_bound_parameters():
    import sys
    headline_module = sys.modules["metrics.headline"]
    for module in (activation, circulation, cohorts, eresources, survey, headline_module, needs_help, targets, trends):
        source = inspect.getsource(module)
        # run(...) is the one way a metric executes SQL; no .format(...) or % on query text
        assert ".format(" not in source and "% (" not in source, module.__name__
        for name, value in vars(module).items():
            if name.endswith("_SQL"):
                assert "{" not in value, f"{module.__name__}.{name} has an unfilled placeholder"
                # quoted literals are fixed category names, never user input
                assert not re.search(r"'\s*\|\|\s*\$", value)


def test_run_binds_only_named_parameters(small_con):
    from metrics.scope import run
    df = run(small_con, "SELECT count(*) AS n FROM community WHERE slug = $community", {"community": "alpha-city", "unused": 1})
    assert df.n[0] == 1
    # an injection attempt is just a value that matches nothing
    assert run(small_con, "SELECT count(*) AS n FROM community WHERE slug = $community",
               {"community": "x' OR '1'='1"}).n[0] == 0
