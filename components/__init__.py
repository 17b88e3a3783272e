"""Streamlit building blocks shared by the pages: the warehouse connection and caches, the
scope/year picker bound to the URL, KPI tiles, tables with CSV download, the demo banner."""
from components.data import catalog, ensure_warehouse, metric, record_change, signed_in_user, unless_denied, warehouse
from components.choice import plain
from components.show import (accessibility, chart, defuse_links, figure, file_name, header, needs_help_link, table,
                             tiles)
from components.sidebar import View, current_view, page_menu, sidebar, view_params

__all__ = ["plain", "catalog", "ensure_warehouse", "metric", "record_change", "signed_in_user", "unless_denied", "warehouse",
           "accessibility", "chart", "defuse_links", "figure", "file_name", "header", "needs_help_link", "table",
           "tiles", "View", "current_view", "page_menu", "sidebar", "view_params"]
