"""The product's colours, in one place: every chart, tile, page theme, PDF and slide takes its
colours from here (.streamlit/config.toml repeats the theme ones; tests/test_palette.py checks
both against WCAG 2.1).

Rules (WCAG 2.1 AA, checked by tests/test_palette.py against the background each sits on):
- text colours at 4.5:1 or more (1.4.3);
- chart marks (lines, bars, markers, their outlines) at 3:1 or more (1.4.11);
- no series told apart by colour alone (1.4.1): each series also gets its own marker symbol
  and dash pattern (SYMBOLS, DASHES), bars a fill pattern (PATTERNS), and charts label their
  values directly.

The categorical colours are darkened relatives of the Okabe-Ito set, whose hues stay apart
for the common colour-vision deficiencies; the order puts the most different hues first.
"""
from __future__ import annotations

BACKGROUND = "#ffffff"      # page, chart and paper ground
SIDEBAR = "#f0f2f6"         # Streamlit's secondary background: the sidebar, tiles, code
TILE = "#eef2f7"            # the briefing's headline tiles

TEXT = "#0e1117"            # body text (18.9:1 on white)
CAPTION_OPACITY = 0.6       # Streamlit draws captions in TEXT at this opacity
MUTED = "#4f5965"           # secondary text (7.1:1 on white, 6.3:1 on the sidebar)
ACCENT = "#1f5f99"          # headings, links, primary buttons (6.7:1)
DEMO = "#8a4b00"            # the "Demo data" label (6.8:1 on white, 5.7:1 on its badge)
DEMO_BADGE = "#fde9cf"      # the badge's ground
NEGATIVE = "#a4262c"        # a fall, an error (7.2:1)
POSITIVE = "#1b5e20"        # a rise written as text (7.9:1)

# Chart marks: each at 3:1 or more on white and on the sidebar grey.
COLORS = ["#1f5f99",   # blue
          "#b35900",   # orange
          "#117a65",   # bluish green
          "#a4262c",   # vermilion red
          "#6a3d9a",   # purple
          "#5f6b7a",   # slate
          "#8a6d00",   # ochre
          "#b0306f"]   # reddish purple
PRIOR = "#6b7785"           # the year before: grey, always dashed (4.6:1)
HIGHLIGHT = "#a4262c"       # the community picked out among many
CAMPAIGN = "#b35900"        # campaign markers on the timeline (4.5:1)
CAMPAIGN_TEXT = "#7a3f00"   # their labels (8.6:1)
AXIS = "#6b7785"            # axis lines and zero lines (marks a reader needs: 3:1)
GRID = "#e6e9ee"            # grid lines: decoration, deliberately faint (not a mark)
BAND = "rgba(31,95,153,0.18)"  # a filled range (always drawn with an ACCENT outline)

# Second channels besides colour, in the same order as COLORS.
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "x", "triangle-down", "star"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash"]
PATTERNS = ["", "/", ".", "x", "\\", "+", "-", "|"]

# Pairs: (foreground, background, minimum ratio, what it is), checked by the tests.
TEXT_PAIRS = [(TEXT, BACKGROUND), (TEXT, SIDEBAR), (TEXT, TILE), (MUTED, BACKGROUND), (MUTED, SIDEBAR),
              (MUTED, TILE), (ACCENT, BACKGROUND), (ACCENT, SIDEBAR), (ACCENT, TILE), (DEMO, BACKGROUND),
              (DEMO, DEMO_BADGE), (DEMO, SIDEBAR), (NEGATIVE, BACKGROUND), (POSITIVE, BACKGROUND),
              (CAMPAIGN_TEXT, BACKGROUND), (HIGHLIGHT, BACKGROUND), ("#ffffff", ACCENT)]
MARK_PAIRS = [(c, BACKGROUND) for c in [*COLORS, PRIOR, HIGHLIGHT, CAMPAIGN, AXIS]] + \
             [(c, SIDEBAR) for c in COLORS]


def rgb(color: str) -> tuple[int, int, int]:
    """'#1f5f99' -> (31, 95, 153)."""
    h = color.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) != 6:
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(color: str) -> float:
    """Relative luminance as WCAG 2.1 defines it (sRGB, linearised)."""
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def blend(foreground: str, background: str, opacity: float) -> str:
    """The colour a reader sees: foreground drawn at this opacity over background."""
    f, b = rgb(foreground), rgb(background)
    return "#" + "".join(f"{round(x * opacity + y * (1 - opacity)):02x}" for x, y in zip(f, b))


def color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def symbol(i: int) -> str:
    return SYMBOLS[i % len(SYMBOLS)]


def dash(i: int) -> str:
    return DASHES[i % len(DASHES)]


def pattern(i: int) -> str:
    return PATTERNS[i % len(PATTERNS)]
