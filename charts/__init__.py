"""Plotly figure builders: each takes a metric's DataFrame and returns a titled figure with
labelled axes and readable numbers. No Streamlit here, so figures can also go to exports."""
from charts.activation import activation_curve, rate_bars
from charts.circulation import growth_bars, hotspot_bars, monthly_lines
from charts.cohorts import comparison, distribution, survey
from charts.eresources import usage_lines, year_on_year
from charts.impact import event_study
from charts.trends import schools_side_by_side, trend

__all__ = ["activation_curve", "rate_bars", "growth_bars", "hotspot_bars", "monthly_lines", "comparison",
           "distribution", "survey", "usage_lines", "year_on_year", "event_study",
           "trend", "schools_side_by_side"]
