"""The accessibility statement: on the Data page and in the README, the same words."""
from pathlib import Path

from components.statement import STANDARD, STATEMENT
from tests.dashboard_support import PROGRAM, open_app, text

ROOT = Path(__file__).resolve().parent.parent


def test_statement_names_standard_tests_and_how_to_report():
    assert STANDARD == "WCAG 2.1 level AA"
    for words in ("axe-core", "4.5:1", "3:1", "PDF/UA-1", "keyboard", "Report a barrier"):
        assert words in STATEMENT, words


def test_readme_carries_the_same_statement():
    readme = " ".join((ROOT / "README.md").read_text().split())
    body = " ".join(STATEMENT.split("**How it is tested**")[0].split())
    assert "## Accessibility" in readme and body in readme
    assert " ".join(STATEMENT.split("**Report a barrier.**")[1].split()) in readme


def test_data_page_shows_the_statement(demo_path, monkeypatch):
    at = open_app(demo_path, monkeypatch, "data", **PROGRAM)
    shown = text(at)
    assert "Accessibility" in [h.value for h in at.header]
    assert "WCAG 2.1 level AA" in shown and "Report a barrier" in shown
