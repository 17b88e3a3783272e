"""Excel and CSV exports a person can use: opened with openpyxl, numbers are numbers with
number formats, hidden counts read "<10" or "suppressed", definitions and provenance present."""
import io

from openpyxl import load_workbook

from components.show import csv_bytes
from components.workbook import xlsx
from metrics import Scope, activation_rate, circulation_growth

ABOUT = {"Table": "activation by grade", "Scope": "Alpha City", "School year": "2015-16 (July to June)",
         "Source": "Library Card Challenge impact dashboard", "Data last loaded": "Dec. 2, 2026"}


def sheet_rows(data: bytes, name: str):
    wb = load_workbook(io.BytesIO(data))
    return wb, [[c for c in row] for row in wb[name].iter_rows()]


def test_numbers_are_numbers_rates_formatted_and_small_counts_hidden(small_con):
    df = activation_rate(small_con, Scope("2015-16", community="alpha-city"), by="grade")
    cols = ["label", "enrolled", "activated", "activation_rate"]
    data = xlsx(df, cols, ["Grade", "Students enrolled", "Students activated", "Activation rate"], ABOUT)
    wb, rows = sheet_rows(data, "Table")
    assert wb.sheetnames == ["Table", "Definitions"]
    # provenance first: scope, year, source and load date
    assert [(r[0].value, r[1].value) for r in rows[:5]] == list(ABOUT.items())
    header = rows[6]
    assert [c.value for c in header] == ["Grade", "Students enrolled", "Students activated", "Activation rate"]
    body = {r[0].value: r for r in rows[7:]}
    # grade 3: 40 enrolled, 30 activated (s1..s30): 75.0%
    g3 = body["Grade 3"]
    assert (g3[1].value, g3[2].value) == (40, 30) and isinstance(g3[1].value, int)
    assert g3[3].value == 0.75 and g3[3].number_format == "0.0%"
    assert g3[1].number_format == "#,##0"
    # grade 7 (Tiny Charter, 8 enrolled): every count hidden, and its rate with them
    g7 = body["Grade 7"]
    assert g7[1].value == "<10" and g7[3].value in ("<10", "suppressed")
    defs = [(r[0].value, r[1].value) for r in wb["Definitions"].iter_rows() if r[0].value]
    assert ("Activation rate", "Students activated over students enrolled.") in defs
    assert any(k == "Hidden counts" and "<10" in v for k, v in defs)


def test_complementary_cells_read_suppressed_never_a_false_under_ten(small_con):
    df = circulation_growth(small_con, Scope("2015-16", community="alpha-city"), by="detail")
    data = xlsx(df, ["label", "circulation", "prior_circulation"], ["Detail", "2015-16", "2014-15"], ABOUT)
    _, rows = sheet_rows(data, "Table")
    values = [r[1].value for r in rows[7:]]
    assert "<10" in values and "suppressed" in values
    assert all(isinstance(v, int) for v in values if v not in ("<10", "suppressed"))


def test_csv_gives_the_figures_as_shown(small_con):
    df = activation_rate(small_con, Scope("2015-16", community="alpha-city"), by="grade")
    text = csv_bytes(df, ["label", "enrolled", "activation_rate"], ["Grade", "Students enrolled", "Activation rate"]).decode()
    lines = text.splitlines()
    assert "Grade 3,40,75.0%" in lines             # a rounded percent, not 0.75
    assert any(line.startswith("Grade 7,<10,") for line in lines)
