"""The palette against WCAG 2.1 AA: text 4.5:1, chart marks 3:1, Streamlit's theme the same
colours, and a second channel besides colour for every series."""
import tomllib
from pathlib import Path

import pytest

from charts import palette

ROOT = Path(__file__).resolve().parent.parent
THEME = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]


def test_contrast_formula_matches_known_ratios():
    assert palette.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert palette.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)   # the classic near miss
    assert palette.contrast("#00CC96", "#ffffff") == pytest.approx(2.08, abs=0.01)   # Plotly's default green
    assert palette.contrast("#ffffff", "#ffffff") == 1.0


@pytest.mark.parametrize("fg,bg", palette.TEXT_PAIRS)
def test_text_colours_reach_4_5_to_1(fg, bg):
    assert palette.contrast(fg, bg) >= 4.5, f"{fg} on {bg}: {palette.contrast(fg, bg):.2f}:1"


@pytest.mark.parametrize("fg,bg", palette.MARK_PAIRS)
def test_chart_marks_reach_3_to_1(fg, bg):
    assert palette.contrast(fg, bg) >= 3.0, f"{fg} on {bg}: {palette.contrast(fg, bg):.2f}:1"


@pytest.mark.parametrize("bg", [palette.BACKGROUND, palette.SIDEBAR])
def test_streamlit_captions_reach_4_5_to_1(bg):
    # Streamlit draws st.caption in the text colour at 60 % opacity: what the reader sees is the blend.
    seen = palette.blend(palette.TEXT, bg, palette.CAPTION_OPACITY)
    assert palette.contrast(seen, bg) >= 4.5, f"caption {seen} on {bg}: {palette.contrast(seen, bg):.2f}:1"


def test_streamlit_theme_is_the_palette():
    assert THEME["base"] == "light"
    assert THEME["primaryColor"] == palette.ACCENT
    assert THEME["backgroundColor"] == palette.BACKGROUND
    assert THEME["secondaryBackgroundColor"] == palette.SIDEBAR
    assert THEME["textColor"] == palette.TEXT
    assert THEME["linkColor"] == palette.ACCENT
    assert THEME["grayTextColor"] == palette.MUTED
    assert (THEME["orangeTextColor"], THEME["orangeBackgroundColor"]) == (palette.DEMO, palette.DEMO_BADGE)
    assert THEME["chartCategoricalColors"] == palette.COLORS


@pytest.mark.parametrize("key", ["primaryColor", "textColor", "linkColor", "grayTextColor", "orangeTextColor",
                                 "redTextColor", "greenTextColor", "blueTextColor"])
def test_theme_text_colours_reach_4_5_to_1(key):
    for bg in (THEME["backgroundColor"], THEME["secondaryBackgroundColor"]):
        assert palette.contrast(THEME[key], bg) >= 4.5, f"{key} {THEME[key]} on {bg}"
    assert palette.contrast(palette.DEMO, palette.DEMO_BADGE) >= 4.5   # the "Demo data" badge


def test_plotly_defaults_would_fail():
    # Why the palette exists: Plotly's default orange and green are under 3:1 on white.
    assert palette.contrast("#FFA15A", "#ffffff") < 3 and palette.contrast("#00CC96", "#ffffff") < 3


def test_every_series_has_a_second_channel():
    n = len(palette.COLORS)
    assert len(set(palette.SYMBOLS)) == n and len(set(palette.COLORS)) == n
    assert len(set(palette.PATTERNS)) == n
    # neighbouring series never share a dash pattern
    assert all(palette.dash(i) != palette.dash(i + 1) for i in range(n))


def test_charts_use_only_palette_colours(demo_con):
    """Every colour a dashboard chart draws with passes 3:1 on white (fills are checked by
    their outline, text by 4.5:1)."""
    import charts
    from metrics import Scope, activation_by_week, circulation_by_month, circulation_growth, hotspot_lending
    from metrics.catalog import campaigns
    cms = Scope("2015-16", community="charlotte-mecklenburg")
    figs = [charts.activation_curve(activation_by_week(demo_con, cms), campaigns(demo_con, "charlotte-mecklenburg"),
                                    "2015-16", "2014-15"),
            charts.monthly_lines(circulation_by_month(demo_con, cms, by="format"), "2015-16", "2014-15", "Format"),
            charts.growth_bars(circulation_growth(demo_con, cms, by="format"), "2015-16", "2014-15", "Format"),
            charts.hotspot_bars(hotspot_lending(demo_con, cms))]
    for fig in figs:
        for t in fig.data:
            line = getattr(t, "line", None)
            colours = [getattr(line, "color", None)] if line is not None else []
            marker = getattr(t, "marker", None)
            if marker is not None:
                c = marker.color
                colours += list(c) if isinstance(c, (list, tuple)) else [c]
            for c in colours:
                if isinstance(c, str) and c.startswith("#"):
                    assert palette.contrast(c, palette.BACKGROUND) >= 3, f"{fig.layout.title.text}: {c}"
        assert fig.layout.font.color == palette.TEXT
        assert fig.layout.xaxis.tickfont.color == palette.TEXT
    lines = [t for t in figs[1].data]
    assert len({t.marker.symbol for t in lines}) == len(lines) and len({t.line.dash for t in lines}) > 1
