"""One plain function per metric: (read-only connection, Scope) -> DataFrame.

Each function's docstring is the metric's definition. No metric imports Streamlit. A metric
that hides small counts takes `counts=`: the same counts computed another way (metrics.raw),
hidden as the metric hides its own, so the two can be compared after disclosure.
"""
from metrics.activation import (active_user_rate, activation_by_week, activation_rate, activation_since_launch,
                                staff_cards)
from metrics.circulation import circulation_by_month, circulation_growth, circulation_per_student, hotspot_lending
from metrics.cohorts import cohort_comparison, cohort_quartiles, cohort_totals, community_table
from metrics.headline import headline
from metrics.impact import campaign_impact
from metrics.needs_help import needs_help
from metrics.eresources import eresource_growth, eresource_per_active_student, eresource_usage_by_month
from metrics.scope import Scope
from metrics.survey import survey_indicators
from metrics.targets import target_progress
from metrics.trends import breakdown_over_years, headline_trend, school_count, schools_over_years

__all__ = [
    "Scope", "activation_rate", "active_user_rate", "activation_by_week", "activation_since_launch", "staff_cards",
    "circulation_by_month", "circulation_growth", "circulation_per_student", "hotspot_lending",
    "eresource_usage_by_month", "eresource_growth", "eresource_per_active_student",
    "survey_indicators", "headline", "needs_help", "target_progress", "headline_trend", "schools_over_years", "breakdown_over_years", "school_count", "campaign_impact", "community_table", "cohort_comparison", "cohort_quartiles", "cohort_totals",
]
