"""What the COUNTER Code of Practice (Release 5.0 and 5.1) says each report may hold, what the
SUSHI exception codes mean for a librarian, and the Release 4 reports a vendor may still send.

Used by ingest.counter to refuse a report whose rows do not fit its stated type, to record a
"no usage" report as zeros for the metrics it would have held, and to say what to ask for.
"""
from __future__ import annotations

ITEM_METRICS = ("Total_Item_Investigations", "Total_Item_Requests", "Unique_Item_Investigations",
                "Unique_Item_Requests")
TITLE_METRICS = ("Unique_Title_Investigations", "Unique_Title_Requests")
DENIALS = ("Limit_Exceeded", "No_License")
SEARCHES = ("Searches_Automated", "Searches_Federated", "Searches_Regular")

# The metrics a report may hold (the union of 5.0 and 5.1; 5.1 added Unique_Item_* to DR_D1
# and Unique_Item_Requests to IR_M1).
ALLOWED_METRICS = {
    "PR": ("Searches_Platform", *ITEM_METRICS, *TITLE_METRICS),
    "PR_P1": ("Searches_Platform", "Total_Item_Requests", "Unique_Item_Requests", "Unique_Title_Requests"),
    "DR": (*SEARCHES, *ITEM_METRICS, *TITLE_METRICS, *DENIALS),
    "DR_D1": (*SEARCHES, *ITEM_METRICS),
    "DR_D2": DENIALS,
    "TR": (*ITEM_METRICS, *TITLE_METRICS, *DENIALS),
    "TR_B1": ("Total_Item_Requests", "Unique_Title_Requests"),
    "TR_B2": DENIALS,
    "TR_B3": (*ITEM_METRICS, *TITLE_METRICS),
    "TR_J1": ("Total_Item_Requests", "Unique_Item_Requests"),
    "TR_J2": DENIALS,
    "TR_J3": ITEM_METRICS,
    "TR_J4": ("Total_Item_Requests", "Unique_Item_Requests"),
    "IR": (*ITEM_METRICS, *DENIALS),
    "IR_A1": ("Total_Item_Requests", "Unique_Item_Requests"),
    "IR_M1": ("Total_Item_Requests", "Unique_Item_Requests"),
}
# The metrics a "no usage" report with no Metric_Types header is recorded as zero for: the
# standard view's own metrics; for a master report, those of its main standard view.
NO_USAGE_METRICS = {
    **ALLOWED_METRICS,
    "PR": ALLOWED_METRICS["PR_P1"],
    "DR": ALLOWED_METRICS["DR_D1"],
    "TR": ("Total_Item_Requests", "Unique_Item_Requests", "Unique_Title_Requests"),
    "IR": ("Total_Item_Requests", "Unique_Item_Requests"),
}
# The Data_Type values a standard view may hold (both releases). Views not listed take any.
ALLOWED_DATA_TYPES = {
    **{f"TR_J{i}": ("Journal",) for i in range(1, 5)},
    **{f"TR_B{i}": ("Book", "Reference_Work") for i in range(1, 4)},
    "IR_A1": ("Article",),
    "IR_M1": ("Audiovisual", "Image", "Interactive_Resource", "Multimedia", "Sound"),
}
# Column (tabular) / key (JSON) naming the item, by report family, to infer a report's type.
FAMILY_BY_TITLE = {"database": "DR", "title": "TR", "item": "IR"}
# Data_Type values only one release has (to tell the release of a headerless export).
ONLY_50_DATA_TYPES = {"Database", "Repository"}
ONLY_51_DATA_TYPES = {"Unspecified", "Database_AI", "Database_Aggregated", "Database_Full",
                      "Database_Full_Item", "Conference", "Conference_Item", "News_Item", "Reference_Item",
                      "Reference_Work", "Audiovisual", "Image", "Interactive_Resource", "Sound", "Standard",
                      "Patent", "Report", "Software", "Dataset"}

# COUNTER Release 4 reports and their nearest Release 5 equivalent.
R4_REPORTS = {
    "JR1": "TR_J1", "JR1A": "TR_J1", "JR1_GOA": "TR_J3", "JR1GOA": "TR_J3", "JR2": "TR_J2",
    "JR3": "TR_J3", "JR4": "TR_J1", "JR5": "TR_J4", "BR1": "TR_B1", "BR2": "TR_B1", "BR3": "TR_B2",
    "BR4": "TR_B2", "BR5": "TR_B1", "DB1": "DR_D1", "DB2": "DR_D2", "PR1": "PR_P1", "MR1": "IR_M1",
    "MR2": "IR_M1", "TR1": "TR", "TR2": "TR", "TR3": "TR",
}
R4_NAMES = {"journal": "JR", "book": "BR", "database": "DB", "platform": "PR", "multimedia": "MR",
            "title": "TR"}


def r4_expected(r4_id: str | None) -> str:
    """What to ask the vendor for instead of a Release 4 report."""
    r5 = R4_REPORTS.get((r4_id or "").upper().replace(" ", ""))
    which = f"the R5 {r5} report" if r5 else "the R5 equivalent report"
    return (f"a COUNTER Release 5 report: ask the vendor for {which} (TSV, CSV, XLSX or JSON), "
            "or harvest it with SUSHI Release 5")


def exception_hint(code) -> str:
    """What a librarian can do about a SUSHI exception, by its code's range."""
    try:
        code = int(code)
    except (TypeError, ValueError):
        return "a report with Report_Header and Report_Items"
    if code in (1000, 1010, 1011, 1020):
        return "a report: the service was busy or unavailable; harvest again later"
    if 1000 <= code < 2000:
        return "a report: check the SUSHI request (customer ID, requestor ID, API key) and harvest again"
    if 2000 <= code < 3000:
        return ("a report: the SUSHI credentials are not accepted for this institution; check the customer ID, "
                "requestor ID and API key with the vendor")
    if code in (3031, 3032, 3020, 3060, 3061, 3062, 3070):
        return "a report for dates and filters the platform has usage for; adjust the request and harvest again"
    return "a report with Report_Header and Report_Items; ask the vendor about this exception"


def is_no_usage_exception(e: dict, get) -> bool:
    """3030 No Usage Available for Requested Dates: the platform had no use (not an error)."""
    return str(get(e, "Code")).strip() == "3030"
